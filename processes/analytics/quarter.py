"""What the quarterly safety audit report says: KPIs beside the previous quarter, the
compliance table, most-skipped nodes, lapsed certificates, incidents, contractor
performance, and the series behind its charts. Pure data; ``report`` renders it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import catalog
from ..models import Area, Organization, Permit, SafetyIncident
from . import compliance, heatmap, people, slots

Progress = Callable[[int, str], None]

#: KPI key → (label, unit, higher is better)
KPIS: dict[str, tuple[str, str, bool | None]] = {
    "jobs": ("特殊作业数 Jobs", "", None),
    "high_risk_jobs": ("高风险作业 High-risk jobs", "", None),
    "compliance_rate": ("流程合规率 Process compliance", "%", True),
    "on_time_rate": ("按时关闭率 Closed on time", "%", True),
    "incidents": ("事故 Incidents", "", False),
    "near_misses": ("未遂事件 Near misses", "", None),
    "incident_rate": ("每千次作业事故与未遂 per 1,000 jobs", "", False),
    "equipment_failures": ("设备故障 Equipment failures", "", False),
    "certificates_lapsed": ("证书失效 Certificates lapsed", "", False),
    "warnings_missed": ("未预警失效 Warnings missed", "", False),
    "flagged_cells": ("高风险时段/区域 Flagged hot spots", "", False),
}


def _hfilters(start: date, end: date, site: str | None, tz: str) -> heatmap.Filters:
    return heatmap.Filters(site=site, start=start, end=end, timezone=tz)


def _cfilters(start: date, end: date, site: str | None, tz: str) -> compliance.Filters:
    return compliance.Filters(site=site, start=start, end=end, timezone=tz)


def count_jobs(session: Session, f: heatmap.Filters, *extra: Any) -> int:
    return int(session.execute(select(func.count()).select_from(Permit).where(
        *heatmap.job_conditions(session, f), *extra)).scalar_one())


def count_incidents(session: Session, f: heatmap.Filters) -> dict[str, int]:
    rows = session.execute(select(SafetyIncident.kind, func.count()).where(
        *heatmap.incident_conditions(session, heatmap.Filters(
            site=f.site, start=f.start, end=f.end, timezone=f.timezone,
            kinds=("incident", "near_miss", "equipment_failure")))).group_by(
        SafetyIncident.kind)).all()
    return {k: int(n) for k, n in rows}


def kpis(session: Session, start: date, end: date, site: str | None, tz: str,
         today: date) -> dict[str, Any]:
    hf, cf = _hfilters(start, end, site, tz), _cfilters(start, end, site, tz)
    jobs = count_jobs(session, hf)
    kinds = count_incidents(session, hf)
    totals = compliance.totals(session, cf)
    lapses = compliance.certificate_lapses(session, start, min(end, today), site=site) \
        if start <= today else []
    grid = heatmap.compute(session, hf, "slot") if jobs else None
    numerator = kinds.get("incident", 0) + kinds.get("near_miss", 0)
    return {
        "jobs": jobs,
        "high_risk_jobs": count_jobs(session, hf, Permit.risk == "high"),
        "compliance_rate": totals["rate"], "on_time_rate": totals["on_time_rate"],
        "incidents": kinds.get("incident", 0), "near_misses": kinds.get("near_miss", 0),
        "incident_rate": round(1000.0 * numerator / jobs, 2) if jobs else None,
        "equipment_failures": kinds.get("equipment_failure", 0),
        "certificates_lapsed": len(lapses),
        "warnings_missed": sum(1 for x in lapses if not x["warned"]),
        "flagged_cells": len(grid.flagged) if grid else 0,
        "_totals": totals, "_lapses": lapses, "_grid": grid,
    }


def monthly(session: Session, start: date, end: date, site: str | None, tz: str
            ) -> list[dict[str, Any]]:
    """Jobs and incidents per calendar month of the quarter (three small counts each)."""
    out = []
    for offset in range(3):
        month = start.month + offset
        first = date(start.year, month, 1)
        last = date(start.year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        hf = _hfilters(first, last, site, tz)
        kinds = count_incidents(session, hf)
        out.append({"month": f"{first:%Y-%m}", "jobs": count_jobs(session, hf),
                    "incidents": kinds.get("incident", 0),
                    "near_misses": kinds.get("near_miss", 0)})
    return out


def contractor_performance(session: Session, start: date, end: date, site: str | None,
                           tz: str) -> list[dict[str, Any]]:
    hf, cf = _hfilters(start, end, site, tz), _cfilters(start, end, site, tz)
    jobs = dict(session.execute(select(Permit.contractor_id, func.count()).where(
        *heatmap.job_conditions(session, hf)).group_by(Permit.contractor_id)).all())
    incidents = dict(session.execute(select(SafetyIncident.contractor_id, func.count()).where(
        *heatmap.incident_conditions(session, hf)).group_by(
        SafetyIncident.contractor_id)).all())
    rates = {r["key"]: r for r in compliance.rates(session, "contractor", cf)}
    names = dict(session.execute(select(Organization.id, Organization.name).where(
        Organization.kind == "contractor")).all())
    rows = []
    for cid in sorted({k for k in jobs if k is not None} | {k for k in incidents if k},
                      key=lambda k: names.get(k, str(k))):
        n, x = int(jobs.get(cid, 0)), int(incidents.get(cid, 0))
        r = rates.get(cid, {})
        rows.append({"contractor_id": cid, "name": names.get(cid, str(cid)), "jobs": n,
                     "compliance_rate": r.get("rate"), "on_time_rate": r.get("on_time_rate"),
                     "incidents": x,
                     "incident_rate": round(1000.0 * x / n, 2) if n else None})
    return rows


def incident_list(session: Session, start: date, end: date, site: str | None, tz: str,
                  limit: int = 200) -> list[dict[str, Any]]:
    hf = heatmap.Filters(site=site, start=start, end=end, timezone=tz,
                         kinds=("incident", "near_miss", "equipment_failure"))
    rows = session.execute(
        select(SafetyIncident, Area.code, Permit.number)
        .join(Area, Area.id == SafetyIncident.area_id)
        .outerjoin(Permit, Permit.id == SafetyIncident.permit_id)
        .where(*heatmap.incident_conditions(session, hf))
        .order_by(SafetyIncident.occurred_at).limit(limit)).all()
    return [{"occurred_at": i.occurred_at.astimezone(slots.zone(tz)).strftime("%Y-%m-%d %H:%M"),
             "site": i.site_code, "area": code, "kind": i.kind, "category": i.category,
             "severity": i.severity, "permit": number,
             "work_type": _type_name(i.work_type), "description": i.description}
            for i, code, number in rows]


def _type_name(key: str | None) -> str:
    ptype = catalog.permit_type(key) if key else None
    return ptype.name_zh if ptype else (key or "")


def gather(session: Session, year: int, quarter: int, *, site: str | None = None,
           tz: str = "Asia/Shanghai", today: date,
           progress: Progress = lambda pct, stage: None) -> dict[str, Any]:
    """Every number of the report for (year, quarter)."""
    start, end = slots.quarter_dates(year, quarter)
    py, pq = slots.previous_quarter(year, quarter)
    pstart, pend = slots.quarter_dates(py, pq)
    progress(15, "KPIs")
    current = kpis(session, start, end, site, tz, today)
    previous = kpis(session, pstart, pend, site, tz, today)
    progress(35, "compliance")
    cf = _cfilters(start, end, site, tz)
    by_type = compliance.rates(session, "type", cf)
    for row in by_type:
        row["label"] = _type_name(row["key"])
    data: dict[str, Any] = {
        "year": year, "quarter": quarter, "site": site, "timezone": tz,
        "start": start.isoformat(), "end": end.isoformat(),
        "previous": {"year": py, "quarter": pq},
        "kpis": [{"key": k, "label": label, "unit": unit, "better_high": better,
                  "current": current[k], "previous": previous[k]}
                 for k, (label, unit, better) in KPIS.items()],
        "empty": current["jobs"] == 0 and not any(
            current[k] for k in ("incidents", "near_misses", "equipment_failures")),
        "compliance_by_type": by_type,
        "compliance_by_month": compliance.rates(session, "month", cf),
        "most_skipped": compliance.most_skipped(session, cf),
        "lapsed_certificates": current["_lapses"],
    }
    progress(50, "incidents")
    data["incidents"] = incident_list(session, start, end, site, tz)
    data["monthly"] = monthly(session, start, end, site, tz)
    data["contractors"] = contractor_performance(session, start, end, site, tz)
    progress(60, "hot spots")
    grid = current["_grid"]
    data["heatmap"] = grid.as_dict() if grid else None
    data["findings"] = [c["label"] for c in grid.flagged][:15] if grid else []
    data["failures_vs_density"] = people.failures_vs_density(
        session, site=site, start=start, end=end, timezone=tz)
    return data
