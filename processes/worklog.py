"""Breaks in live work and the gas re-tests they require.

GB 30871 5.3.4: after a break of more than 30 minutes (特级, 一级) or 60 minutes (二级), and
on every new day, hot work may resume only after a new gas test. The rule itself lives in
``rules/retest.py``; this module records breaks and refuses a resume that needs a re-test.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import gas
from .errors import Conflict, NotAllowed, ValidationFailed
from .models import GasReading, Permit, Person, Site, WorkBreak
from .rules import retest

FRESH = timedelta(minutes=30)
REASON_TEXT = {
    "no_sample": "no accepted gas test yet",
    "new_day": "a new day has begun: re-test before work (GB 30871 5.3.4)",
    "break_exceeded": "the break was longer than the grade allows: re-test before work "
                      "(GB 30871 5.3.4)",
    "monitoring_log_due": "the 2-hourly monitoring reading is due (GB 30871 6.5)",
}


def _crew(permit: Permit, person: Person) -> None:
    if person.id not in (permit.applicant_id, permit.watcher_id, *permit.worker_ids):
        raise NotAllowed("only the crew and watcher of this permit record breaks")


def open_break(session: Session, permit: Permit) -> WorkBreak | None:
    return session.execute(select(WorkBreak).where(WorkBreak.permit_id == permit.id,
                                                   WorkBreak.ended_at.is_(None))
                           ).scalar_one_or_none()


def last_sample_at(session: Session, permit: Permit) -> datetime | None:
    return session.execute(select(func.max(GasReading.sampled_at)).where(
        GasReading.permit_id == permit.id, GasReading.passed.is_(True))).scalar()


def pause(session: Session, permit: Permit, *, by: Person, now: datetime,
          reason: str | None = None) -> WorkBreak:
    _crew(permit, by)
    if permit.status != "active":
        raise Conflict(f"a {permit.status} permit has no work to pause")
    if open_break(session, permit) is not None:
        raise Conflict("work is already paused")
    brk = WorkBreak(permit_id=permit.id, started_at=now, started_by=by.id, reason=reason)
    session.add(brk)
    session.flush()
    return brk


def retest_needed(session: Session, permit: Permit, now: datetime,
                  break_started: datetime | None = None) -> str | None:
    """The reason a gas re-test is needed before work goes on now, or None."""
    last = last_sample_at(session, permit)
    site = session.get(Site, permit.site_code)
    tz = ZoneInfo(site.timezone if site else "Asia/Shanghai")
    if last is not None and break_started is not None and last >= break_started \
            and now - last <= FRESH:
        return None  # re-tested during the break
    minutes = (now - break_started).total_seconds() / 60 if break_started else 0
    return retest.is_retest_required(permit.type, permit.grade, last, now, minutes,
                                     plant_tz=tz)


def resume(session: Session, permit: Permit, *, by: Person, now: datetime) -> WorkBreak:
    _crew(permit, by)
    brk = open_break(session, permit)
    if brk is None:
        raise Conflict("work is not paused")
    if permit.status != "active":
        raise Conflict(f"a {permit.status} permit cannot resume work")
    reason = retest_needed(session, permit, now, brk.started_at)
    if reason is not None:
        raise ValidationFailed({"gas_retest": [REASON_TEXT.get(reason, reason)]},
                               code=f"retest_required:{reason}")
    brk.ended_at, brk.ended_by = now, by.id
    return brk


def record_retest(session: Session, permit: Permit, data: dict[str, Any], *, by: Person,
                  now: datetime) -> gas.gas_test.GasVerdict:
    """A re-test taken on the crew's initiative (after a break, or as the daily test),
    judged with the type's gas context (an oxygen-enriched confined space, …). A suspended
    permit (its watcher left) takes re-tests too: resuming may need one."""
    _crew(permit, by)
    if permit.status not in ("active", "suspended"):
        raise Conflict(f"a {permit.status} permit takes no re-tests")
    return gas.record_for_permit(session, permit, step="gas_retest", data=data,
                                 recorded_by=by.username, now=now)
