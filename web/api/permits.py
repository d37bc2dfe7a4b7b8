"""Permits: apply, list, detail, cancel."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine import db
from processes import catalog, compliance, history, ledger, permits
from processes.errors import NotAllowed
from processes.models import Permit
from processes.types import rules_for

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp, load
from .answers import idempotent, respond
from .schemas import CancelRequest, PermitApplication, PermitList, PermitSummary, TaskSummary


def minimal(permit: Permit) -> dict[str, Any]:
    """What a write answers when the full detail cannot be built: the permit it wrote.

    Only attributes the write itself loaded, so it needs no query."""
    instance = permit.__dict__.get("instance")
    return {"id": permit.id, "number": permit.number, "status": permit.status,
            "type": permit.type, "site": permit.site_code,
            "revision": instance.revision if instance is not None else None,
            "partial": True}


def summary(permit: Permit) -> dict[str, Any]:
    data = PermitSummary().dump(permit)
    ptype = catalog.permit_type(permit.type)
    data["type_name"] = ptype.name_zh if ptype else permit.type
    return data


def detail(permit: Permit) -> dict[str, Any]:
    session = db.session
    data = summary(permit)
    instance = permit.instance
    tasks = history.tasks(session, permit)
    data.update({
        "location": {"lat": permit.lat, "lon": permit.lon},
        "applicant": {"id": permit.applicant_id, "name": permit.applicant.name},
        "watcher": {"id": permit.watcher_id, "name": permit.watcher.name},
        "workers": [{"id": w.person_id, "name": w.person.name} for w in permit.worker_links],
        "fields": permit.fields, "related_permits": permit.related_permits,
        "upgrade_reasons": permit.upgrade_reasons, "status_reason": permit.status_reason,
        "activated_at": permit.activated_at.isoformat() if permit.activated_at else None,
        "closed_at": permit.closed_at.isoformat() if permit.closed_at else None,
        "process": {"key": instance.process_key, "version": instance.definition.version,
                    "instance_id": instance.id, "status": instance.status,
                    "revision": instance.revision, "has_incident": instance.has_incident,
                    "next_timer_at": instance.next_timer_at.isoformat()
                    if instance.next_timer_at else None} if instance else None,
        "revision": instance.revision if instance else None,
        "open_tasks": TaskSummary(many=True).dump([t for t in tasks if t.status == "open"]),
        "tasks": TaskSummary(many=True).dump(tasks),
        "history": history.events(session, permit),
        "evidence": history.evidence(session, permit),
        "compliance": compliance.of_permit(session, permit).as_dict(),
        "validity": rules_for(permit.type).validity_basis(),
    })
    return data


@bp.post("/permits")
@api_login_required
@idempotent
def apply() -> Any:
    """Apply for a permit: validates, numbers, starts the process and checks credentials."""
    person = current_person()
    assert person is not None
    body = load(PermitApplication())
    application = permits.Application(
        type=body["type"], site=body["site"], area_code=body["area_code"],
        lat=body["location"]["lat"], lon=body["location"]["lon"],
        description=body["description"], planned_start=body["planned_start"],
        planned_end=body["planned_end"], workers=body["workers"], watcher=body["watcher"],
        related_permits=body["related_permits"], fields=body["fields"])
    permit = permits.apply(db.session, get_engine(), application, applicant=person)
    return respond(lambda: detail(permit), status=201, minimal=lambda: minimal(permit))


@bp.get("/permits")
@api_login_required
def list_permits() -> Any:
    person = current_person()
    assert person is not None
    args = load(PermitList(), request.args.to_dict())
    found = ledger.search(db.session, person, status=args["status"], type=args["type"],
                          site=args["site"], page=args["page"], per_page=args["per_page"])
    rows, total = found.items, found.total
    return jsonify(items=[summary(p) for p in rows], total=total, page=args["page"],
                   per_page=args["per_page"])


@bp.get("/permits/<int:permit_id>")
@api_login_required
def get_permit(permit_id: int) -> Any:
    person = current_person()
    permit = permits.get(db.session, permit_id)
    if not permits.can_view(person, permit):  # type: ignore[arg-type]
        raise NotAllowed("this permit belongs to another site")
    return jsonify(detail(permit))


@bp.post("/permits/<int:permit_id>/cancel")
@api_login_required
def cancel(permit_id: int) -> Any:
    person = current_person()
    assert person is not None
    body = load(CancelRequest())
    permit = permits.get(db.session, permit_id)
    permits.cancel(db.session, get_engine(), permit, by=person, reason=body["reason"])
    return respond(lambda: detail(permit), minimal=lambda: minimal(permit))
