"""People, organizations and certificates: every check a permit makes about a person."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import JsonType, UtcDateTime, db


class Organization(db.Model):
    """A department, team, operating unit or contractor firm."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: department | unit | team | contractor
    kind: Mapped[str] = mapped_column(String(20))
    site_code: Mapped[str | None] = mapped_column(ForeignKey("site.code"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))


class Person(db.Model):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    username: Mapped[str | None] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: role keys of design §5
    roles: Mapped[list[str]] = mapped_column(JsonType, default=list)
    site_code: Mapped[str | None] = mapped_column(ForeignKey("site.code"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    employee_no: Mapped[str | None] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    certificates: Mapped[list[Certificate]] = relationship(back_populates="person",
                                                           lazy="selectin")

    def has_role(self, *roles: str) -> bool:
        return any(r in (self.roles or []) for r in roles)

    @property
    def is_contractor(self) -> bool:
        return self.organization is not None and self.organization.kind == "contractor"


class CertificateType(db.Model):
    """The certificate catalogue (MEM Order No. 30 special operations, special equipment,
    the in-house watcher certificate): validity, review cycle and what it authorizes."""

    __tablename__ = "certificate_type"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    validity_years: Mapped[int] = mapped_column(default=6)
    #: 0 means no periodic review
    review_years: Mapped[int] = mapped_column(default=3)
    review_window_days: Mapped[int] = mapped_column(default=60)
    #: [{"permit_type": "hot_work", "role": "worker", "grades": ["special", ...] | null}]
    authorizes: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    issuer: Mapped[str | None] = mapped_column(String(120))


class Certificate(db.Model):
    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("type_code", "number", name="uq_certificate_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    type_code: Mapped[str] = mapped_column(ForeignKey("certificate_type.code"))
    number: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    #: the next 复审 due date; None when the type has no review
    review_due_on: Mapped[date | None] = mapped_column(Date)
    voided: Mapped[bool] = mapped_column(default=False)
    #: unverified | verified | not_found (national lookup adapter)
    verification: Mapped[str] = mapped_column(String(20), default="unverified")

    person: Mapped[Person] = relationship(back_populates="certificates")
    type: Mapped[CertificateType] = relationship(lazy="joined")
