"""The watcher leaving withdraws the permit (GB 30871 4.10).

The watcher (or the team leader) reports it; the permit's process catches the
``watcher_left`` message on its work step, suspends the permit, starts a break and alerts
the team leader. A process that does not catch the message (an older diagram) has its work
cancelled instead: the permit is withdrawn for good and a new one is needed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine import Engine, TaskNotReady, clock, outbox

from . import linked, permits, scope
from .errors import Conflict, NotAllowed
from .models import Permit, Person

WITHDRAWN = "监护人离开，作业票收回 / watcher left: permit withdrawn"


def may_report(person: Person, permit: Permit) -> bool:
    if person.id == permit.watcher_id:
        return True
    return person.has_role("team_leader") and scope.covers_site(
        person, permit.site_code, roles=["team_leader"])


def watcher_left(session: Session, engine: Engine, permit: Permit, *, by: Person,
                 reason: str | None = None) -> Permit:
    if not may_report(by, permit):
        raise NotAllowed("only the permit's watcher or a team leader reports this")
    if permit.status != "active" or permit.instance_id is None:
        raise Conflict(f"作业票{linked.STATUS_ZH.get(permit.status, permit.status)}，不在作业中 / "
                       f"a {permit.status} permit has no live work to withdraw")
    why = (reason or "").strip() or "监护人离开现场"
    try:
        engine.send_message(session, permit.instance_id, "watcher_left",
                            {"reason": why, "by": by.username}, actor=by.username)
    except TaskNotReady:
        engine.cancel(session, permit.instance_id, actor=by.username,
                      reason=f"{WITHDRAWN}: {why}")
        permits.set_status(permit, "cancelled", f"{WITHDRAWN}: {why}")
        outbox.enqueue(session, "notify.send", {
            "kind": "permit.watcher_left", "role": "team_leader", "site_code": permit.site_code,
            "severity": "high", "permit_id": permit.id,
            "title": f"监护人离开，作业票已收回 / Watcher left, permit withdrawn: "
                     f"{permit.number}", "body": f"{why}。须重新办理作业票"}, now=clock.now())
        linked.announce_end(session, permit, now=clock.now())
    session.flush()
    return permit
