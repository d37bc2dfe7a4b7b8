"""Live-work acts: the confined-space entry/exit log, the watcher leaving, and the audited
override that skips a mandatory step."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine import clock, db
from processes import entries, overrides, permits, withdrawal
from processes.errors import NotAllowed

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp, load
from .permits import detail
from .schemas_work import EntryRequest, SkipRequest, WatcherLeftRequest


@bp.get("/permits/<int:permit_id>/entries")
@api_login_required
def list_entries(permit_id: int) -> Any:
    """The entry/exit log with the head count (who is inside now)."""
    person = current_person()
    permit = permits.get(db.session, permit_id)
    if not permits.can_view(person, permit):  # type: ignore[arg-type]
        raise NotAllowed("this permit belongs to another site")
    return jsonify(entries.log(db.session, permit))


@bp.post("/permits/<int:permit_id>/entries")
@api_login_required
def record_entry(permit_id: int) -> Any:
    """Log one person in or out of the confined space (the watcher, GB 30871 6.8)."""
    person = current_person()
    assert person is not None
    body = load(EntryRequest())
    permit = permits.get(db.session, permit_id)
    entries.record(db.session, permit, person_id=body["person"], direction=body["direction"],
                   by=person, now=clock.now(), note=body["note"])
    db.session.commit()
    return jsonify(entries.log(db.session, permit)), 201


@bp.post("/permits/<int:permit_id>/watcher-left")
@api_login_required
def watcher_left(permit_id: int) -> Any:
    """The watcher left: the permit is withdrawn and work stops (GB 30871 4.10)."""
    person = current_person()
    assert person is not None
    body = load(WatcherLeftRequest())
    permit = permits.get(db.session, permit_id)
    withdrawal.watcher_left(db.session, get_engine(), permit, by=person, reason=body["reason"])
    db.session.commit()
    return jsonify(detail(permit))


@bp.post("/permits/<int:permit_id>/tasks/<step>/skip")
@api_login_required
def skip_task(permit_id: int, step: str) -> Any:
    """Skip a mandatory step with a reason (safety department, safety director); audited,
    and counted as missing in the compliance rate."""
    person = current_person()
    assert person is not None
    body = load(SkipRequest())
    permit = permits.get(db.session, permit_id)
    overrides.skip(db.session, get_engine(), permit, step, by=person, reason=body["reason"],
                   expected_revision=body["revision"])
    db.session.commit()
    return jsonify(detail(permit))
