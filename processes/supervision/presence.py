"""The watch over live work: re-confirmations, suspension, resumption, handover.

GB 30871 §4.10: every job has a watcher, and when the watcher leaves the permit is
withdrawn. Here the watcher proves presence at arrival, then again every
``reconfirm_minutes`` of the permit type and after every gas re-test; a missed proof (past
the grace period) or a fix outside the fence suspends the work step through the BPMN
message ``watcher_absent``; only a fresh sign-in (by the watcher or a signed-in substitute)
resumes it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Engine, TaskNotReady, audit, outbox

from .. import certificates, roster
from ..errors import Conflict, NotAllowed, ValidationFailed
from ..models import Permit, Person, SignIn, Watch, WatcherHandover
from . import consent, settings

#: user tasks a sign-in completes, and the purpose of that sign-in (``watcher_return`` is the
#: return step of the diagrams made by bpmn/tools/permitkit/watched_work.py)
SIGN_IN_STEPS = {"watcher_sign_in": "arrival", "watcher_resume": "resume",
                 "watcher_return": "resume"}
RESUME_STEPS = ("watcher_resume", "watcher_return")
ABSENT_MESSAGE = "watcher_absent"
#: what the watched-work diagrams catch on their work step (processes/withdrawal.py)
LEFT_MESSAGE = "watcher_left"
HANDOVER_SALT = "permitflow.supervision.handover"
REASON_TEXT = {
    "missed_reconfirmation": "监护人未按时复核在岗 / the watcher missed the presence check",
    "outside_fence": "监护人定位在作业点围栏外 / the watcher's fix is outside the fence",
}


def record(session: Session, permit: Permit, action: str, actor: str | None,
           data: dict[str, Any], now: datetime) -> None:
    """An audit event on the permit's own process history."""
    instance = permit.instance
    audit.append(session, action=action, at=now, actor=actor,
                 instance_id=permit.instance_id,
                 process_key=instance.process_key if instance else permit.type,
                 process_version=instance.definition.version if instance else None,
                 data={"permit_id": permit.id, **data})


def check_plain_sign_in(permit: Permit) -> None:
    """Refuse a click-through sign-in where the plant demands QR/GPS/face proof."""
    profile = settings.of_permit(permit)
    if profile.method != "confirmation":
        raise ValidationFailed({"present": [
            "此类作业须在作业点扫码、定位并完成人脸动作签到 / this permit type needs a sign-in "
            "at the work point: scan the QR code (POST /api/v1/permits/{id}/sign-ins)"]},
            code="sign_in_proof_required")


def get_watch(session: Session, permit: Permit) -> Watch | None:
    return session.get(Watch, permit.id)


def start_watch(session: Session, permit: Permit, person: Person, now: datetime) -> Watch:
    """The watcher is (back) on site: the next re-confirmation is due an interval later."""
    profile = settings.of_permit(permit)
    watch = get_watch(session, permit) or Watch(permit_id=permit.id, started_at=now)
    watch.watcher_id = person.id
    watch.status = "watching"
    watch.last_confirmed_at = now
    watch.due_at = (now + timedelta(minutes=profile.reconfirm_minutes)
                    if profile.reconfirm_minutes else None)
    watch.due_reason = "interval" if watch.due_at else None
    watch.suspended_at = watch.suspended_reason = None
    watch.updated_at = now
    session.add(watch)
    session.flush()
    return watch


def record_task_sign_in(session: Session, permit: Permit, person: Person, step: str,
                        data: dict[str, Any], position: dict[str, float] | None,
                        now: datetime, sign_in: SignIn | None) -> SignIn:
    """Evidence of a completed sign-in step; a plain confirmation makes its own record."""
    if sign_in is None:
        if position and consent.active(session, person) is None:
            # a plain confirmation needs no consent, so it keeps no position without one
            position = None
        sign_in = SignIn(permit_id=permit.id, person_id=person.id, method="confirmation",
                         purpose=SIGN_IN_STEPS[step], status="accepted",
                         accepted=bool(data.get("present")), comment=data.get("comment"),
                         lat=(position or {}).get("lat"), lon=(position or {}).get("lon"),
                         signed_at=now, decided_at=now, details={}, prompts=[], frames=[])
        session.add(sign_in)
    start_watch(session, permit, person, now)
    return sign_in


def request_reconfirmation(session: Session, permit: Permit, now: datetime,
                           reason: str) -> Watch | None:
    """Ask the watcher to prove presence now (after a gas re-test, when the type says so)."""
    watch = get_watch(session, permit)
    if watch is None or watch.status != "watching":
        return None
    if reason == "gas_retest" and not settings.of_permit(permit).reconfirm_on_gas_retest:
        return None
    if watch.due_at is None or watch.due_at > now:
        watch.due_at, watch.due_reason, watch.updated_at = now, reason, now
    return watch


def confirmed(session: Session, permit: Permit, person: Person, now: datetime) -> Watch:
    """An accepted re-confirmation: the clock starts again."""
    return start_watch(session, permit, person, now)


def overdue(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Permits whose watcher is past due (with the grace of their profile)."""
    rows = session.execute(select(Watch).where(Watch.status == "watching",
                                               Watch.due_at.is_not(None), Watch.due_at <= now)
                           .order_by(Watch.due_at).limit(limit)).scalars().all()
    out = []
    for watch in rows:
        permit = session.get(Permit, watch.permit_id)
        if permit is None:
            continue
        grace = timedelta(minutes=settings.of_permit(permit).reconfirm_grace_minutes)
        if watch.due_at + grace <= now:  # type: ignore[operator]
            out.append(permit.id)
    return out


def suspend(session: Session, engine: Engine, permit: Permit, reason: str,
            now: datetime, actor: str = "presence") -> bool:
    """Send ``watcher_absent`` to the permit's process; False when work is not running."""
    watch = get_watch(session, permit)
    if permit.status != "active" or permit.instance_id is None:
        if watch is not None and permit.status not in ("active", "suspended"):
            watch.status, watch.due_at, watch.updated_at = "ended", None, now
        return False
    if watch is not None:
        watch.suspended_reason = reason
    for message in (ABSENT_MESSAGE, LEFT_MESSAGE):
        try:
            engine.send_message(session, permit.instance_id, message,
                                {"reason": REASON_TEXT.get(reason, reason), "by": actor,
                                 "at": now.isoformat()}, actor=actor)
        except TaskNotReady:
            continue
        if message == LEFT_MESSAGE:  # that diagram's own operator marks the permit
            on_suspended(session, permit, now)
        return True
    if watch is not None:  # work is not running (e.g. already suspended): stop asking
        watch.due_at, watch.updated_at = None, now
    return False


def on_suspended(session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
    """The process reached ``watch.suspend``: mark the permit and say why (to be alerted)."""
    watch = get_watch(session, permit)
    reason = (watch.suspended_reason if watch else None) or "missed_reconfirmation"
    if watch is not None:
        watch.status, watch.suspended_at, watch.due_at = "suspended", now, None
        watch.updated_at = now
    permit.status, permit.status_reason, permit.updated_at = \
        "suspended", REASON_TEXT.get(reason, reason), now
    return {"reason": reason, "text": REASON_TEXT.get(reason, reason)}


def on_resumed(session: Session, permit: Permit, now: datetime) -> None:
    permit.status, permit.status_reason, permit.updated_at = "active", None, now


# -- handover ----------------------------------------------------------------------------
def pending_handover(session: Session, permit: Permit) -> WatcherHandover | None:
    return session.execute(select(WatcherHandover).where(
        WatcherHandover.permit_id == permit.id, WatcherHandover.status == "pending")
        .order_by(WatcherHandover.id.desc()).limit(1)).scalar_one_or_none()


def request_handover(session: Session, permit: Permit, *, by: Person, to: Person,
                     reason: str, secret: str, now: datetime) -> WatcherHandover:
    """The watcher (or the team leader, when the watcher is gone) names a substitute.

    The request is signed by the server over who, whom, when and why; the substitute takes
    over only with their own accepted sign-in at the work point.
    """
    if by.id != permit.watcher_id and not by.has_role("team_leader", "safety_dept",
                                                      "safety_director", "admin"):
        raise NotAllowed("only the watcher or the team leader may hand the watch over")
    if permit.status not in ("approved", "active", "suspended"):
        raise Conflict(f"a {permit.status} permit has no watch to hand over")
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = ["说明交接原因 / say why the watch is handed over"]
    if to.id == permit.watcher_id:
        errors["to"] = ["已是本作业监护人 / already the watcher of this permit"]
    elif to.id == permit.applicant_id or to.id in permit.worker_ids:
        errors["to"] = ["作业人员不得兼任监护人 / a worker on this job cannot watch it"]
    elif not to.active:
        errors["to"] = ["this person is not active"]
    else:
        problems = certificates.check_person(to, permit_type=permit.type, role="watcher",
                                             grade=permit.grade, today=_today(session, permit,
                                                                              now))
        if problems:
            errors["to"] = [p["message"] for p in problems]
    if errors:
        raise ValidationFailed(errors, code="handover_invalid")
    if pending_handover(session, permit) is not None:
        raise Conflict("a handover is already waiting for the substitute's sign-in")
    body = {"permit": permit.id, "from": permit.watcher_id, "to": to.id, "by": by.id,
            "at": now.isoformat(), "reason": hashlib.sha256(reason.encode()).hexdigest()[:16]}
    signature = URLSafeSerializer(secret, salt=HANDOVER_SALT).dumps(body).rsplit(".", 1)[-1]
    handover = WatcherHandover(permit_id=permit.id, from_person_id=permit.watcher_id,
                               to_person_id=to.id, requested_by=by.id, requested_at=now,
                               reason=reason, status="pending", signature=signature)
    session.add(handover)
    session.flush()
    record(session, permit, "watcher.handover_requested", by.username,
           {"handover_id": handover.id, **body, "reason_text": reason,
            "signature": signature}, now)
    outbox.enqueue(session, "notify.send", {
        "kind": "watcher.handover", "person_id": to.id, "permit_id": permit.id,
        "severity": "high", "title": f"请到现场接班监护 / Take over as watcher: {permit.number}",
        "body": f"{reason}。到作业点扫码签到后完成交接 / scan the QR code at the work point "
                f"to take over"}, now=now)
    return handover


def _today(session: Session, permit: Permit, now: datetime) -> Any:
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(roster.timezone_of(session, permit.site_code))).date()


def verify_handover(handover: WatcherHandover, secret: str) -> bool:
    body = {"permit": handover.permit_id, "from": handover.from_person_id,
            "to": handover.to_person_id, "by": handover.requested_by,
            "at": handover.requested_at.isoformat(),
            "reason": hashlib.sha256(handover.reason.encode()).hexdigest()[:16]}
    expected = URLSafeSerializer(secret, salt=HANDOVER_SALT).dumps(body).rsplit(".", 1)[-1]
    return expected == handover.signature


def complete_handover(session: Session, permit: Permit, handover: WatcherHandover,
                      sign_in: SignIn, substitute: Person, now: datetime) -> None:
    """The substitute signed in: from now on they are the permit's watcher."""
    handover.status, handover.sign_in_id, handover.completed_at = "completed", sign_in.id, now
    previous = permit.watcher_id
    permit.watcher_id, permit.updated_at = substitute.id, now
    session.flush()
    watch = get_watch(session, permit)
    if watch is not None and watch.status == "watching":
        start_watch(session, permit, substitute, now)
    elif watch is not None:  # suspended: completing watcher_resume restarts the watch
        watch.watcher_id, watch.updated_at = substitute.id, now
    record(session, permit, "watcher.handed_over", substitute.username,
           {"handover_id": handover.id, "from": previous, "to": substitute.id,
            "sign_in_id": sign_in.id}, now)
