"""Incidents: failed service tasks that admins can see, retry, skip or cancel (design §2)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select

from engine import Incident, db
from processes import overrides, permits
from processes.errors import NotAllowed

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp, load
from .schemas import CancelRequest


def _admin() -> Any:
    person = current_person()
    if person is None or not person.has_role("admin"):
        raise NotAllowed("only admins handle incidents")
    return person


def _view(incident: Incident) -> dict[str, Any]:
    permit = permits.for_instance(db.session, incident.instance_id)
    return {"id": incident.id, "instance_id": incident.instance_id, "task": incident.bpmn_id,
            "operator": incident.operator, "error": incident.error, "status": incident.status,
            "retries": incident.retries,
            "next_retry_at": incident.next_retry_at.isoformat()
            if incident.next_retry_at else None,
            "created_at": incident.created_at.isoformat(),
            "skippable": permit is None or overrides.incident_skippable(
                db.session, get_engine(), incident),
            "permit": {"id": permit.id, "number": permit.number} if permit else None}


@bp.get("/incidents")
@api_login_required
def list_incidents() -> Any:
    _admin()
    rows = db.session.execute(select(Incident).where(Incident.status == "open")
                              .order_by(Incident.created_at)).scalars()
    return jsonify(items=[_view(i) for i in rows])


@bp.post("/incidents/<int:incident_id>/retry")
@api_login_required
def retry_incident(incident_id: int) -> Any:
    person = _admin()
    incident = get_engine().retry_incident(db.session, incident_id, actor=person.username)
    db.session.commit()
    return jsonify(_view(incident))


@bp.post("/incidents/<int:incident_id>/skip")
@api_login_required
def skip_incident(incident_id: int) -> Any:
    """Move on without the failed step, with a reason (audited); permits: skippable steps."""
    person = _admin()
    body = load(CancelRequest())
    incident = overrides.skip_incident(db.session, get_engine(), incident_id, by=person,
                                       reason=body["reason"])
    db.session.commit()
    return jsonify(_view(incident))


@bp.post("/incidents/<int:incident_id>/cancel")
@api_login_required
def cancel_incident(incident_id: int) -> Any:
    """Give up on the failed step: the permit (or bare instance) is cancelled, audited."""
    person = _admin()
    body = load(CancelRequest())
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        from engine import IncidentNotFound

        raise IncidentNotFound(incident_id)
    permit = permits.for_instance(db.session, incident.instance_id)
    if permit is not None:
        permits.cancel(db.session, get_engine(), permit, by=person, reason=body["reason"])
    else:
        get_engine().cancel(db.session, incident.instance_id, actor=person.username,
                            reason=body["reason"])
    db.session.commit()
    return jsonify(_view(incident))
