"""Legal entities: the group edition runs several companies, each with its own sites."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine import db


class LegalEntity(db.Model):
    """A company of the group (法人单位); sites and organizations point at it."""

    __tablename__ = "legal_entity"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: unified social credit code (统一社会信用代码)
    credit_code: Mapped[str | None] = mapped_column(String(40))
