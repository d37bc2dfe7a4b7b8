"""Transactional outbox: jobs are rows first, broker messages second.

A state change and the jobs it causes commit together. A relay hands pending rows to the
broker afterwards; if the broker (Redis) is down the rows simply wait, and a crash between
commit and dispatch only delays delivery. Delivery is at-least-once, so job effects guard
themselves with :func:`claim` receipts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import OutboxMessage, ProcessedMessage

MAX_BACKOFF = timedelta(minutes=10)


def enqueue(session: Session, actor: str, payload: dict[str, Any], *, now: datetime,
            queue: str = "default", delay_seconds: float = 0) -> OutboxMessage:
    message = OutboxMessage(actor=actor, queue=queue, payload=payload, created_at=now,
                            available_at=now + timedelta(seconds=delay_seconds), attempts=0)
    session.add(message)
    return message


@dataclass
class RelayResult:
    sent: int = 0
    failed: int = 0
    pending: int = 0


def relay(session: Session, send: Callable[[OutboxMessage], None], *, now: datetime,
          limit: int = 200) -> RelayResult:
    """Send due rows through ``send``; commit what was sent. Safe to run from many workers."""
    query = (select(OutboxMessage)
             .where(OutboxMessage.sent_at.is_(None), OutboxMessage.available_at <= now)
             .order_by(OutboxMessage.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    result = RelayResult()
    for message in session.execute(query).scalars().all():
        message.attempts += 1
        try:
            send(message)
        except Exception as exc:  # broker down or refusing: keep the row, back off
            result.failed += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            backoff = min(timedelta(seconds=2 ** min(message.attempts, 12)), MAX_BACKOFF)
            message.available_at = now + backoff
            break  # the broker is unlikely to accept the next one either
        else:
            message.sent_at = now
            message.last_error = None
            result.sent += 1
    session.commit()
    result.pending = pending_count(session)
    return result


def pending_count(session: Session) -> int:
    from sqlalchemy import func

    return session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    ).scalar_one()


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
