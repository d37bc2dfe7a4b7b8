"""Process compliance rolled up per permit, type, site or month.

The rate of a group is executed ÷ required over all the mandatory nodes of its permits (so
a permit with many nodes weighs more than one with few, as the customer counts it); the
mean of the permits' own rates is given beside it. Evidence decides what counts as executed
(``compliance.of_permit``). Months are those of the planned start, in the site's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import catalog, compliance
from .models import Permit, Site

GROUPS = ("type", "site", "month", "permit")


@dataclass
class Tally:
    key: str
    label: str
    permits: int = 0
    required: int = 0
    executed: int = 0
    rates: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        rate = round(100.0 * self.executed / self.required, 1) if self.required else None
        mean = round(sum(self.rates) / len(self.rates), 1) if self.rates else None
        return {"key": self.key, "label": self.label, "permits": self.permits,
                "required": self.required, "executed": self.executed, "missing":
                self.required - self.executed, "rate": rate, "mean_permit_rate": mean}


def _bound(day: date, tz: ZoneInfo, *, end: bool) -> datetime:
    return datetime.combine(day, time.max if end else time.min, tzinfo=tz)


def aggregate(session: Session, group_by: str, *, site: str | None = None,
              permit_type: str | None = None, since: date | None = None,
              until: date | None = None) -> dict[str, Any]:
    """Compliance of the permits that match, grouped; permits that never reached a
    mandatory node are left out (they have nothing to measure yet)."""
    if group_by not in GROUPS:
        raise ValueError(group_by)
    query = select(Permit).where(Permit.instance_id.is_not(None))
    if site:
        query = query.where(Permit.site_code == site)
    if permit_type:
        query = query.where(Permit.type == permit_type)
    tz = ZoneInfo("Asia/Shanghai")
    if since:
        query = query.where(Permit.planned_start >= _bound(since, tz, end=False))
    if until:
        query = query.where(Permit.planned_start <= _bound(until, tz, end=True))
    sites = {s.code: s for s in session.execute(select(Site)).scalars()}
    tallies: dict[str, Tally] = {}
    total = Tally("all", "全部 / all")
    for permit in session.execute(query.order_by(Permit.planned_start, Permit.id)).scalars():
        result = compliance.of_permit(session, permit)
        if not result.required:
            continue
        key, label = _group_of(permit, group_by, sites)
        tally = tallies.setdefault(key, Tally(key, label))
        for t in (tally, total):
            t.permits += 1
            t.required += len(result.required)
            t.executed += len(result.executed)
            t.rates.append(result.rate or 0.0)
    return {"group_by": group_by, "groups": [t.as_dict() for t in
                                              sorted(tallies.values(), key=lambda t: t.key)],
            "total": total.as_dict()}


def _group_of(permit: Permit, group_by: str, sites: dict[str, Site]) -> tuple[str, str]:
    if group_by == "type":
        ptype = catalog.permit_type(permit.type)
        return permit.type, ptype.name_zh if ptype else permit.type
    if group_by == "site":
        found = sites.get(permit.site_code)
        return permit.site_code, found.name if found else permit.site_code
    if group_by == "month":
        found = sites.get(permit.site_code)
        local = permit.planned_start.astimezone(ZoneInfo(found.timezone if found
                                                         else "Asia/Shanghai"))
        return f"{local:%Y-%m}", f"{local:%Y年%m月}"
    return permit.number, permit.description[:60]
