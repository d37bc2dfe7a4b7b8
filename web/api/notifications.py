"""Alert deliveries that gave up: the dead-letter list, for admins to see and re-send."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine import clock, db
from processes import deliveries
from processes.errors import NotAllowed
from processes.models import Person

from ..auth import api_login_required, current_person
from . import bp


def _admin() -> Person:
    person = current_person()
    assert person is not None
    if not person.has_role("admin"):
        raise NotAllowed("only admins see undelivered alerts")
    return person


@bp.get("/notifications/dead-letters")
@api_login_required
def dead_letters() -> Any:
    """Deliveries that failed every attempt, or whose outcome is unknown (worker stopped);
    ``jobs``: background jobs the outbox gave up on after too many unacknowledged tries."""
    _admin()
    return jsonify(items=deliveries.dead_letters(db.session),
                   jobs=deliveries.dead_jobs(db.session))


@bp.post("/notifications/dead-letters/<int:delivery_id>/retry")
@api_login_required
def retry_dead_letter(delivery_id: int) -> Any:
    person = _admin()
    row = deliveries.retry(db.session, delivery_id, by=person.username or str(person.id),
                           now=clock.now())
    db.session.commit()
    return jsonify(id=row.id, status=row.status, channel=row.channel, target=row.target)


@bp.post("/notifications/dead-jobs/<int:message_id>/retry")
@api_login_required
def retry_dead_job(message_id: int) -> Any:
    _admin()
    job = deliveries.retry_job(db.session, message_id, now=clock.now())
    db.session.commit()
    return jsonify(job)


OPENAPI = [
    ("get", "/notifications/dead-letters", "Undelivered alerts (admins)", None, None,
     "operations"),
    ("post", "/notifications/dead-letters/{delivery_id}/retry", "Send a dead letter again "
     "(admins)", None, None, "operations"),
    ("post", "/notifications/dead-jobs/{message_id}/retry", "Hand a given-up background job "
     "over again (admins)", None, None, "operations"),
]
