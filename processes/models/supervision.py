"""On-site supervision: the watch over live work, watcher handovers, pre-work taps.

The sign-in records themselves are ``SignIn`` (evidence.py); these tables hold what grows
around them during a job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine import UtcDateTime, db


class Watch(db.Model):
    """The watcher's presence over a permit's live work: when the next proof is due."""

    __tablename__ = "watch"

    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), primary_key=True)
    watcher_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    #: watching | suspended | ended
    status: Mapped[str] = mapped_column(String(12), default="watching", index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: the next re-confirmation is due then (None: none asked); found by the periodic tick
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    #: interval | gas_retest
    due_reason: Mapped[str | None] = mapped_column(String(20))
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: missed_reconfirmation | outside_fence
    suspended_reason: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WatcherHandover(db.Model):
    """Handing the watch to a substitute: asked and signed by one, completed by the other's
    own accepted sign-in."""

    __tablename__ = "watcher_handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    from_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    to_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    requested_by: Mapped[int] = mapped_column(ForeignKey("person.id"))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)
    #: pending | completed | cancelled
    status: Mapped[str] = mapped_column(String(12), default="pending")
    #: server signature over (permit, from, to, requested_by, requested_at, reason)
    signature: Mapped[str] = mapped_column(String(255))
    sign_in_id: Mapped[int | None] = mapped_column(ForeignKey("sign_in.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PreWorkCheck(db.Model):
    """One tap of the pre-work confirmation ("PPE checked", …), time-stamped."""

    __tablename__ = "pre_work_check"
    __table_args__ = (UniqueConstraint("permit_id", "item", name="uq_pre_work_check_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    item: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(120))
    confirmed_by: Mapped[int] = mapped_column(ForeignKey("person.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    device_time: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PreWorkMemo(db.Model):
    """The spoken summary of the pre-work confirmation sent to the team leader."""

    __tablename__ = "pre_work_memo"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), unique=True)
    text: Mapped[str] = mapped_column(Text)
    #: pending | ready | unavailable (no speech synthesiser on the server)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    upload_id: Mapped[str | None] = mapped_column(ForeignKey("upload.id"))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
