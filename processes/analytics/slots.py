"""Local time slots and contractor keys, stamped on rows when they are written.

Weekday and hour *at the site* cannot be extracted portably in SQL (SQLite has no time
zones), and computing them per query over a million rows would be slow anyway; so they
are stored once, from the site's IANA zone, and grouped on directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Organization, Permit, Person, Site

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_slot(when: datetime, tz: str) -> tuple[int, int]:
    """(weekday 0 = Monday, hour 0-23) of an aware datetime at the site."""
    local = when.astimezone(zone(tz))
    return local.weekday(), local.hour


def local_month(when: datetime, tz: str) -> int:
    """yyyymm of an aware datetime at the site."""
    local = when.astimezone(zone(tz))
    return local.year * 100 + local.month


def site_zone(session: Session, site_code: str) -> str:
    site = session.get(Site, site_code)
    return site.timezone if site is not None else "Asia/Shanghai"


def contractor_of(session: Session, person_ids: Iterable[int]) -> int | None:
    """The contractor firm among the given people (applicant first, then workers)."""
    ids = list(person_ids)
    if not ids:
        return None
    rows = session.execute(select(Person.id, Organization.id).join(
        Organization, Person.organization_id == Organization.id).where(
        Person.id.in_(ids), Organization.kind == "contractor")).all()
    firms = {pid: org for pid, org in rows}
    return next((firms[i] for i in ids if i in firms), None)


def stamp_permit(session: Session, permit: Permit, worker_ids: Iterable[int] = ()) -> None:
    """Fill the permit's analytics keys; called by ``permits.apply`` before flushing."""
    tz = site_zone(session, permit.site_code)
    permit.local_weekday, permit.local_hour = local_slot(permit.planned_start, tz)
    permit.contractor_id = contractor_of(session, [permit.applicant_id, *worker_ids])


def period_bounds(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) at the site, as aware datetimes: an inclusive date range."""
    z = zone(tz)
    return (datetime.combine(start, datetime.min.time(), z),
            datetime.combine(end + timedelta(days=1), datetime.min.time(), z))


def quarter_dates(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    last = (date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1))
    return first, last


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)
