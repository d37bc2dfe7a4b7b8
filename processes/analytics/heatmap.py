"""Risk heatmap: jobs and incidents per cell, and each cell's risk ratio against the whole.

A cell is a combination of up to two dimensions — the time slot (weekday × hour at the
site), the area, the work type, the contractor — so "Fridays 15–16 h" or "tank area B-3 ×
hot work" are cells. Jobs are counted by their planned start; incidents and near misses by
when and where they occurred (with the work type and contractor of their permit).

risk ratio = (cell incidents ÷ cell jobs) ÷ (all incidents ÷ all jobs). Its confidence
interval is the exact (Garwood) Poisson interval of the cell's incident count divided by
the count expected at the overall rate. A cell is *flagged* only when the interval's lower
bound is above 1 **and** it holds at least ``min_jobs`` jobs (a setting): a 1-job cell
with an incident is noise, not a finding.

Both counts are one ``GROUP BY`` each in the database; only the cells reach Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from scipy import stats
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from .. import catalog
from ..errors import ValidationFailed
from ..models import Area, Organization, Permit, SafetyIncident
from . import settings, slots

#: dimension → (permit column, incident column)
COLUMNS: dict[str, tuple[Any, Any]] = {
    "weekday": (Permit.local_weekday, SafetyIncident.local_weekday),
    "hour": (Permit.local_hour, SafetyIncident.local_hour),
    "area": (Permit.area_id, SafetyIncident.area_id),
    "type": (Permit.type, SafetyIncident.work_type),
    "contractor": (Permit.contractor_id, SafetyIncident.contractor_id),
}
#: what a caller may ask for; ``slot`` is weekday × hour
DIMENSIONS = ("slot", "weekday", "hour", "area", "type", "contractor")
DEFAULT_KINDS = ("incident", "near_miss")


@dataclass
class Filters:
    site: str | None = None
    start: date | None = None
    end: date | None = None
    contractor: int | None = None
    type: str | None = None
    area: int | None = None
    kinds: tuple[str, ...] = DEFAULT_KINDS
    #: the zone the period's dates are read in when no site is chosen
    timezone: str = "Asia/Shanghai"

    def as_dict(self) -> dict[str, Any]:
        return {"site": self.site, "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None,
                "contractor": self.contractor, "type": self.type, "area": self.area,
                "kinds": list(self.kinds)}


@dataclass
class Grid:
    by: list[str]
    keys: list[str]
    overall: dict[str, Any]
    cells: list[dict[str, Any]]
    labels: dict[str, dict[str, str]]
    min_jobs: int
    confidence: float
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> list[dict[str, Any]]:
        return sorted((c for c in self.cells if c["flagged"]),
                      key=lambda c: -(c["risk_ratio"] or 0))

    def as_dict(self) -> dict[str, Any]:
        return {"by": self.by, "keys": self.keys, "filters": self.filters,
                "min_jobs": self.min_jobs, "confidence": self.confidence,
                "overall": self.overall, "cells": self.cells, "labels": self.labels,
                "findings": [c["label"] for c in self.flagged]}


def parse_by(by: str | list[str] | None) -> tuple[list[str], list[str]]:
    """``"slot"``, ``"area,type"`` … → (dimensions asked, key columns); 422 when unknown."""
    parts = [p.strip() for p in (by.split(",") if isinstance(by, str) else by or ["slot"])
             if p.strip()]
    problems = [p for p in parts if p not in DIMENSIONS]
    if problems or not parts or len(parts) > 2 or len(set(parts)) != len(parts):
        raise ValidationFailed({"by": [
            f"one or two distinct of {', '.join(DIMENSIONS)} (slot = weekday × hour)"]})
    keys: list[str] = []
    for p in parts:
        keys.extend(["weekday", "hour"] if p == "slot" else [p])
    if len(set(keys)) != len(keys):
        raise ValidationFailed({"by": ["slot already contains weekday and hour"]})
    return parts, keys


def _period(session: Session, filters: Filters) -> tuple[Any, Any]:
    tz = slots.site_zone(session, filters.site) if filters.site else filters.timezone
    start = slots.period_bounds(filters.start, filters.start, tz)[0] if filters.start else None
    end = slots.period_bounds(filters.end, filters.end, tz)[1] if filters.end else None
    return start, end


def job_conditions(session: Session, filters: Filters) -> list[ColumnElement[bool]]:
    """Jobs: permits that were (or may still be) worked — not rejected, not cancelled unstarted."""
    start, end = _period(session, filters)
    cond: list[ColumnElement[bool]] = [
        Permit.status != "rejected",
        or_(Permit.status != "cancelled", Permit.activated_at.is_not(None)),
    ]
    if filters.site:
        cond.append(Permit.site_code == filters.site)
    if start is not None:
        cond.append(Permit.planned_start >= start)
    if end is not None:
        cond.append(Permit.planned_start < end)
    if filters.contractor is not None:
        cond.append(Permit.contractor_id == filters.contractor)
    if filters.type:
        cond.append(Permit.type == filters.type)
    if filters.area is not None:
        cond.append(Permit.area_id == filters.area)
    return cond


def incident_conditions(session: Session, filters: Filters) -> list[ColumnElement[bool]]:
    start, end = _period(session, filters)
    cond: list[ColumnElement[bool]] = [SafetyIncident.kind.in_(filters.kinds)]
    if filters.site:
        cond.append(SafetyIncident.site_code == filters.site)
    if start is not None:
        cond.append(SafetyIncident.occurred_at >= start)
    if end is not None:
        cond.append(SafetyIncident.occurred_at < end)
    if filters.contractor is not None:
        cond.append(SafetyIncident.contractor_id == filters.contractor)
    if filters.type:
        cond.append(SafetyIncident.work_type == filters.type)
    if filters.area is not None:
        cond.append(SafetyIncident.area_id == filters.area)
    return cond


def count_by(session: Session, keys: list[str], filters: Filters
             ) -> tuple[dict[tuple[Any, ...], int], dict[tuple[Any, ...], int]]:
    """(jobs per key, incidents per key): two GROUP BYs in the database."""
    pcols = [COLUMNS[k][0] for k in keys]
    icols = [COLUMNS[k][1] for k in keys]
    jobs = session.execute(select(*pcols, func.count()).where(
        *job_conditions(session, filters)).group_by(*pcols)).all()
    incidents = session.execute(select(*icols, func.count()).where(
        *incident_conditions(session, filters)).group_by(*icols)).all()
    return ({tuple(r[:-1]): int(r[-1]) for r in jobs},
            {tuple(r[:-1]): int(r[-1]) for r in incidents})


def poisson_ratio_ci(incidents: np.ndarray, expected: np.ndarray, confidence: float
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval of a Poisson count, divided by the expected count."""
    alpha = 1.0 - confidence
    x = incidents.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(x > 0, stats.chi2.ppf(alpha / 2, 2 * x) / 2, 0.0) / expected
        high = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2 / expected
    return low, high


def _round(value: float | None, digits: int = 3) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)


def compute(session: Session, filters: Filters, by: str | list[str] | None = "slot", *,
            min_jobs: int | None = None, confidence: float | None = None) -> Grid:
    """The grid for ``by`` under ``filters``: counts, rates, risk ratios, flags."""
    parts, keys = parse_by(by)
    min_jobs = settings.heatmap_min_jobs() if min_jobs is None else min_jobs
    confidence = settings.heatmap_confidence() if confidence is None else confidence
    jobs, incidents = count_by(session, keys, filters)
    total_jobs, total_incidents = sum(jobs.values()), sum(incidents.values())
    overall_rate = total_incidents / total_jobs if total_jobs else None
    cell_keys = sorted(set(jobs) | set(incidents), key=lambda k: tuple(
        (v is None, str(v) if not isinstance(v, int) else f"{v:08d}") for v in k))
    n = np.array([jobs.get(k, 0) for k in cell_keys], dtype=float)
    x = np.array([incidents.get(k, 0) for k in cell_keys], dtype=float)
    rr = low = high = np.full(len(cell_keys), np.nan)
    if overall_rate and len(cell_keys):
        expected = n * overall_rate
        with np.errstate(divide="ignore", invalid="ignore"):
            rr = np.where(n > 0, x / expected, np.nan)
        low, high = poisson_ratio_ci(x, expected, confidence)
        low = np.where(n > 0, low, np.nan)
        high = np.where(n > 0, high, np.nan)
    labels = dimension_labels(session, keys, cell_keys)
    cells = []
    for i, key in enumerate(cell_keys):
        flagged = bool(n[i] >= min_jobs and np.isfinite(low[i]) and low[i] > 1.0)
        cell: dict[str, Any] = dict(zip(keys, key, strict=True))
        cell.update({
            "jobs": int(n[i]), "incidents": int(x[i]),
            "rate": _round(x[i] / n[i], 5) if n[i] else None,
            "risk_ratio": _round(rr[i]), "ci_low": _round(low[i]), "ci_high": _round(high[i]),
            "flagged": flagged,
        })
        cell["label"] = describe(cell, keys, labels, confidence)
        cells.append(cell)
    overall = {"jobs": total_jobs, "incidents": total_incidents,
               "rate": _round(overall_rate, 5) if overall_rate is not None else None}
    return Grid(by=parts, keys=keys, overall=overall, cells=cells, labels=labels,
                min_jobs=min_jobs, confidence=confidence, filters=filters.as_dict())


def hour_label(hour: int) -> str:
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"


def dimension_labels(session: Session, keys: list[str], cell_keys: list[tuple[Any, ...]]
                     ) -> dict[str, dict[str, str]]:
    """Human names for every key value that occurs: 周五, 15:00–16:00, B-3 罐区, 动火作业 …"""
    labels: dict[str, dict[str, str]] = {}
    for pos, dim in enumerate(keys):
        values = {k[pos] for k in cell_keys if k[pos] is not None}
        if dim == "weekday":
            labels[dim] = {str(v): slots.WEEKDAYS_ZH[v] for v in range(7)}
        elif dim == "hour":
            labels[dim] = {str(v): hour_label(v) for v in range(24)}
        elif dim == "area":
            rows = session.execute(select(Area.id, Area.code, Area.name).where(
                Area.id.in_(values))).all() if values else []
            labels[dim] = {str(i): name or code for i, code, name in rows}
        elif dim == "contractor":
            rows = session.execute(select(Organization.id, Organization.name).where(
                Organization.id.in_(values))).all() if values else []
            labels[dim] = {str(i): name for i, name in rows}
        elif dim == "type":
            labels[dim] = {str(v): (catalog.permit_type(v).name_zh  # type: ignore[union-attr]
                                    if catalog.permit_type(v) else str(v)) for v in values}
        labels[dim]["None"] = "（未指定）"
    return labels


def describe(cell: dict[str, Any], keys: list[str], labels: dict[str, dict[str, str]],
             confidence: float) -> str:
    """'周五 15:00–16:00 · B-3 罐区（甲类储罐）: 3.2× (95% CI 1.8–5.3), 18/300'."""
    names = {k: labels[k].get(str(cell[k]), str(cell[k])) for k in keys}
    if "weekday" in names and "hour" in names:  # one time slot reads as one phrase
        names["weekday"] = f"{names['weekday']} {names.pop('hour')}"
    where = " · ".join(names.values())
    if cell["risk_ratio"] is None:
        return f"{where}: {cell['incidents']}/{cell['jobs']}"
    return (f"{where}: {cell['risk_ratio']:.1f}× ({round(confidence * 100)}% CI "
            f"{cell['ci_low']:.1f}–{cell['ci_high']:.1f}), {cell['incidents']}/{cell['jobs']}")


def area_map(session: Session, filters: Filters, **kwargs: Any) -> dict[str, Any]:
    """GeoJSON of the areas (of the site, or all) coloured by the same risk ratio."""
    grid = compute(session, filters, "area", **kwargs)
    by_area = {c["area"]: c for c in grid.cells}
    query = select(Area).order_by(Area.site_code, Area.code)
    if filters.site:
        query = query.where(Area.site_code == filters.site)
    features = []
    for area in session.execute(query).scalars():
        cell = by_area.get(area.id, {})
        features.append({"type": "Feature", "geometry": area.polygon, "properties": {
            "area_id": area.id, "site": area.site_code, "code": area.code,
            "name": area.name, "hazard_class": area.hazard_class,
            "jobs": cell.get("jobs", 0), "incidents": cell.get("incidents", 0),
            "rate": cell.get("rate"), "risk_ratio": cell.get("risk_ratio"),
            "ci_low": cell.get("ci_low"), "ci_high": cell.get("ci_high"),
            "flagged": cell.get("flagged", False)}})
    return {"type": "FeatureCollection", "features": features, "overall": grid.overall,
            "min_jobs": grid.min_jobs, "confidence": grid.confidence}


__all__ = ["DIMENSIONS", "Filters", "Grid", "area_map", "compute"]
