"""Incidents, near misses and equipment failures: recorded one by one or imported from CSV.

They are the numerator of the heatmap's rate. Each row stores the local weekday/hour of
when it happened and, when a permit is linked, that permit's work type and contractor, so
it groups with the jobs without a join. A CSV import is all-or-nothing: every bad row is
reported with its line number and column, and nothing is saved until all rows are good.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock

from .. import auditing, catalog, scope
from ..errors import NotAllowed, NotFound, ValidationFailed
from ..models import Area, Permit, Person, SafetyIncident, Site
from ..models.analytics import INCIDENT_KINDS, SEVERITIES
from . import settings, slots

CSV_COLUMNS = ("occurred_at", "site", "area_code", "kind", "category", "severity",
               "permit_number", "work_type", "description")
REQUIRED = ("occurred_at", "site", "area_code", "kind", "category", "severity")
RECORDERS = ("safety_dept", "safety_director", "admin")
MAX_ROWS = 50_000


def can_record(person: Person) -> bool:
    return person.has_role(*RECORDERS)


def can_view(person: Person, site_code: str) -> bool:
    if person.has_role("admin", "safety_director"):
        return True
    if person.has_role("contractor_admin"):
        return False
    return scope.covers_site(person, site_code)


@dataclass
class _Lookup:
    """Sites, areas and permits resolved once per import, not once per row."""

    session: Session

    def __post_init__(self) -> None:
        self.sites = {s.code: s for s in self.session.execute(select(Site)).scalars()}
        self.areas = {(a.site_code, a.code): a
                      for a in self.session.execute(select(Area)).scalars()}
        self.permits: dict[tuple[str, str], Permit | None] = {}

    def permit(self, site: str, number: str) -> Permit | None:
        key = (site, number)
        if key not in self.permits:
            self.permits[key] = self.session.execute(select(Permit).where(
                Permit.site_code == site, Permit.number == number)).scalar_one_or_none()
        return self.permits[key]


def _parse_time(raw: str, tz: str) -> datetime:
    """ISO 8601; without an offset it is read as local time at the site."""
    value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=slots.zone(tz))
    return value


def validate(data: dict[str, Any], lookup: _Lookup, now: datetime
             ) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """Field problems and the resolved values of one incident (JSON body or CSV row)."""
    errors: dict[str, list[str]] = {}

    def err(key: str, msg: str) -> None:
        errors.setdefault(key, []).append(msg)

    def text(key: str) -> str:
        value = data.get(key)
        return "" if value is None else str(value).strip()

    for key in REQUIRED:
        if not text(key):
            err(key, "必填 / required")
    site = lookup.sites.get(text("site"))
    if text("site") and site is None:
        err("site", f"unknown site {text('site')!r}")
    out: dict[str, Any] = {"site": site}
    if site is not None and text("area_code"):
        out["area"] = lookup.areas.get((site.code, text("area_code")))
        if out["area"] is None:
            err("area_code", f"no area {text('area_code')!r} at site {site.code}")
    if text("occurred_at"):
        try:
            out["occurred_at"] = _parse_time(text("occurred_at"),
                                             site.timezone if site else "Asia/Shanghai")
            if out["occurred_at"] > now:
                err("occurred_at", "is in the future")
        except ValueError:
            err("occurred_at", "ISO 8601 date and time, e.g. 2026-05-29T15:20+08:00")
    if text("kind") and text("kind") not in INCIDENT_KINDS:
        err("kind", f"one of {', '.join(INCIDENT_KINDS)}")
    categories = settings.incident_categories()
    if text("category") and text("category") not in categories:
        err("category", f"one of {', '.join(categories)}")
    if text("severity"):
        try:
            severity = int(text("severity"))
            if severity not in SEVERITIES:
                raise ValueError
            out["severity"] = severity
        except ValueError:
            err("severity", "1 (轻微 minor) … 4 (重大 major)")
    out["permit"] = None
    if text("permit_number") and site is not None:
        out["permit"] = lookup.permit(site.code, text("permit_number"))
        if out["permit"] is None:
            err("permit_number", f"no permit {text('permit_number')!r} at site {site.code}")
        elif out.get("area") is not None and out["permit"].area_id != out["area"].id:
            err("area_code", f"permit {text('permit_number')} was in another area")
    work_type = text("work_type") or None
    if work_type and catalog.permit_type(work_type) is None:
        err("work_type", f"one of {', '.join(catalog.permit_types())}")
    if out["permit"] is not None:
        if work_type and work_type != out["permit"].type:
            err("work_type", f"permit {out['permit'].number} is {out['permit'].type}")
        work_type = out["permit"].type
    out["work_type"] = work_type
    if len(text("description")) > 4000:
        err("description", "at most 4000 characters")
    out["description"] = text("description")
    out["kind"], out["category"] = text("kind"), text("category")
    return errors, out


def _build(out: dict[str, Any], *, source: str, by: Person | None, now: datetime
           ) -> SafetyIncident:
    site, permit = out["site"], out["permit"]
    weekday, hour = slots.local_slot(out["occurred_at"], site.timezone)
    return SafetyIncident(
        occurred_at=out["occurred_at"], site_code=site.code, area_id=out["area"].id,
        kind=out["kind"], category=out["category"], severity=out["severity"],
        permit_id=permit.id if permit else None, work_type=out["work_type"],
        contractor_id=permit.contractor_id if permit else None,
        local_weekday=weekday, local_hour=hour, description=out["description"],
        source=source, reported_by=by.id if by else None, created_at=now)


def record(session: Session, data: dict[str, Any], *, by: Person) -> SafetyIncident:
    """One incident from a JSON body; 422 with field errors."""
    if not can_record(by):
        raise NotAllowed("only the safety department records incidents")
    errors, out = validate(data, _Lookup(session), clock.now())
    if not errors and by.site_code and not by.has_role("admin", "safety_director") \
            and out["site"].code != by.site_code:
        errors["site"] = ["you may only record incidents of your own site"]
    if errors:
        raise ValidationFailed(errors)
    incident = _build(out, source="manual", by=by, now=clock.now())
    session.add(incident)
    session.flush()
    auditing.record(session, "incident.recorded", by=by, data={
        "incident_id": incident.id, "kind": incident.kind, "site": incident.site_code,
        "severity": incident.severity, "permit_id": incident.permit_id})
    return incident


def import_csv(session: Session, text: str, *, by: Person) -> list[SafetyIncident]:
    """All rows or none. Errors are keyed ``line N: column`` (line 1 is the header)."""
    if not can_record(by):
        raise NotAllowed("only the safety department imports incidents")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        problems = ([f"missing column(s): {', '.join(missing)}"] if missing else []) + \
            ([f"unknown column(s): {', '.join(unknown)}"] if unknown else [])
        raise ValidationFailed({"line 1": [*problems, f"columns: {', '.join(CSV_COLUMNS)}"]},
                               code="csv_header")
    lookup, now = _Lookup(session), clock.now()
    errors: dict[str, list[str]] = {}
    rows: list[dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        if len(rows) >= MAX_ROWS:
            raise ValidationFailed({f"line {line}": [f"at most {MAX_ROWS} rows per file"]},
                                   code="csv_too_long")
        clean = {(k or "").strip(): v for k, v in row.items()}
        if None in row:
            errors.setdefault(f"line {line}", []).append("more values than columns")
        if not any((v or "").strip() for v in clean.values() if isinstance(v, str)):
            continue  # a blank line
        row_errors, out = validate(clean, lookup, now)
        if not row_errors and by.site_code and not by.has_role("admin", "safety_director") \
                and out["site"].code != by.site_code:
            row_errors["site"] = ["you may only import incidents of your own site"]
        for key, msgs in row_errors.items():
            errors.setdefault(f"line {line}: {key}", []).extend(msgs)
        rows.append(out)
    if errors:
        raise ValidationFailed(errors, code="csv_rows")
    if not rows:
        raise ValidationFailed({"file": ["no incident rows"]}, code="csv_empty")
    created = [_build(out, source="csv", by=by, now=now) for out in rows]
    session.add_all(created)
    session.flush()
    auditing.record(session, "incident.imported", by=by, data={
        "count": len(created), "first_id": created[0].id, "last_id": created[-1].id})
    return created


def get(session: Session, incident_id: int) -> SafetyIncident:
    incident = session.get(SafetyIncident, incident_id)
    if incident is None:
        raise NotFound("incident", incident_id)
    return incident


def view(incident: SafetyIncident, area: Area | None = None,
         permit: Permit | None = None) -> dict[str, Any]:
    return {"id": incident.id, "occurred_at": incident.occurred_at.isoformat(),
            "site": incident.site_code, "area_id": incident.area_id,
            "area_code": area.code if area else None, "kind": incident.kind,
            "category": incident.category, "severity": incident.severity,
            "severity_label": SEVERITIES.get(incident.severity),
            "permit_id": incident.permit_id, "permit_number": permit.number if permit else None,
            "work_type": incident.work_type, "contractor_id": incident.contractor_id,
            "description": incident.description, "source": incident.source,
            "local_weekday": incident.local_weekday, "local_hour": incident.local_hour}


def search(session: Session, person: Person, *, site: str | None = None,
           start: datetime | None = None, end: datetime | None = None,
           kind: str | None = None, limit: int = 200, offset: int = 0
           ) -> tuple[int, list[dict[str, Any]]]:
    from sqlalchemy import func

    query = select(SafetyIncident, Area, Permit).join(
        Area, SafetyIncident.area_id == Area.id).outerjoin(
        Permit, SafetyIncident.permit_id == Permit.id)
    if site:
        query = query.where(SafetyIncident.site_code == site)
    if not person.has_role("admin", "safety_director") and person.site_code:
        query = query.where(SafetyIncident.site_code == person.site_code)
    if start:
        query = query.where(SafetyIncident.occurred_at >= start)
    if end:
        query = query.where(SafetyIncident.occurred_at < end)
    if kind:
        query = query.where(SafetyIncident.kind == kind)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(SafetyIncident.occurred_at.desc(),
                                          SafetyIncident.id.desc())
                           .offset(offset).limit(limit)).all()
    return total, [view(i, a, p) for i, a, p in rows]
