"""Safety incidents, near misses and equipment failures: record, import CSV, list.

(``/incidents`` is taken by the engine's failed service tasks.)
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import Schema, fields, validate

from engine import db
from processes.analytics import incidents
from processes.errors import NotAllowed, ValidationFailed
from processes.models import Area, Permit

from ..auth import api_login_required, current_person
from . import bp, load

MAX_CSV_BYTES = 8 * 1024 * 1024


class IncidentQuery(Schema):
    site = fields.String(load_default=None)
    start = fields.AwareDateTime(load_default=None)
    end = fields.AwareDateTime(load_default=None)
    kind = fields.String(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


@bp.post("/safety-incidents")
@api_login_required
def record_safety_incident() -> Any:
    """One incident: occurred_at, site, area_code, kind, category, severity, [permit_number,
    work_type, description]."""
    person = current_person()
    assert person is not None
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": ["send a JSON object"]})
    incident = incidents.record(db.session, body, by=person)
    db.session.commit()
    return jsonify(_view(incident)), 201


@bp.post("/safety-incidents/import")
@api_login_required
def import_safety_incidents() -> Any:
    """A CSV file (multipart ``file``, or a ``text/csv`` body): all rows or none."""
    person = current_person()
    assert person is not None
    upload = request.files.get("file")
    raw = upload.read(MAX_CSV_BYTES + 1) if upload is not None else request.get_data()
    if not raw:
        raise ValidationFailed({"file": ["send a CSV file (multipart 'file' or text/csv)"]})
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationFailed({"file": ["larger than 8 MB: split it"]})
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationFailed({"file": ["not UTF-8 or GB18030 text"]}) from None
    created = incidents.import_csv(db.session, text, by=person)
    db.session.commit()
    return jsonify(imported=len(created), ids=[i.id for i in created]), 201


@bp.get("/safety-incidents")
@api_login_required
def list_safety_incidents() -> Any:
    person = current_person()
    assert person is not None
    if person.has_role("contractor_admin") and not person.has_role("admin"):
        raise NotAllowed("contractor admins see their staff, not the incident list")
    args = load(IncidentQuery(), request.args.to_dict())
    total, items = incidents.search(db.session, person, site=args["site"],
                                    start=args["start"], end=args["end"], kind=args["kind"],
                                    limit=args["per_page"],
                                    offset=(args["page"] - 1) * args["per_page"])
    return jsonify(items=items, total=total, page=args["page"], per_page=args["per_page"])


@bp.get("/safety-incidents/<int:incident_id>")
@api_login_required
def get_safety_incident(incident_id: int) -> Any:
    person = current_person()
    assert person is not None
    incident = incidents.get(db.session, incident_id)
    if not incidents.can_view(person, incident.site_code):
        raise NotAllowed("this incident belongs to another site")
    return jsonify(_view(incident))


def _view(incident: Any) -> dict[str, Any]:
    area = db.session.get(Area, incident.area_id)
    permit = db.session.get(Permit, incident.permit_id) if incident.permit_id else None
    return incidents.view(incident, area, permit)
