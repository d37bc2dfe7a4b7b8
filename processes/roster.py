"""Who and where, as pickers need them: the people and areas of a site, names for ids.

Read-only lookups used by forms and timelines; the rules about people live in
``people.py`` and ``certificates.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Area, Person, Site

DEFAULT_TIMEZONE = "Asia/Shanghai"


def site_people(session: Session, site_code: str | None) -> list[Person]:
    """Active people of a site (everyone when ``site_code`` is None), by name."""
    query = select(Person).where(Person.active.is_(True)).order_by(Person.name)
    if site_code is not None:
        query = query.where(Person.site_code == site_code)
    return list(session.execute(query).scalars())


def areas(session: Session, site_code: str | None) -> list[Area]:
    """Areas of a site (of every site when ``site_code`` is None), by site and code."""
    query = select(Area).order_by(Area.site_code, Area.code)
    if site_code is not None:
        query = query.where(Area.site_code == site_code)
    return list(session.execute(query).scalars())


def sites(session: Session) -> dict[str, Site]:
    return {s.code: s for s in session.execute(select(Site).order_by(Site.code)).scalars()}


def timezone_of(session: Session, site_code: str | None) -> str:
    """The site's IANA time zone; local times typed into forms are read in it."""
    site = session.get(Site, site_code) if site_code else None
    return site.timezone if site is not None and site.timezone else DEFAULT_TIMEZONE


def names_by_username(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    rows = session.execute(select(Person.username, Person.name)
                           .where(Person.username.in_(wanted))).all()
    return {u: n for u, n in rows if u}


def names_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Person.id, Person.name).where(Person.id.in_(wanted))).all()
    return dict(rows)


def local_today(session: Session, site_code: str | None, now: datetime | None = None) -> date:
    """The plant-local date at a site: certificates lapse by the calendar on site."""
    from engine import clock

    return (now or clock.now()).astimezone(ZoneInfo(timezone_of(session, site_code))).date()
