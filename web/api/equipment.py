"""Equipment (gas detectors and other instruments) with calibration status."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine import db
from processes import equipment, roster, thresholds

from ..auth import api_login_required, current_person
from . import bp, load
from .qualification_schemas import CalibrationSchema, EquipmentSchema


def _view(eq: Any) -> dict[str, Any]:
    warn = thresholds.current(db.session)["calibration_warning_days"]
    return equipment.view(eq, roster.local_today(db.session, eq.site_code), warn)


@bp.get("/equipment")
@api_login_required
def list_equipment() -> Any:
    rows = equipment.listed(db.session, site=request.args.get("site"),
                            kind=request.args.get("kind"))
    return jsonify(items=[_view(e) for e in rows])


@bp.post("/equipment")
@api_login_required
def add_equipment() -> Any:
    actor = current_person()
    assert actor is not None
    eq = equipment.add(db.session, load(EquipmentSchema()), actor=actor)
    db.session.commit()
    return jsonify(_view(eq)), 201


@bp.post("/equipment/<int:equipment_id>/calibration")
@api_login_required
def calibrate_equipment(equipment_id: int) -> Any:
    actor = current_person()
    assert actor is not None
    eq = equipment.calibrate(db.session, equipment_id, load(CalibrationSchema()), actor=actor)
    db.session.commit()
    return jsonify(_view(eq))
