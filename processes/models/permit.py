"""The permit: domain fields of a job, pointing at the process instance that runs it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import JsonType, ProcessInstance, UtcDateTime, db

from .people import Person
from .plant import Area

#: lifecycle of a permit as people see it (the instance has its own, coarser status)
STATUSES = ("applied", "approving", "held", "approved", "active", "suspended", "expired",
            "closed", "rejected", "cancelled")
#: held: the application is frozen before approval (fatigue or rest warning, holds.py);
#: suspended: live work stopped (a crew certificate lapsed)
LIVE_STATUSES = ("applied", "approving", "held", "approved", "active", "suspended", "expired")


class Permit(db.Model):
    __tablename__ = "permit"
    __table_args__ = (
        UniqueConstraint("site_code", "number", name="uq_permit_site_number"),
        Index("ix_permit_type_status", "type", "status"),
        Index("ix_permit_site_created", "site_code", "created_at"),
        Index("ix_permit_planned_start", "planned_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    type: Mapped[str] = mapped_column(String(40))
    site_code: Mapped[str] = mapped_column(ForeignKey("site.code"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text)
    planned_start: Mapped[datetime] = mapped_column(UtcDateTime)
    planned_end: Mapped[datetime] = mapped_column(UtcDateTime)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    watcher_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    #: type-specific application fields (hot-work method, running equipment, …)
    fields: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    related_permits: Mapped[list[str]] = mapped_column(JsonType, default=list)
    grade: Mapped[str | None] = mapped_column(String(20))
    #: why the grade went up (night, rest_day, holiday, wind_force_5)
    upgrade_reasons: Mapped[list[str]] = mapped_column(JsonType, default=list)
    risk: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="applied", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("engine_process_instance.id"),
                                                    index=True)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: analytics keys stamped at application (processes.analytics.slots): the planned
    #: start's weekday (0 = Monday) and hour at the site, and the contractor firm doing it
    local_weekday: Mapped[int | None] = mapped_column(SmallInteger)
    local_hour: Mapped[int | None] = mapped_column(SmallInteger)
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))

    area: Mapped[Area] = relationship(lazy="joined")
    applicant: Mapped[Person] = relationship(foreign_keys=[applicant_id], lazy="joined")
    watcher: Mapped[Person] = relationship(foreign_keys=[watcher_id], lazy="joined")
    instance: Mapped[ProcessInstance | None] = relationship(lazy="select")
    worker_links: Mapped[list[PermitWorker]] = relationship(
        back_populates="permit", lazy="selectin", cascade="all, delete-orphan")

    @property
    def worker_ids(self) -> list[int]:
        return [w.person_id for w in self.worker_links]

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class PermitWorker(db.Model):
    __tablename__ = "permit_worker"

    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True,
                                           index=True)

    permit: Mapped[Permit] = relationship(back_populates="worker_links")
    person: Mapped[Person] = relationship(lazy="joined")


class PermitCounter(db.Model):
    """Per site, prefix and day: the last number issued (PREFIX-YYYYMMDD-NNNN)."""

    __tablename__ = "permit_counter"

    site_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)
