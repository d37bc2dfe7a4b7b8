"""Process compliance aggregates (design §3, §4: GET /analytics/compliance)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine import db
from processes import compliance_stats
from processes.errors import NotAllowed

from ..auth import api_login_required, current_person
from . import bp, load
from .schemas_work import ComplianceQuery

VIEWERS = ("safety_dept", "safety_director", "plant_leader", "admin")


@bp.get("/analytics/compliance")
@api_login_required
def compliance() -> Any:
    """Compliance rate grouped by type, site, month or permit; filters: site, type, from, to."""
    person = current_person()
    assert person is not None
    if not person.has_role(*VIEWERS):
        raise NotAllowed("compliance figures are for the safety department and plant "
                         "leadership")
    args = load(ComplianceQuery(), request.args.to_dict())
    site = args["site"]
    if person.site_code and not person.has_role("admin", "safety_director"):
        if site not in (None, person.site_code):
            raise NotAllowed("you see the figures of your own site")
        site = person.site_code
    return jsonify(compliance_stats.aggregate(
        db.session, args["group_by"], site=site, permit_type=args["type"],
        since=args["since"], until=args["until"]))
