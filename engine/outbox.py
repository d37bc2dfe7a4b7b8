"""Transactional outbox: jobs are rows first, broker messages second.

A state change and the jobs it causes commit together. A relay hands due rows to the
broker afterwards; if the broker (Redis) is down the rows simply wait, and a crash between
commit and dispatch only delays delivery.

Handing a row over is not the end of it: Redis without persistence forgets its queues when
it restarts, and a worker killed mid-job loses what it held. So a row stays *unacknowledged*
until its job has finished and said so in the database, in the same transaction as the
job's effects (:func:`begin` / :func:`ack`). The relay hands over again what was not
acknowledged within ``ack_timeout`` (with a growing back-off), and after ``max_attempts``
hand-overs gives up: the row is marked dead and the caller tells an admin. Redelivery is
therefore normal, and :func:`begin` turns a duplicate into a no-op (the row is locked while
its job runs on PostgreSQL, and an acknowledged row is never run again); jobs that commit
part-way still guard their side effects with :func:`claim` receipts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import OutboxMessage, ProcessedMessage

__all__ = ["OutboxMessage", "ack", "begin", "claim", "dead_messages", "enqueue", "relay",
           "revive"]

MAX_BACKOFF = timedelta(minutes=10)
#: how long a handed-over row may stay unacknowledged before it is handed over again
ACK_TIMEOUT = timedelta(seconds=90)
#: hand-overs without an acknowledgement before the relay gives up on a row
MAX_ATTEMPTS = 8


def enqueue(session: Session, actor: str, payload: dict[str, Any], *, now: datetime,
            queue: str = "default", delay_seconds: float = 0) -> OutboxMessage:
    message = OutboxMessage(actor=actor, queue=queue, payload=payload, created_at=now,
                            available_at=now + timedelta(seconds=delay_seconds), attempts=0,
                            send_failures=0)
    session.add(message)
    return message


@dataclass
class RelayResult:
    sent: int = 0
    resent: int = 0
    failed: int = 0
    pending: int = 0
    #: rows given up on in this pass (the caller raises an incident for each)
    dead: list[OutboxMessage] = field(default_factory=list)


def _resend_backoff(ack_timeout: timedelta, attempts: int) -> timedelta:
    """The wait for an acknowledgement doubles with each hand-over (a slow job is not
    flooded with copies), capped at :data:`MAX_BACKOFF` unless the timeout itself is longer."""
    return max(ack_timeout, min(ack_timeout * 2 ** max(attempts - 1, 0), MAX_BACKOFF))


def relay(session: Session, send: Callable[[OutboxMessage], None], *, now: datetime,
          limit: int = 200, ack_timeout: timedelta = ACK_TIMEOUT,
          max_attempts: int = MAX_ATTEMPTS,
          on_dead: Callable[[OutboxMessage], None] | None = None) -> RelayResult:
    """Hand due rows to ``send`` and commit. Safe to run from many workers.

    A row is due when it is unacknowledged, not dead, and its ``available_at`` has come:
    first at creation (or its delay), then each time an acknowledgement is overdue.
    ``on_dead`` runs in the same transaction as a row is given up (the admins' notice
    commits with it, or neither does).
    """
    query = (select(OutboxMessage)
             .where(OutboxMessage.acked_at.is_(None), OutboxMessage.dead_at.is_(None),
                    OutboxMessage.available_at <= now)
             .order_by(OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        # rows whose job is running right now are locked by it (see begin): skipped
        query = query.with_for_update(skip_locked=True)
    result = RelayResult()
    for message in session.execute(query).scalars().all():
        if message.attempts >= max_attempts:
            message.dead_at = now
            message.last_error = (f"no acknowledgement after {message.attempts} hand-overs"
                                  + (f"; last: {message.last_error}" if message.last_error
                                     else ""))[:2000]
            result.dead.append(message)
            if on_dead is not None:
                on_dead(message)
            continue
        try:
            send(message)
        except Exception as exc:  # broker down or refusing: keep the row, back off
            result.failed += 1
            message.send_failures = (message.send_failures or 0) + 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.available_at = now + min(timedelta(seconds=2 ** min(message.send_failures,
                                                                        12)), MAX_BACKOFF)
            break  # the broker is unlikely to accept the next one either
        if message.sent_at is None:
            result.sent += 1
        else:
            result.resent += 1
        message.attempts += 1
        message.sent_at, message.send_failures = now, 0
        message.available_at = now + _resend_backoff(ack_timeout, message.attempts)
    session.commit()
    result.pending = pending_count(session)
    return result


def pending_count(session: Session) -> int:
    """Rows whose job has not finished yet (neither acknowledged nor given up on)."""
    return session.execute(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.acked_at.is_(None), OutboxMessage.dead_at.is_(None))
    ).scalar_one()


def begin(session: Session, message_id: int) -> bool:
    """Start the job of ``message_id``: False when it is already done (a redelivery).

    On PostgreSQL the row stays locked until the job's transaction ends, so a second copy
    delivered meanwhile waits and then sees the acknowledgement, and the relay skips it.
    A row that does not exist (purged, or a message sent by hand) runs unguarded.
    """
    query = select(OutboxMessage).where(OutboxMessage.id == message_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.execute(query).scalar_one_or_none()
    return row is None or row.acked_at is None


def ack(session: Session, message_id: int, *, now: datetime) -> None:
    """Acknowledge in the caller's transaction: the job's effects and the ack commit together."""
    row = session.get(OutboxMessage, message_id)
    if row is not None and row.acked_at is None:
        row.acked_at = now
        row.last_error = None


def claim(session: Session, message_id: int, actor: str, *, now: datetime) -> bool:
    """Record that ``message_id`` was processed; False if it already was (a redelivery)."""
    if session.get(ProcessedMessage, message_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedMessage(message_id=message_id, actor=actor, processed_at=now))
    except IntegrityError:
        return False
    return True


def dead_messages(session: Session, limit: int = 200) -> list[OutboxMessage]:
    """Jobs the relay gave up on, newest first (for the admins' dead-letter view)."""
    return list(session.execute(select(OutboxMessage).where(OutboxMessage.dead_at.is_not(None))
                                .order_by(OutboxMessage.id.desc()).limit(limit)).scalars())


def revive(session: Session, message_id: int, *, now: datetime) -> OutboxMessage | None:
    """Hand a dead job over again from scratch (an admin's decision)."""
    row = session.get(OutboxMessage, message_id)
    if row is None or row.dead_at is None:
        return None
    row.dead_at, row.attempts, row.available_at = None, 0, now
    return row
