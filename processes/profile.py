"""A person's e-profile: the person as a node of the process.

Certificates with their colours, the last three years of special-work jobs by role
(applicant, worker, watcher), watcher ratings, and the instruments used on their jobs with
calibration status — the customer's "three years of records, evaluations and the
calibration data of the equipment they used".
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from . import alerts, catalog, equipment, people, ratings, thresholds
from .models import AccessCode, GasReading, Permit, PermitWorker, Person

JOB_YEARS = 3


def _since(today: date) -> datetime:
    start = people._add_years(today, -JOB_YEARS)
    return datetime.combine(start, time.min, tzinfo=UTC)


def _job_permits(session: Session, person: Person, today: date) -> list[Permit]:
    crew = select(PermitWorker.permit_id).where(PermitWorker.person_id == person.id)
    query = (select(Permit).where(
        or_(Permit.applicant_id == person.id, Permit.watcher_id == person.id,
            Permit.id.in_(crew)), Permit.created_at >= _since(today))
        .order_by(Permit.planned_start.desc()))
    return list(session.execute(query).scalars())


def roles_on(person: Person, permit: Permit) -> list[str]:
    roles = []
    if permit.applicant_id == person.id:
        roles.append("applicant")
    if person.id in permit.worker_ids:
        roles.append("worker")
    if permit.watcher_id == person.id:
        roles.append("watcher")
    return roles


def jobs(session: Session, person: Person, today: date) -> dict[str, Any]:
    """Special-work jobs of the last three years with this person's role(s) on each."""
    items, by_role, by_type = [], Counter(), Counter()
    for permit in _job_permits(session, person, today):
        roles = roles_on(person, permit)
        by_role.update(roles)
        by_type[permit.type] += 1
        ptype = catalog.permit_type(permit.type)
        items.append({"permit_id": permit.id, "number": permit.number, "type": permit.type,
                      "type_name": ptype.name_zh if ptype else permit.type, "roles": roles,
                      "status": permit.status, "grade": permit.grade,
                      "site": permit.site_code, "area_code": permit.area.code,
                      "planned_start": permit.planned_start.isoformat(),
                      "planned_end": permit.planned_end.isoformat(),
                      "closed_at": permit.closed_at.isoformat() if permit.closed_at else None})
    return {"since": people._add_years(today, -JOB_YEARS).isoformat(), "count": len(items),
            "by_role": {r: by_role.get(r, 0) for r in ("applicant", "worker", "watcher")},
            "by_type": dict(by_type), "items": items}


def equipment_used(session: Session, person: Person, today: date, warn_days: int
                   ) -> list[dict[str, Any]]:
    """Instruments whose readings were taken on this person's jobs, with calibration."""
    ids = [p.id for p in _job_permits(session, person, today)]
    if not ids:
        return []
    rows = session.execute(
        select(GasReading.instrument_id, func.count(func.distinct(GasReading.permit_id)),
               func.max(GasReading.sampled_at))
        .where(GasReading.permit_id.in_(ids)).group_by(GasReading.instrument_id)).all()
    known = equipment.by_codes(session, {code for code, _, _ in rows})
    used = []
    for code, jobs_count, last in sorted(rows, key=lambda r: r[2], reverse=True):
        eq = known.get(code)
        used.append({"code": code, "name": eq.name if eq else None,
                     "kind": eq.kind if eq else None, "equipment_id": eq.id if eq else None,
                     "jobs": jobs_count, "last_used_at": last.isoformat(),
                     "calibration": equipment.calibration_status(eq, today, warn_days)})
    return used


def build(session: Session, person: Person, today: date, now: datetime) -> dict[str, Any]:
    """The whole e-profile (``GET /api/v1/people/{id}``)."""
    warn_days = thresholds.current(session)["calibration_warning_days"]
    org = person.organization
    certs = [people.certificate_view(c, today)
             for c in sorted(person.certificates, key=lambda c: c.type_code)]
    colours = Counter(c["status"] for c in certs)
    leader_ids = alerts.team_leaders(session, person)
    leaders = session.execute(select(Person).where(Person.id.in_(leader_ids))
                              .order_by(Person.name)).scalars() if leader_ids else []
    codes = session.execute(select(AccessCode).where(
        AccessCode.person_id == person.id, AccessCode.revoked_at.is_(None),
        AccessCode.expires_at > now).order_by(AccessCode.expires_at)).scalars()
    return {
        "organization": org.name if org else None,
        "organization_kind": org.kind if org else None,
        "is_contractor": person.is_contractor,
        "team_leaders": [{"id": p.id, "name": p.name} for p in leaders],
        "photo_id": person.photo_id,
        "certificates": certs,
        "certificate_summary": {"green": colours.get("green", 0),
                                "yellow": colours.get("yellow", 0),
                                "red": colours.get("red", 0)},
        "jobs": jobs(session, person, today),
        "watcher_ratings": ratings.of_watcher(session, person.id),
        "equipment": equipment_used(session, person, today, warn_days),
        "access_codes": [{"id": c.id, "scope": c.scope, "permit_types": c.permit_types,
                          "expires_at": c.expires_at.isoformat()}
                         for c in codes if c.is_valid(now)],
    }
