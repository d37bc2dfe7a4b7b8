"""Answers kept under a client's Idempotency-Key, so that a retried write is not done twice.

A phone on a plant's Wi-Fi often loses the answer to a write that did commit; sending the
write again would then complete the next task or apply a second time, or meet a 409. With
a key, the first attempt claims the key row *in the step's own transaction* and stores
its answer there: the retry finds the row and gets the same answer back, and a retry
racing the first attempt waits for it on the row's primary key. An attempt that fails
rolls back its claim with everything else, so it may simply be tried again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import db
from .models import UtcDateTime


class IdempotencyKey(db.Model):
    __tablename__ = "engine_idempotency_key"

    #: whose key it is (a person); keys of different people never meet
    owner: Mapped[str] = mapped_column(String(120), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    #: "POST /api/v1/permits": the same key on another operation is a client error
    request: Mapped[str] = mapped_column(String(300))
    #: sha256 of the request (method, path, query, canonical body)
    request_hash: Mapped[str] = mapped_column(String(64))
    #: the answer; 0 and NULL while the first attempt runs (never seen committed)
    status: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


def find(session: Session, owner: str, key: str, *, since: datetime) -> IdempotencyKey | None:
    """The stored answer under ``key``, unless it is older than ``since`` (expired)."""
    row = session.execute(select(IdempotencyKey).where(
        IdempotencyKey.owner == owner, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)).scalar_one_or_none()
    return row if row is not None and row.created_at >= since else None


def claim(session: Session, owner: str, key: str, *, request: str, request_hash: str,
          now: datetime, since: datetime) -> IdempotencyKey:
    """Insert the key row now (flushed): a concurrent attempt with the key waits on it.

    Raises ``IntegrityError`` when another attempt holds the key; the caller rolls back
    and replays that one's answer. An expired row under the key is replaced.
    """
    session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.owner == owner, IdempotencyKey.key == key,
        IdempotencyKey.created_at < since))
    row = IdempotencyKey(owner=owner, key=key, request=request, request_hash=request_hash,
                         status=0, created_at=now)
    session.add(row)
    session.flush()
    return row


def purge(session: Session, *, before: datetime) -> int:
    """Forget answers older than ``before`` (the tick calls this)."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < before))
    return result.rowcount or 0  # type: ignore[attr-defined]
