"""Live work: pause, resume (re-test enforced), and crew-initiated gas re-tests."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine import clock, db
from processes import permits, worklog

from ..auth import api_login_required, current_person
from . import bp, load
from .permits import detail
from .schemas import GasRetest, PauseRequest


@bp.post("/permits/<int:permit_id>/work/pause")
@api_login_required
def pause(permit_id: int) -> Any:
    person = current_person()
    assert person is not None
    body = load(PauseRequest())
    permit = permits.get(db.session, permit_id)
    worklog.pause(db.session, permit, by=person, now=clock.now(), reason=body["reason"])
    db.session.commit()
    return jsonify(detail(permit))


@bp.post("/permits/<int:permit_id>/work/resume")
@api_login_required
def resume(permit_id: int) -> Any:
    person = current_person()
    assert person is not None
    permit = permits.get(db.session, permit_id)
    worklog.resume(db.session, permit, by=person, now=clock.now())
    db.session.commit()
    return jsonify(detail(permit))


@bp.post("/permits/<int:permit_id>/gas-readings")
@api_login_required
def retest(permit_id: int) -> Any:
    person = current_person()
    assert person is not None
    body = load(GasRetest())
    permit = permits.get(db.session, permit_id)
    worklog.record_retest(db.session, permit, body, by=person, now=clock.now())
    db.session.commit()
    return jsonify(detail(permit)), 201
