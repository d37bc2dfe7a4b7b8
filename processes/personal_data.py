"""What the system holds about one person, for that person to read (PIPL art. 44-45).

Their record, their consents, the sign-in evidence held (face clip, frames, GPS fix) with
the day it will be purged, and every position stored with their name (sign-ins, and the
approvals they signed on site, which stay with the permit). Times are plant-local.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import roster
from .models import Permit, PermitApproval, Person, SignIn
from .supervision import consent, retention


def _local(moment: datetime | None, zone: str) -> str | None:
    return moment.astimezone(ZoneInfo(zone)).isoformat() if moment else None


def _permits(session: Session, ids: set[int]) -> dict[int, Permit]:
    if not ids:
        return {}
    return {p.id: p for p in session.execute(select(Permit).where(Permit.id.in_(ids))).scalars()}


def sign_in_evidence(session: Session, person: Person, days: int) -> list[dict[str, Any]]:
    rows = session.execute(select(SignIn).where(SignIn.person_id == person.id)
                           .order_by(SignIn.signed_at.desc(), SignIn.id.desc())).scalars().all()
    permits = _permits(session, {r.permit_id for r in rows})
    items = []
    for row in rows:
        permit = permits[row.permit_id]
        zone = roster.timezone_of(session, permit.site_code)
        burst = (row.details or {}).get("burst") or []
        items.append({
            "sign_in_id": row.id, "permit_id": permit.id, "permit_number": permit.number,
            "signed_at": _local(row.signed_at, zone), "method": row.method,
            "purpose": row.purpose, "status": row.status,
            "held": {"face_clip": bool(row.clip_id), "face_frames": len(row.frames or []),
                     "burst_frames": len(burst),
                     "gps": {"lat": row.lat, "lon": row.lon, "accuracy_m": row.accuracy_m}
                     if row.lat is not None else None},
            "retained_until": _local(retention.retained_until(row, days), zone),
            "purged_at": _local(row.purged_at, zone)})
    return items


def location_fixes(session: Session, person: Person, days: int) -> list[dict[str, Any]]:
    """Every stored position tied to the person: purged with the sign-in, or kept with the
    permit (an approval signed on site, GB 30871 4.11)."""
    fixes: list[dict[str, Any]] = []
    signed = session.execute(select(SignIn).where(
        SignIn.person_id == person.id, SignIn.lat.is_not(None))).scalars().all()
    approvals = session.execute(select(PermitApproval).where(
        PermitApproval.person_id == person.id, PermitApproval.lat.is_not(None))).scalars().all()
    permits = _permits(session, {r.permit_id for r in [*signed, *approvals]})
    for row in signed:
        zone = roster.timezone_of(session, permits[row.permit_id].site_code)
        fixes.append({"source": "sign_in", "at": _local(row.signed_at, zone),
                      "permit_number": permits[row.permit_id].number, "lat": row.lat,
                      "lon": row.lon, "accuracy_m": row.accuracy_m,
                      "retained_until": _local(retention.retained_until(row, days), zone)})
    for row in approvals:
        zone = roster.timezone_of(session, permits[row.permit_id].site_code)
        fixes.append({"source": "approval", "at": _local(row.decided_at, zone),
                      "permit_number": permits[row.permit_id].number, "lat": row.lat,
                      "lon": row.lon, "accuracy_m": None,
                      "retained_until": None})  # part of the permit record
    return sorted(fixes, key=lambda f: f["at"] or "", reverse=True)


def held(session: Session, person: Person) -> dict[str, Any]:
    """``GET /api/v1/me/personal-data``: only ever the caller's own."""
    days = retention.retention_days()
    org = person.organization
    return {
        "person": {"id": person.id, "name": person.name, "username": person.username,
                   "employee_no": person.employee_no, "phone": person.phone,
                   "site": person.site_code, "organization": org.name if org else None,
                   "roles": list(person.roles or []), "photo_held": bool(person.photo_id),
                   "certificates": len(person.certificates)},
        "retention_days": days,
        "consent": consent.status(session, person),
        "consents": consent.records(session, person),
        "sign_ins": sign_in_evidence(session, person, days),
        "location_fixes": location_fixes(session, person, days),
    }
