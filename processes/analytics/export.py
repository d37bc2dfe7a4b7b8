"""The regulator export: a quarter's permits and statistics as a signed JSON document, and
the same permits as CSV. Schema: docs/regulator-export.md.

Signature: HMAC-SHA256 over the canonical JSON of ``document`` (keys sorted, no spaces,
UTF-8, non-ASCII kept) with the key agreed with the regulator; ``key_id`` names it so keys
can be rotated.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import catalog
from ..models import Area, ComplianceMiss, ComplianceSnapshot, Organization, Permit
from . import heatmap, quarter, slots

SCHEMA = "permitflow.regulator-export/1"
ALGORITHM = "HMAC-SHA256"
CSV_FIELDS = ("number", "type", "type_name", "site", "area_code", "grade", "risk", "status",
              "planned_start", "planned_end", "activated_at", "valid_until", "closed_at",
              "closed_on_time", "compliance_required", "compliance_executed",
              "compliance_rate", "missing_nodes", "contractor")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def permits(session: Session, start: date, end: date, site: str | None, tz: str
            ) -> list[dict[str, Any]]:
    f = heatmap.Filters(site=site, start=start, end=end, timezone=tz)
    rows = session.execute(
        select(Permit, Area.code, ComplianceSnapshot, Organization.name)
        .join(Area, Area.id == Permit.area_id)
        .outerjoin(ComplianceSnapshot, ComplianceSnapshot.permit_id == Permit.id)
        .outerjoin(Organization, Organization.id == Permit.contractor_id)
        .where(*heatmap.job_conditions(session, f))
        .order_by(Permit.planned_start, Permit.id)).all()
    ids = [p.id for p, *_ in rows]
    missing: dict[int, list[str]] = {}
    for i in range(0, len(ids), 900):
        for pid, node in session.execute(select(ComplianceMiss.permit_id, ComplianceMiss.node)
                                         .where(ComplianceMiss.permit_id.in_(ids[i:i + 900]))):
            missing.setdefault(pid, []).append(node)
    out = []
    for permit, area_code, snap, contractor in rows:
        ptype = catalog.permit_type(permit.type)
        out.append({
            "number": permit.number, "type": permit.type,
            "type_name": ptype.name_zh if ptype else permit.type,
            "site": permit.site_code, "area_code": area_code, "grade": permit.grade,
            "risk": permit.risk, "status": permit.status,
            "planned_start": _iso(permit.planned_start), "planned_end": _iso(permit.planned_end),
            "activated_at": _iso(permit.activated_at), "valid_until": _iso(permit.valid_until),
            "closed_at": _iso(permit.closed_at),
            "closed_on_time": None if snap is None or snap.on_time is None
            else bool(snap.on_time),
            "compliance": None if snap is None else {
                "required": snap.required, "executed": snap.executed,
                "rate": round(100.0 * snap.executed / snap.required, 1) if snap.required
                else None,
                "missing": sorted(missing.get(permit.id, []))},
            "contractor": contractor})
    return out


def build(session: Session, year: int, q: int, *, site: str | None, tz: str, today: date,
          plant: str, generated_at: datetime) -> dict[str, Any]:
    """The unsigned document."""
    start, end = slots.quarter_dates(year, q)
    k = quarter.kpis(session, start, end, site, tz, today)
    stats = {key: k[key] for key in quarter.KPIS}
    return {
        "schema": SCHEMA, "generated_at": generated_at.isoformat(),
        "enterprise": {"name": plant},
        "period": {"year": year, "quarter": q, "start": start.isoformat(),
                   "end": end.isoformat(), "timezone": tz, "site": site},
        "statistics": stats,
        "compliance_by_type": [
            {key: r[key] for key in ("key", "permits", "required", "executed", "rate",
                                     "closed_on_time", "closed_late", "on_time_rate")}
            for r in quarter.compliance.rates(session, "type", quarter._cfilters(
                start, end, site, tz))],
        "permits": permits(session, start, end, site, tz),
    }


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sign(document: dict[str, Any], key: bytes, key_id: str) -> dict[str, Any]:
    mac = hmac.new(key, canonical(document), hashlib.sha256).hexdigest()
    return {"document": document, "signature": {
        "algorithm": ALGORITHM, "key_id": key_id,
        "canonicalization": "json-sorted-keys-compact-utf8", "value": mac}}


def verify(envelope: dict[str, Any], key: bytes) -> bool:
    sig = envelope.get("signature") or {}
    if sig.get("algorithm") != ALGORITHM or "document" not in envelope:
        return False
    expected = hmac.new(key, canonical(envelope["document"]), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, str(sig.get("value", "")))


def to_csv(document: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for p in document["permits"]:
        c = p["compliance"] or {}
        writer.writerow({
            **{k: p[k] for k in CSV_FIELDS if k in p},
            "closed_on_time": "" if p["closed_on_time"] is None else int(p["closed_on_time"]),
            "compliance_required": c.get("required", ""),
            "compliance_executed": c.get("executed", ""),
            "compliance_rate": "" if c.get("rate") is None else c["rate"],
            "missing_nodes": ";".join(c.get("missing", [])),
            "contractor": p["contractor"] or ""})
    return buf.getvalue()
