"""The capability matrix: people × certificate types, composite qualifications."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine import db
from processes import capability, roster

from ..auth import api_login_required, current_person
from . import bp, load
from .qualification_schemas import CapabilityQuery


@bp.get("/analytics/capability-matrix")
@api_login_required
def capability_matrix() -> Any:
    actor = current_person()
    assert actor is not None
    args = load(CapabilityQuery(), request.args.to_dict())
    today = roster.local_today(db.session, actor.site_code)
    return jsonify(capability.matrix(db.session, actor, today, site=args["site"],
                                     organization_id=args["organization_id"]))
