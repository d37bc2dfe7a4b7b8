"""Plant areas with their polygons and hazard classes."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from sqlalchemy import select

from engine import db
from processes import people
from processes.errors import NotAllowed
from processes.models import Area

from ..auth import api_login_required, current_person
from . import bp, load
from .schemas import AreaSchema


@bp.get("/areas")
@api_login_required
def list_areas() -> Any:
    query = select(Area).order_by(Area.site_code, Area.code)
    if request.args.get("site"):
        query = query.where(Area.site_code == request.args["site"])
    return jsonify(items=AreaSchema(many=True).dump(db.session.execute(query).scalars()))


@bp.post("/areas")
@api_login_required
def add_area() -> Any:
    actor = current_person()
    assert actor is not None
    if not actor.has_role("admin", "safety_dept"):
        raise NotAllowed("only admins and the safety department define areas")
    area = people.add_area(db.session, load(AreaSchema()), actor=actor)
    db.session.commit()
    return jsonify(AreaSchema().dump(area)), 201
