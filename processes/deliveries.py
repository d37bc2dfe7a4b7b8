"""External delivery of notifications: who gets what on which channel, retries, dead letters.

A notification (in-app, ``notifications.record``) fans out into one delivery row per
channel and target, each fed to its channel's job through the outbox. The rows are the
durable state: ``pending`` → ``sending`` (committed *before* the request leaves, with the
outbox receipt) → ``sent``; a failure goes to ``failed`` with a back-off and is re-queued
by the tick until ``max_attempts``, then ``dead``. A row left ``sending`` by a worker that
died mid-request may have arrived, and a duplicate alarm is its own hazard: it is re-sent
only to a receiver known to honour the delivery's idempotency key (the same on every
attempt, so a repeat is recognised there); for any other it becomes ``unknown`` and an
admin decides (dead-letter list).

Channels per role and severity are settings (``supervision.json`` → ``alerts.routes``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import outbox

from . import notifications
from .errors import Conflict, NotFound
from .models import Notification, NotificationDelivery, Person
from .models.delivery import DEAD_STATUSES
from .supervision import settings

CHANNELS = ("wecom", "dingtalk", "sms", "email")


def job_name(channel: str) -> str:
    return f"notify.{channel}"


def alert_settings() -> dict[str, Any]:
    return settings.raw()["alerts"]


def channels_for(roles: list[str], severity: str) -> list[str]:
    routes = alert_settings()["routes"]
    found: list[str] = []
    for role in roles:
        route = routes.get(role) or {}
        for channel in route.get(severity, route.get("info", [])):
            if channel in CHANNELS and channel not in found:
                found.append(channel)
    return found


def targets(session: Session, note: Notification, channel: str, roles: list[str],
            conf: dict[str, Any]) -> list[str]:
    """Where ``channel`` sends this notification, given the configured endpoints."""
    section = conf.get(channel) or {}
    if channel in ("wecom", "dingtalk"):
        hooks = section.get("webhooks") or {}
        named = [f"group:{r}" for r in roles if r in hooks]
        return named or (["group:default"] if section.get("webhook") else [])
    if channel == "sms":
        if not section.get("url"):
            return []
        if note.person_id is not None:
            person = session.get(Person, note.person_id)
            return [person.phone] if person is not None and person.phone else []
        query = select(Person).where(Person.active.is_(True), Person.phone.is_not(None))
        if note.site_code:
            query = query.where((Person.site_code == note.site_code)
                                | Person.site_code.is_(None))
        people = session.execute(query).scalars().all()
        return sorted({p.phone for p in people if p.phone and any(p.has_role(r)
                                                                  for r in roles)})
    if channel == "email":
        if not section.get("host"):
            return []
        to = section.get("to") or {}
        if isinstance(to, list):
            return list(to)
        found = [a for r in roles for a in to.get(r, [])]
        return sorted(set(found or to.get("*", [])))
    return []


def fan_out(session: Session, note: Notification, conf: dict[str, Any],
            now: datetime) -> list[NotificationDelivery]:
    """Delivery rows (and their jobs) for a fresh notification; nothing twice."""
    session.flush()
    if session.execute(select(NotificationDelivery.id).where(
            NotificationDelivery.notification_id == note.id).limit(1)).first() is not None:
        return []
    roles = [note.role] if note.role else []
    if note.person_id is not None and not roles:
        person = session.get(Person, note.person_id)
        roles = list(person.roles or []) if person is not None else []
    rows = []
    for channel in channels_for(roles, note.severity):
        for target in targets(session, note, channel, roles, conf):
            row = NotificationDelivery(notification_id=note.id, channel=channel,
                                       target=target, status="pending", attempts=0,
                                       created_at=now)
            session.add(row)
            session.flush()
            outbox.enqueue(session, job_name(channel), {"delivery_id": row.id}, now=now)
            rows.append(row)
    return rows


def begin_send(session: Session, delivery_id: int, message_id: int, now: datetime
               ) -> NotificationDelivery | None:
    """Claim one attempt: None when it was done, is in flight, or this message was seen."""
    query = select(NotificationDelivery).where(NotificationDelivery.id == delivery_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    if row is None or row.status not in ("pending", "failed"):
        return None
    if not outbox.claim(session, message_id, job_name(row.channel), now=now):
        return None
    row.status, row.sending_at, row.attempts = "sending", now, row.attempts + 1
    return row


def idempotency_key(row: NotificationDelivery) -> str:
    """One key per delivery row, on every attempt: what lets a receiver drop a repeat."""
    return f"permitflow:delivery:{row.id}"


def record_outcome(session: Session, delivery_id: int, now: datetime, *,
                   error: str | None = None, response: str | None = None) -> None:
    """Record what the receiver answered to an attempt that left.

    Also after the sweep has meanwhile given the attempt up (``unknown``) or queued it
    again (``pending``): the answer is better knowledge. A row already ``sent`` by another
    attempt stays as it is.
    """
    row = session.get(NotificationDelivery, delivery_id, populate_existing=True)
    if row is None or row.status not in ("sending", "unknown", "pending"):
        return
    if error is not None and row.status != "sending":
        return  # a later attempt is queued (or an admin decides); this failure adds nothing
    finish_send(row, now, error=error, response=response)


def finish_send(row: NotificationDelivery, now: datetime, *, error: str | None = None,
                response: str | None = None) -> None:
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", now, None
        row.response = (response or "")[:1000]
        return
    conf = alert_settings()
    row.last_error = error[:2000]
    if row.attempts >= conf["max_attempts"]:
        row.status, row.next_attempt_at = "dead", None
        return
    backoff = conf["backoff_seconds"]
    delay = backoff[min(row.attempts - 1, len(backoff) - 1)]
    row.status, row.next_attempt_at = "failed", now + timedelta(seconds=delay)


def sweep(session: Session, now: datetime, limit: int = 200,
          resend: tuple[str, ...] | list[str] = (),
          stale_seconds: float | None = None) -> dict[str, int]:
    """Re-queue failed deliveries that are due; resolve attempts stuck mid-send.

    ``resend`` names the channels whose receivers honour the idempotency key: a stuck
    attempt there is sent again (a repeat is dropped by the receiver); elsewhere it is
    given up as ``unknown``. ``stale_seconds`` overrides the setting for how long an
    attempt may stay ``sending`` (the drills' short timeouts).
    """
    due = session.execute(select(NotificationDelivery).where(
        NotificationDelivery.status == "failed", NotificationDelivery.next_attempt_at <= now)
        .limit(limit)).scalars().all()
    for row in due:
        row.status = "pending"
        outbox.enqueue(session, job_name(row.channel), {"delivery_id": row.id}, now=now)
    stale_before = now - timedelta(seconds=stale_seconds if stale_seconds is not None
                                   else alert_settings()["stale_sending_seconds"])
    stuck = session.execute(select(NotificationDelivery).where(
        NotificationDelivery.status == "sending", NotificationDelivery.sending_at <= stale_before)
        .limit(limit)).scalars().all()
    resent = 0
    max_attempts = alert_settings()["max_attempts"]
    for row in stuck:
        if row.channel in resend and row.attempts < max_attempts:
            row.status, resent = "pending", resent + 1
            row.last_error = ("worker stopped mid-send; sent again with the same idempotency "
                              "key (the receiver drops a repeat)")
            outbox.enqueue(session, job_name(row.channel), {"delivery_id": row.id}, now=now)
            continue
        row.status = "unknown"
        row.last_error = ("worker stopped mid-send: it may or may not have arrived; not re-sent "
                          "automatically to avoid a duplicate alarm")
        note = session.get(Notification, row.notification_id)
        notifications.record(session, message_id=None, kind="delivery.unknown", role="admin",
                             severity="high", site_code=note.site_code if note else None,
                             permit_id=note.permit_id if note else None,
                             title=f"告警投递结果未知 / Alert delivery outcome unknown: "
                                   f"{row.channel} → {row.target}",
                             body=note.title if note else None,
                             data={"delivery_id": row.id})
    return {"requeued": len(due), "resent": resent, "unknown": len(stuck) - resent}


def dead_letters(session: Session, limit: int = 200) -> list[dict[str, Any]]:
    rows = session.execute(select(NotificationDelivery, Notification).join(
        Notification, Notification.id == NotificationDelivery.notification_id).where(
        NotificationDelivery.status.in_(DEAD_STATUSES)).order_by(
        NotificationDelivery.id.desc()).limit(limit)).all()
    return [{"id": d.id, "channel": d.channel, "target": d.target, "status": d.status,
             "attempts": d.attempts, "last_error": d.last_error,
             "created_at": d.created_at.isoformat(),
             "sending_at": d.sending_at.isoformat() if d.sending_at else None,
             "notification": {"id": n.id, "kind": n.kind, "title": n.title,
                              "severity": n.severity, "role": n.role,
                              "permit_id": n.permit_id}} for d, n in rows]


def retry(session: Session, delivery_id: int, *, by: str, now: datetime
          ) -> NotificationDelivery:
    """An admin sends a dead letter again (knowing, for ``unknown``, it may be a repeat)."""
    row = session.get(NotificationDelivery, delivery_id)
    if row is None:
        raise NotFound("delivery", delivery_id)
    if row.status not in DEAD_STATUSES:
        raise Conflict(f"delivery {delivery_id} is {row.status}, not a dead letter")
    row.status, row.attempts, row.resolved_by, row.next_attempt_at = "pending", 0, by, None
    outbox.enqueue(session, job_name(row.channel), {"delivery_id": row.id}, now=now)
    return row


def dead_jobs(session: Session, limit: int = 200) -> list[dict[str, Any]]:
    """Background jobs the outbox relay gave up on (never acknowledged), for the admins."""
    return [{"id": m.id, "actor": m.actor, "attempts": m.attempts, "last_error": m.last_error,
             "created_at": m.created_at.isoformat(),
             "dead_at": m.dead_at.isoformat() if m.dead_at else None,
             "payload": m.payload} for m in outbox.dead_messages(session, limit)]


def retry_job(session: Session, message_id: int, *, now: datetime) -> dict[str, Any]:
    """An admin hands a given-up job over again (jobs are idempotent: a repeat is a no-op)."""
    row = outbox.revive(session, message_id, now=now)
    if row is None:
        if session.get(outbox.OutboxMessage, message_id) is None:
            raise NotFound("job", message_id)
        raise Conflict(f"job {message_id} was not given up")
    return {"id": row.id, "actor": row.actor, "attempts": row.attempts}
