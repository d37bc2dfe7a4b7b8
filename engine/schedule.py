"""What is due when: once-per-period jobs, and the passes over due timers and retries.

The periodic tick runs every few seconds in every worker. For once-per-period jobs a row
per (job, period) makes "enqueue the daily job" idempotent: the first worker that inserts
the row for today enqueues the job (in the same transaction), every other gets ``False``.

Due timers and incident retries are *claimed*: the next due instance is selected with
``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so tickers running at once each take a different
one and every timer fires once. Each is fired and committed on its own; one that fails is
rolled back and logged with its instance, and the pass goes on with the next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, undefer

from . import clock, conflicts, locks
from .db import db
from .errors import EngineError, StaleInstance
from .models import Incident, ProcessInstance, UtcDateTime

if TYPE_CHECKING:
    from .runtime import Engine

log = logging.getLogger(__name__)
_T = TypeVar("_T")


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


@dataclass
class PassResult:
    """What one pass over due work did."""

    done: int = 0
    #: another worker had it, or it changed meanwhile (it is theirs, or the next pass's)
    skipped: int = 0
    #: the instances whose step failed (each logged)
    failed: list[int] = field(default_factory=list)


def next_due_timer(session: Session, now: datetime, exclude: list[int]
                   ) -> ProcessInstance | None:
    """The earliest due instance nobody else is firing, locked for this transaction."""
    query = (select(ProcessInstance).options(undefer(ProcessInstance.state))
             .where(ProcessInstance.status == "running", ProcessInstance.next_timer_at <= now,
                    ProcessInstance.id.notin_(exclude))
             .order_by(ProcessInstance.next_timer_at, ProcessInstance.id).limit(1)
             .execution_options(populate_existing=True))
    with session.no_autoflush, conflicts.as_stale():
        row = session.execute(locks.lock_query(session, query)).scalar_one_or_none()
    if row is not None:
        locks.mark_locked(session, row)
    return row


def next_due_incident(session: Session, now: datetime, exclude: list[int]
                      ) -> tuple[int, int] | None:
    """(incident id, instance id) of the earliest due retry, its instance locked."""
    query = (select(ProcessInstance, Incident.id)
             .join(Incident, Incident.instance_id == ProcessInstance.id)
             .where(Incident.status == "open", Incident.next_retry_at <= now,
                    Incident.id.notin_(exclude))
             .order_by(Incident.next_retry_at, Incident.id).limit(1)
             .execution_options(populate_existing=True))
    with session.no_autoflush, conflicts.as_stale():
        found = session.execute(locks.lock_query(session, query)).first()
    if found is None:
        return None
    row, incident_id = found
    locks.mark_locked(session, row)
    return incident_id, row.id


def _one(session: Session, result: PassResult, what: str, instance_id: int,
         fire: Callable[[], object]) -> None:
    """Run one claimed item and commit it; a failure is rolled back and logged."""
    try:
        fire()
        conflicts.commit(session, instance_id)
        result.done += 1
    except StaleInstance as exc:
        session.rollback()
        result.skipped += 1
        log.info("%s on instance %s skipped (changed meanwhile): %s", what, instance_id, exc)
    except EngineError as exc:
        session.rollback()
        result.failed.append(instance_id)
        log.warning("%s on instance %s failed: %s", what, instance_id, exc)
    except Exception:
        session.rollback()
        result.failed.append(instance_id)
        log.exception("%s on instance %s failed", what, instance_id)


def _claim(session: Session, what: str, claim_next: Callable[[], _T]) -> _T | None:
    try:
        return claim_next()
    except Exception:  # the database went away mid-pass: the next pass starts over
        session.rollback()
        log.exception("claiming the next %s failed", what)
        return None


def fire_due_timers(session: Session, engine: Engine, *, limit: int = 100) -> PassResult:
    """Fire every due timer once (each its own transaction); see the module docstring."""
    result = PassResult()
    tried: list[int] = []
    while len(tried) < limit:
        row = _claim(session, "timer", partial(next_due_timer, session, clock.now(), tried))
        if row is None:
            break
        tried.append(row.id)
        _one(session, result, "timer", row.id, partial(engine.fire_timers, session, row))
    session.rollback()
    return result


def retry_due_incidents(session: Session, engine: Engine, *, limit: int = 100) -> PassResult:
    """Retry every due incident once (each its own transaction)."""
    result = PassResult()
    tried: list[int] = []
    while len(tried) < limit:
        found = _claim(session, "incident retry",
                       partial(next_due_incident, session, clock.now(), tried))
        if found is None:
            break
        incident_id, instance_id = found
        tried.append(incident_id)
        _one(session, result, f"retry of incident {incident_id}", instance_id,
             partial(engine.retry_incident, session, incident_id))
    session.rollback()
    return result
