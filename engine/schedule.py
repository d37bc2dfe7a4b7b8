"""Once-per-period jobs: a row per (job, period) makes "enqueue the daily job" idempotent.

The periodic tick runs every few seconds in every worker; the first one that inserts the
row for today enqueues the job (in the same transaction), every other gets ``False``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import db
from .models import UtcDateTime


class ScheduledRun(db.Model):
    __tablename__ = "engine_scheduled_run"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    #: e.g. "2026-06-03" for a daily job
    period: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def claim(session: Session, name: str, period: str, *, now: datetime) -> bool:
    """Record that ``name`` ran for ``period``; False if some worker already did."""
    if session.get(ScheduledRun, (name, period)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ScheduledRun(name=name, period=period, created_at=now))
    except IntegrityError:
        return False
    return True
