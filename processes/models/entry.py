"""The confined-space entry/exit log: who went in and out, and when (GB 30871 6.8).

The watcher logs each movement; the head count is what the log says, so a job cannot be
finished or closed while it shows anyone inside.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import UtcDateTime, db

from .people import Person

DIRECTIONS = ("in", "out")


class SpaceEntry(db.Model):
    __tablename__ = "space_entry"
    __table_args__ = (Index("ix_space_entry_permit_at", "permit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    #: in | out
    direction: Mapped[str] = mapped_column(String(3))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("person.id"))
    note: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")
