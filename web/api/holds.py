"""Holds on permits (fatigue freezes, suspensions), watcher ratings, dynamic thresholds."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine import db
from processes import holds, permits, ratings, thresholds
from processes.errors import NotAllowed

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp, load
from .qualification_schemas import HoldDecision, RatingSchema, ThresholdsUpdate


def _permit(permit_id: int) -> tuple[Any, Any]:
    actor = current_person()
    assert actor is not None
    permit = permits.get(db.session, permit_id)
    if not permits.can_view(actor, permit):
        raise NotAllowed("this permit belongs to another site")
    return actor, permit


@bp.get("/permits/<int:permit_id>/holds")
@api_login_required
def list_holds(permit_id: int) -> Any:
    _, permit = _permit(permit_id)
    return jsonify(items=[holds.view(h) for h in holds.of_permit(db.session, permit)])


@bp.post("/permits/<int:permit_id>/holds/<int:hold_id>/decide")
@api_login_required
def decide_hold(permit_id: int, hold_id: int) -> Any:
    """Release or reject a frozen application (for diagrams without a review task)."""
    actor, permit = _permit(permit_id)
    body = load(HoldDecision())
    hold = holds.decide(db.session, get_engine(), permit, hold_id, actor=actor,
                        decision=body["decision"], comment=body["comment"])
    db.session.commit()
    return jsonify(holds.view(hold))


@bp.post("/permits/<int:permit_id>/watcher-ratings")
@api_login_required
def rate_watcher(permit_id: int) -> Any:
    """After the job: the team leader or safety department rates the watcher 1–5."""
    actor, permit = _permit(permit_id)
    body = load(RatingSchema())
    row = ratings.rate(db.session, permit, actor=actor, rating=body["rating"],
                       comment=body["comment"])
    db.session.commit()
    return jsonify({"id": row.id, "permit_id": row.permit_id, "watcher_id": row.watcher_id,
                    "rating": row.rating, "comment": row.comment}), 201


@bp.get("/settings/thresholds")
@api_login_required
def get_thresholds() -> Any:
    return jsonify(thresholds.current(db.session))


@bp.put("/settings/thresholds")
@api_login_required
def put_thresholds() -> Any:
    """Change fatigue rules, rest time or calibration warning (safety department)."""
    actor = current_person()
    assert actor is not None
    values = thresholds.update(db.session, load(ThresholdsUpdate()), actor=actor)
    db.session.commit()
    return jsonify(values)
