"""Use cases on permits: apply, cancel, look up. They take a session and never commit.

The request or job that calls them owns the transaction (Cosmic Python's unit of work).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from engine import Engine, clock

from . import catalog, geo, linked, scope
from .analytics import slots as analytics_slots
from .errors import Conflict, NotAllowed, NotFound, ValidationFailed
from .models import Area, Permit, PermitCounter, PermitWorker, Person, Site


@dataclass
class Application:
    """What an applicant submits; shared fields of design §3 plus type-specific ones."""

    type: str
    site: str
    area_code: str
    lat: float
    lon: float
    description: str
    planned_start: datetime
    planned_end: datetime
    workers: list[int]
    watcher: int
    applicant: int | None = None
    related_permits: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)


def next_number(session: Session, site: Site, prefix: str, day: date) -> str:
    """PREFIX-YYYYMMDD-NNNN, per site and day; the counter row serialises concurrent issues.

    The day's first applications race to create the counter row; ``INSERT … ON CONFLICT DO
    NOTHING`` lets exactly one create it and the others then wait on its row lock, instead
    of failing on the primary key.
    """
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert(PermitCounter).values(
            site_code=site.code, prefix=prefix, day=day, last=0).on_conflict_do_nothing())
    query = select(PermitCounter).where(PermitCounter.site_code == site.code,
                                        PermitCounter.prefix == prefix, PermitCounter.day == day)
    if dialect == "postgresql":
        query = query.with_for_update()
    counter = session.execute(query).scalar_one_or_none()
    if counter is None:  # another database: plain insert
        counter = PermitCounter(site_code=site.code, prefix=prefix, day=day, last=0)
        session.add(counter)
    counter.last += 1
    return f"{prefix}-{day:%Y%m%d}-{counter.last:04d}"


def _people(session: Session, ids: list[int]) -> dict[int, Person]:
    rows = session.execute(select(Person).where(Person.id.in_(ids))).scalars().all()
    return {p.id: p for p in rows}


def validate(session: Session, app: Application, applicant: Person) -> tuple[Site, Area]:
    site, area, _ = _validate(session, app, applicant)
    return site, area


def _validate(session: Session, app: Application, applicant: Person
              ) -> tuple[Site, Area, dict[int, Person]]:
    """:func:`validate`, also returning the crew it looked up (by id)."""
    errors: dict[str, list[str]] = {}

    def err(key: str, msg: str) -> None:
        errors.setdefault(key, []).append(msg)

    if catalog.permit_type(app.type) is None:
        err("type", f"unknown permit type {app.type!r}")
    site = session.get(Site, app.site)
    area = None
    if site is None:
        err("site", f"unknown site {app.site!r}")
    else:
        area = session.execute(select(Area).where(Area.site_code == site.code,
                                                  Area.code == app.area_code)).scalar_one_or_none()
        if area is None:
            err("area_code", f"no area {app.area_code!r} at site {site.code}")
        elif area.polygon and not geo.contains(area.polygon, app.lat, app.lon):
            err("location", f"the work point is outside area {area.code} ({area.name})")
    if applicant.site_code and site is not None and applicant.site_code != site.code:
        err("site", "you may only apply for work at your own site")
    if app.planned_end <= app.planned_start:
        err("planned_end", "must be after planned_start")
    if app.planned_end < clock.now():
        err("planned_end", "is already in the past")
    if not app.workers:
        err("workers", "name at least one worker")
    if len(set(app.workers)) != len(app.workers):
        err("workers", "a worker is named twice")
    if app.watcher in app.workers:
        err("watcher", "the watcher cannot also be a worker on the same job")
    people = _people(session, [*app.workers, app.watcher])
    for i, pid in enumerate(app.workers):
        if pid not in people:
            err(f"workers.{i}", f"no person with id {pid}")
    if app.watcher not in people:
        err("watcher", f"no person with id {app.watcher}")
    if errors:
        raise ValidationFailed(errors)
    assert site is not None and area is not None
    return site, area, people


def apply(session: Session, engine: Engine, app: Application, *, applicant: Person) -> Permit:
    """Create the permit and start its process; the first engine step checks credentials.

    A refusal inside that step (lapsed certificate, …) raises from the engine and the
    caller rolls back: a refused application leaves nothing behind but its audit note.
    """
    if not applicant.has_role("applicant"):
        raise NotAllowed("only applicants may apply for permits")
    site, area, people = _validate(session, app, applicant)
    ptype = catalog.permit_type(app.type)
    assert ptype is not None
    now = clock.now()
    local_day = app.planned_start.astimezone(ZoneInfo(site.timezone)).date()
    permit = Permit(
        number=next_number(session, site, ptype.prefix, local_day), type=app.type,
        site_code=site.code, area=area, lat=app.lat, lon=app.lon,
        description=app.description, planned_start=app.planned_start,
        planned_end=app.planned_end, applicant_id=applicant.id, watcher_id=app.watcher,
        fields=app.fields, related_permits=app.related_permits, status="applied",
        created_at=now, updated_at=now)
    # The crew as already loaded: the credential checks of the first step read them.
    permit.watcher = people[app.watcher]
    permit.worker_links = [PermitWorker(person_id=pid, person=people[pid])
                           for pid in app.workers]
    analytics_slots.stamp_permit(session, permit, app.workers)
    session.add(permit)
    session.flush()
    start_data = {
        "permit_id": permit.id, "permit_type": app.type, "site": site.code,
        "area_code": area.code, "planned_start": app.planned_start.isoformat(),
        "planned_end": app.planned_end.isoformat(), "applicant": applicant.id,
        "watcher": app.watcher, "workers": list(app.workers),
    }
    instance = engine.start(session, app.type, start_data, actor=applicant.username,
                            business_key=permit.number)
    permit.instance_id = instance.id
    session.flush()
    return permit


def get(session: Session, permit_id: int) -> Permit:
    permit = session.get(Permit, permit_id)
    if permit is None:
        raise NotFound("permit", permit_id)
    return permit


def for_instance(session: Session, instance_id: int) -> Permit | None:
    return session.execute(select(Permit).where(Permit.instance_id == instance_id)
                           ).scalar_one_or_none()


def can_view(person: Person, permit: Permit) -> bool:
    if person.has_role("admin", "safety_director"):
        return True
    if person.id in (permit.applicant_id, permit.watcher_id) or person.id in permit.worker_ids:
        return True
    return scope.covers_site(person, permit.site_code) and not person.has_role(
        "contractor_admin")


CANCELLABLE = ("applied", "approving", "held", "approved", "active", "suspended")
CANCELLERS = ("safety_dept", "safety_director", "admin")


def may_cancel(person: Person, permit: Permit) -> bool:
    """The applicant, or the safety managers whose site scope covers the permit."""
    return person.id == permit.applicant_id or (
        person.has_role(*CANCELLERS)
        and scope.covers_site(person, permit.site_code, roles=CANCELLERS))


def can_cancel(person: Person, permit: Permit) -> bool:
    """Whether to offer the cancel button; :func:`cancel` enforces the same rules."""
    return permit.status in CANCELLABLE and may_cancel(person, permit)


def cancel(session: Session, engine: Engine, permit: Permit, *, by: Person,
           reason: str) -> Permit:
    if not reason.strip():
        raise ValidationFailed({"reason": ["say why the permit is cancelled"]})
    if permit.instance_id is not None:
        # The instance first (engine/locks.py); a cancel that waited on it then sees
        # the permit as the winner left it (already cancelled: a conflict, not a second one).
        engine.lock_instance(session, permit.instance_id)
        if engine.locks_rows(session):
            session.refresh(permit)
    if permit.status not in CANCELLABLE:
        raise Conflict(f"作业票{linked.STATUS_ZH.get(permit.status, permit.status)}，不能取消 / "
                       f"a {permit.status} permit cannot be cancelled")
    if not may_cancel(by, permit):
        raise NotAllowed("只有申请人或本厂区安全管理部门可以取消许可证 / only the applicant or "
                         "the safety department of the permit's site may cancel it")
    if permit.instance_id is not None:
        engine.cancel(session, permit.instance_id, actor=by.username, reason=reason)
    permit.status, permit.status_reason = "cancelled", reason
    permit.updated_at = clock.now()
    linked.announce_end(session, permit, now=permit.updated_at)
    return permit


def set_status(permit: Permit, status: str, reason: str | None = None) -> None:
    permit.status = status
    if reason is not None:
        permit.status_reason = reason
    permit.updated_at = clock.now()
