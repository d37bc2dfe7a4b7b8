"""Analytics pages: risk heatmap, plant map, compliance dashboard, quarterly reports.

Self-contained (own layout ``analytics/_layout.html``). Every page renders its numbers as
tables on the server; ECharts and Leaflet (from ``web/static/vendor``, filled by
``scripts/vendor.sh``) only add the chart and the map when present, so the pages work
without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from engine import clock, db
from processes.analytics import compliance, heatmap, slots, snapshots
from processes.errors import NotAllowed, ValidationFailed
from processes.models import Organization, ReportJob, Site

from ..api import analytics as api_analytics
from ..api import reports as api_reports
from ..auth import current_person
from . import bp

VENDOR = {"echarts": "vendor/echarts/echarts.min.js", "leaflet": "vendor/leaflet/leaflet.js",
          "leaflet_css": "vendor/leaflet/leaflet.css"}


def vendor_files() -> dict[str, str | None]:
    """Static paths of the front-end libraries that are actually installed."""
    static = Path(current_app.static_folder or "")
    return {k: (url_for("static", filename=v) if (static / v).exists() else None)
            for k, v in VENDOR.items()}


def _login() -> Any:
    return redirect(url_for("pages.login", next=request.full_path))


def _viewer() -> Any:
    person = current_person()
    if person is None:
        return None
    if not person.has_role(*api_analytics.VIEWERS):
        raise NotAllowed("analytics are for the safety department, leaders and admins")
    return person


def _args(schema: Any) -> dict[str, Any]:
    raw = {k: v for k, v in request.args.to_dict().items() if v != ""}
    try:
        return schema.load(raw)
    except ValidationError as exc:
        raise ValidationFailed({k: v if isinstance(v, list) else [str(v)]
                                for k, v in exc.messages.items()}) from None


def _choices() -> dict[str, Any]:
    return {"sites": db.session.execute(select(Site.code, Site.name).order_by(Site.code)).all(),
            "contractors": db.session.execute(select(Organization.id, Organization.name).where(
                Organization.kind == "contractor").order_by(Organization.name)).all()}


def colour(ratio: float | None, flagged: bool) -> str:
    """Background of a table cell: white at ≤ 1×, deep red at ≥ 3×."""
    if ratio is None:
        return "background:#f6f6f6"
    t = max(0.0, min((ratio - 1.0) / 2.0, 1.0))
    g, b = int(255 - 170 * t), int(255 - 200 * t)
    border = ";outline:2px solid #000" if flagged else ""
    return f"background:rgb(255,{g},{b}){border}"


def pivot(grid: heatmap.Grid) -> dict[str, Any]:
    """Rows × columns of a grid for the table: first key down, the rest across."""
    keys = grid.keys
    row_key, col_keys = keys[0], keys[1:]
    rows = sorted({c[row_key] for c in grid.cells}, key=lambda v: (v is None, str(v).zfill(8)))
    cols = sorted({tuple(c[k] for k in col_keys) for c in grid.cells},
                  key=lambda t: tuple((v is None, str(v).zfill(8)) for v in t))
    if keys == ["weekday", "hour"]:
        rows, cols = list(range(7)), [(h,) for h in range(24)]
    cells = {(c[row_key], tuple(c[k] for k in col_keys)): c for c in grid.cells}

    def label(dim: str, value: Any) -> str:
        return grid.labels.get(dim, {}).get(str(value), str(value))

    return {"row_key": row_key, "rows": [(r, label(row_key, r)) for r in rows],
            "cols": [(c, " · ".join(label(k, v) for k, v in zip(col_keys, c, strict=True)))
                     for c in cols],
            "cells": cells}


@bp.get("/analytics/")
def analytics_heatmap() -> Any:
    person = _viewer()
    if person is None:
        return _login()
    args = api_analytics.scoped(person, _args(api_analytics.HeatmapQuery()))
    grid = heatmap.compute(db.session, api_analytics.heatmap_filters(args), args["by"])
    return render_template("analytics/heatmap.html", grid=grid, table=pivot(grid), args=args,
                           colour=colour, vendor=vendor_files(), choices=_choices(),
                           dimensions=heatmap.DIMENSIONS)


@bp.get("/analytics/map")
def analytics_map() -> Any:
    person = _viewer()
    if person is None:
        return _login()
    args = api_analytics.scoped(person, _args(api_analytics.HeatmapQuery()))
    data = heatmap.area_map(db.session, api_analytics.heatmap_filters(args))
    return render_template("analytics/map.html", data=data, args=args, colour=colour,
                           vendor=vendor_files(), choices=_choices())


@bp.get("/analytics/compliance")
def analytics_compliance() -> Any:
    person = _viewer()
    if person is None:
        return _login()
    args = api_analytics.scoped(person, _args(api_analytics.ComplianceQuery()))
    if snapshots.refresh(db.session, limit=api_analytics.REFRESH_PER_REQUEST):
        db.session.commit()
    data = compliance.dashboard(db.session, api_analytics.compliance_filters(args),
                                args["group_by"], today=clock.now().date())
    return render_template("analytics/compliance.html", data=data, args=args,
                           vendor=vendor_files(), choices=_choices(),
                           groups=compliance.GROUPS)


@bp.route("/analytics/reports", methods=["GET", "POST"])
def analytics_reports() -> Any:
    person = current_person()
    if person is None:
        return _login()
    if not person.has_role(*api_reports.READERS):
        raise NotAllowed("reports are for the safety department, plant leaders and admins")
    if request.method == "POST":
        try:
            year, quarter = int(request.form["year"]), int(request.form["quarter"])
        except (KeyError, ValueError):
            raise ValidationFailed({"quarter": ["choose a year and a quarter"]}) from None
        if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
            raise ValidationFailed({"quarter": ["choose a year and a quarter"]})
        params = {"year": year, "quarter": quarter,
                  "site": api_reports._scope_site(person, request.form.get("site") or None)}
        job = api_reports.start_job("quarterly", "reports.quarterly", params, person)
        return redirect(url_for("pages.analytics_report_job", job_id=job.id))
    today = clock.now().date()
    jobs = db.session.execute(select(ReportJob).order_by(ReportJob.id.desc()).limit(20)
                              ).scalars().all()
    py, pq = slots.previous_quarter(today.year, (today.month - 1) // 3 + 1)
    return render_template("analytics/reports.html", jobs=jobs, year=py, quarter=pq,
                           vendor=vendor_files(), choices=_choices(), today=today)


@bp.get("/analytics/reports/<int:job_id>")
def analytics_report_job(job_id: int) -> Any:
    person = current_person()
    if person is None:
        return _login()
    if not person.has_role(*api_reports.READERS):
        raise NotAllowed("reports are for the safety department, plant leaders and admins")
    job = db.session.get(ReportJob, job_id)
    if job is None:
        from processes.errors import NotFound

        raise NotFound("report job", job_id)
    return render_template("analytics/report_job.html", job=api_reports.job_view(job),
                           vendor=vendor_files(), choices=_choices())



