"""Process instances for the console: the instance view and migration between versions.

Only designers and admins move instances: a migration changes which rules a live permit
runs under, so it is explicit, previewed and audited (the engine writes
``instance.migrated``). The instance view is also open to whoever may see the permit.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import Schema, fields, validate

from engine import MigrationRefused, db
from processes import console, permits
from processes.errors import NotAllowed

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp, load
from .versions import _designer, _version_arg


class MigrateRequest(Schema):
    to_version = fields.Integer(load_default=None, allow_none=True,
                                validate=validate.Range(min=1))
    #: the instance revision the caller previewed (optional optimistic check)
    revision = fields.Integer(load_default=None, allow_none=True)


def instance_view(instance_id: int) -> dict[str, Any]:
    """The instance view data, permission-checked (shared with the console pages)."""
    person = current_person()
    assert person is not None
    engine = get_engine()
    row = engine.get_instance(db.session, instance_id)
    permit = permits.for_instance(db.session, row.id)
    if not person.has_role("designer", "admin") and (
            permit is None or not permits.can_view(person, permit)):
        raise NotAllowed("only designers, admins and people who may see the permit")
    view = engine.describe(db.session, instance_id)
    lanes = [c["lane"] for c in view["current"] if c["state"] in ("READY", "ERROR")]
    view["waiting_for"] = [{"lane": lane, "people": people} for lane, people in
                           console.waiting_for(db.session, permit, lanes).items()]
    view["permit"] = ({"id": permit.id, "number": permit.number, "status": permit.status}
                      if permit is not None else None)
    return view


@bp.get("/instances/<int:instance_id>")
@api_login_required
def get_instance(instance_id: int) -> Any:
    return jsonify(instance_view(instance_id))


@bp.get("/instances/<int:instance_id>/migration")
@api_login_required
def migration_preview(instance_id: int) -> Any:
    _designer()
    plan = get_engine().migration_preview(db.session, instance_id,
                                          to_version=_version_arg("to"))
    row = get_engine().get_instance(db.session, instance_id)
    return jsonify({**plan.as_dict(), "revision": row.revision})


@bp.post("/instances/<int:instance_id>/migrate")
@api_login_required
def migrate_instance(instance_id: int) -> Any:
    person = _designer()
    body = load(MigrateRequest(), request.get_json(silent=True) or {})
    try:
        plan = get_engine().migrate(db.session, instance_id, to_version=body["to_version"],
                                    actor=person.username,
                                    expected_revision=body["revision"])
    except MigrationRefused as refused:
        db.session.rollback()
        return jsonify(errors={"migration": [refused.plan.reason],
                               "orphaned": refused.plan.orphaned},
                       plan=refused.plan.as_dict()), 422
    db.session.commit()
    row = get_engine().get_instance(db.session, instance_id)
    return jsonify({**plan.as_dict(), "revision": row.revision,
                    "version": row.definition.version})
