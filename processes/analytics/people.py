"""People and equipment analytics: worker quality score, capability matrix, and equipment
failure rate against special-work density per area.

Quality score (0–100) mixes three parts, each scaled to 0..1, with weights from the
analytics settings; a part without data is left out and the others re-weighted:

* watcher rating — the mean 1–5 rating watchers gave the worker, (mean − 1) ÷ 4;
* rework — 1 − the share of the worker's jobs whose permit ended rejected or expired
  (the job had to be redone under a new permit);
* inspection pass — the share of gas readings on the worker's jobs that passed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from scipy import stats
from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import Session

from .. import certificates
from ..models import (
    Area,
    Certificate,
    GasReading,
    Organization,
    Permit,
    PermitWorker,
    Person,
    SafetyIncident,
    WorkerRating,
)
from . import settings, slots

#: certificate types that do not count towards a composite qualification
NOT_A_TRADE = ("watcher",)


def _permit_filters(session: Session, site: str | None, start: date | None, end: date | None,
                    contractor: int | None, timezone: str = "Asia/Shanghai"
                    ) -> list[ColumnElement[bool]]:
    tz = slots.site_zone(session, site) if site else timezone
    cond: list[ColumnElement[bool]] = []
    if site:
        cond.append(Permit.site_code == site)
    if start:
        cond.append(Permit.planned_start >= slots.period_bounds(start, start, tz)[0])
    if end:
        cond.append(Permit.planned_start < slots.period_bounds(end, end, tz)[1])
    if contractor is not None:
        cond.append(Permit.contractor_id == contractor)
    return cond


def quality_scores(session: Session, *, site: str | None = None, start: date | None = None,
                   end: date | None = None, contractor: int | None = None,
                   limit: int = 200) -> dict[str, Any]:
    conf = settings.load()["quality_score"]
    weights = settings.quality_weights()
    cond = and_(true(), *_permit_filters(session, site, start, end, contractor))
    jobs = session.execute(
        select(PermitWorker.person_id, func.count(),
               func.sum(case((Permit.status.in_(conf["rework_statuses"]), 1), else_=0)))
        .join(Permit, Permit.id == PermitWorker.permit_id).where(cond)
        .group_by(PermitWorker.person_id)).all()
    readings = dict((pid, (int(n), int(ok or 0))) for pid, n, ok in session.execute(
        select(PermitWorker.person_id, func.count(),
               func.sum(case((GasReading.passed.is_(True), 1), else_=0)))
        .join(Permit, Permit.id == PermitWorker.permit_id)
        .join(GasReading, GasReading.permit_id == Permit.id).where(cond)
        .group_by(PermitWorker.person_id)).all())
    ratings = dict((pid, (float(avg), int(n))) for pid, avg, n in session.execute(
        select(WorkerRating.person_id, func.avg(WorkerRating.score), func.count())
        .join(Permit, Permit.id == WorkerRating.permit_id).where(cond)
        .group_by(WorkerRating.person_id)).all())
    people = {p.id: p for p in session.execute(select(Person).where(
        Person.id.in_([r[0] for r in jobs]))).scalars()} if jobs else {}
    rows = []
    for pid, n, rework in jobs:
        parts: dict[str, float] = {"rework": 1.0 - int(rework or 0) / int(n)}
        if pid in readings and readings[pid][0]:
            parts["inspection_pass"] = readings[pid][1] / readings[pid][0]
        if pid in ratings:
            parts["watcher_rating"] = (ratings[pid][0] - 1.0) / 4.0
        total_w = sum(weights.get(k, 0.0) for k in parts)
        score = 100.0 * sum(weights.get(k, 0.0) * v for k, v in parts.items()) / total_w \
            if total_w else None
        person = people.get(pid)
        rows.append({
            "person_id": pid, "name": person.name if person else str(pid),
            "organization": person.organization.name if person and person.organization
            else None,
            "jobs": int(n), "rework_rate": round(int(rework or 0) / int(n), 3),
            "inspections": readings.get(pid, (0, 0))[0],
            "inspection_pass_rate": round(parts["inspection_pass"], 3)
            if "inspection_pass" in parts else None,
            "ratings": ratings.get(pid, (0, 0))[1],
            "mean_rating": round(ratings[pid][0], 2) if pid in ratings else None,
            "score": round(score, 1) if score is not None else None,
            "enough_data": int(n) >= int(conf.get("min_jobs", 3))})
    rows.sort(key=lambda r: (-(r["score"] or 0), r["name"]))
    return {"weights": weights, "items": rows[:limit], "count": len(rows)}


def capability_matrix(session: Session, *, site: str | None = None,
                      contractor: int | None = None, today: date) -> dict[str, Any]:
    """People × certificate types (status colour), and who holds a composite qualification
    (usable certificates of two or more trades)."""
    query = select(Person).where(Person.active.is_(True)).order_by(Person.name)
    if site:
        query = query.where(Person.site_code == site)
    if contractor is not None:
        query = query.where(Person.organization_id == contractor)
    people = list(session.execute(query).scalars())
    certs = session.execute(select(Certificate).where(
        Certificate.person_id.in_([p.id for p in people]))).scalars().all() if people else []
    held: dict[int, dict[str, str]] = {}
    for cert in certs:
        colour = certificates.status_of(cert, today).colour
        current = held.setdefault(cert.person_id, {}).get(cert.type_code)
        if current is None or _rank(colour) > _rank(current):
            held[cert.person_id][cert.type_code] = colour
    types = sorted({c.type_code for c in certs})
    rows, composite = [], 0
    for person in people:
        mine = held.get(person.id, {})
        trades = [t for t, c in mine.items() if c != "red" and t not in NOT_A_TRADE]
        is_composite = len(trades) >= 2
        composite += is_composite
        if mine:
            rows.append({"person_id": person.id, "name": person.name,
                         "organization": person.organization.name if person.organization
                         else None, "certificates": mine, "composite": is_composite})
    pairs: dict[str, int] = {}
    for row in rows:
        usable = sorted(t for t, c in row["certificates"].items()
                        if c != "red" and t not in NOT_A_TRADE)
        for i, a in enumerate(usable):
            for b in usable[i + 1:]:
                pairs[f"{a}+{b}"] = pairs.get(f"{a}+{b}", 0) + 1
    return {"types": types, "people": len(people), "with_certificates": len(rows),
            "composite": composite, "composite_pairs": pairs, "rows": rows}


def _rank(colour: str) -> int:
    return {"red": 0, "yellow": 1, "green": 2}.get(colour, 0)


def _months(start: date, end: date) -> float:
    return max((end - start).days + 1, 1) / 30.4375


def failures_vs_density(session: Session, *, site: str | None = None,
                        start: date | None = None, end: date | None = None,
                        timezone: str = "Asia/Shanghai") -> dict[str, Any]:
    """Per area: special-work density (jobs per month per hectare) against equipment
    failures per month, and Pearson's r across areas."""
    from .. import geo

    cond = _permit_filters(session, site, start, end, None, timezone)
    jobs = dict(session.execute(select(Permit.area_id, func.count()).where(
        *cond, Permit.status != "rejected").group_by(Permit.area_id)).all())
    tz = slots.site_zone(session, site) if site else timezone
    icond: list[ColumnElement[bool]] = [SafetyIncident.kind == "equipment_failure"]
    if site:
        icond.append(SafetyIncident.site_code == site)
    if start:
        icond.append(SafetyIncident.occurred_at >= slots.period_bounds(start, start, tz)[0])
    if end:
        icond.append(SafetyIncident.occurred_at < slots.period_bounds(end, end, tz)[1])
    failures = dict(session.execute(select(SafetyIncident.area_id, func.count()).where(
        *icond).group_by(SafetyIncident.area_id)).all())
    first, last = _span(session, start, end)
    months = _months(first, last) if first and last else 1.0
    unit = float(settings.load().get("special_work_density_unit_m2", 10000))
    query = select(Area).order_by(Area.site_code, Area.code)
    if site:
        query = query.where(Area.site_code == site)
    points = []
    for area in session.execute(query).scalars():
        n, k = int(jobs.get(area.id, 0)), int(failures.get(area.id, 0))
        if not n and not k:
            continue
        size = geo.polygon_area_m2(area.polygon) if area.polygon else None
        density = n / months / (size / unit) if size else n / months
        points.append({"area_id": area.id, "code": area.code, "name": area.name,
                       "site": area.site_code, "jobs": n, "failures": k,
                       "area_m2": round(size, 1) if size else None,
                       "density": round(density, 4), "failure_rate": round(k / months, 4)})
    r = p = None
    xs, ys = [pt["density"] for pt in points], [pt["failure_rate"] for pt in points]
    if len(points) >= 3 and len(set(xs)) > 1 and len(set(ys)) > 1:
        res = stats.pearsonr(xs, ys)
        r, p = round(float(res.statistic), 4), round(float(res.pvalue), 4)
    return {"points": points, "n": len(points), "r": r, "p_value": p,
            "months": round(months, 2),
            "density_unit": f"jobs per month per {unit:g} m²",
            "failure_rate_unit": "failures per month"}


def _span(session: Session, start: date | None, end: date | None
          ) -> tuple[date | None, date | None]:
    if start and end:
        return start, end
    lo, hi = session.execute(select(func.min(Permit.planned_start),
                                    func.max(Permit.planned_start))).one()
    first = start or (lo.date() if isinstance(lo, datetime) else None)
    last = end or (hi.date() if isinstance(hi, datetime) else None)
    return first, last


def organizations(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Organization.id, Organization.name)).all())


__all__ = ["capability_matrix", "failures_vs_density", "quality_scores"]
