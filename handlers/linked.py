"""The ``permit.ended`` job: a temporary supply ends with the job it serves (GB 30871 10.8).

When a hot-work or confined-space permit closes, expires or is cancelled, each live
temporary-power permit serving it ends too: a live one gets the ``served_permit_ended``
message (its process expires it and asks for the close-out), one not yet live is cancelled.
At-least-once delivery is made harmless by a receipt and by skipping permits already over.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from engine import Engine, TaskNotReady, clock, outbox
from processes import linked, permits

log = logging.getLogger(__name__)


def _engine() -> Engine:
    return current_app.extensions["permitflow"]["engine"]


def end_dependents(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    now = clock.now()
    if not outbox.claim(session, message_id, "permit.ended", now=now):
        return
    engine = _engine()
    reason = (f"所服务的作业票 {payload['number']} 已结束（{payload.get('status')}），临时用电随之"
              f"终止 / the served permit {payload['number']} ended")
    for permit_id in payload.get("dependents", []):
        permit = permits.get(session, permit_id)
        if permit.status in linked.ENDED or permit.instance_id is None:
            continue
        if permit.status == "active":
            try:
                engine.send_message(session, permit.instance_id, "served_permit_ended",
                                    {"number": payload["number"], "reason": reason},
                                    actor="system")
                continue
            except TaskNotReady:
                log.info("permit %s not waiting for served_permit_ended", permit.number)
        engine.cancel(session, permit.instance_id, actor="system", reason=reason)
        permits.set_status(permit, "cancelled", reason)


JOBS = {"permit.ended": end_dependents}
