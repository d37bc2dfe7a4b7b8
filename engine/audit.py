"""The hash-chained audit log.

Each event's hash covers its content and the previous event's hash, so editing or deleting
any row breaks every later link; ``permitflow audit verify`` walks the chain. Appends are
serialised (an advisory lock on PostgreSQL, the write lock on SQLite) so two concurrent
transactions can never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x5045524D  # "PERM"


def _canonical(event: AuditEvent | dict[str, Any]) -> str:
    get = (lambda k: getattr(event, k)) if isinstance(event, AuditEvent) else event.get
    at = get("at")
    body = {
        "at": at.isoformat() if isinstance(at, datetime) else at,
        "actor": get("actor"),
        "action": get("action"),
        "instance_id": get("instance_id"),
        "process_key": get("process_key"),
        "process_version": get("process_version"),
        "data": get("data"),
        "prev_hash": get("prev_hash"),
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def compute_hash(event: AuditEvent | dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(event).encode()).hexdigest()


def append(session: Session, *, action: str, at: datetime, actor: str | None = None,
           instance_id: int | None = None, process_key: str | None = None,
           process_version: int | None = None, data: dict[str, Any] | None = None) -> AuditEvent:
    """Add one event to the chain inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    # Events are flushed as they are appended, so the newest row (ours or committed) is
    # the previous link.
    prev = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar() or GENESIS
    # Round-trip the data through JSON so what is hashed is exactly what is stored.
    clean = json.loads(json.dumps(data or {}, default=str, ensure_ascii=False))
    at = at.astimezone(UTC)  # hashed exactly as stored and read back
    event = AuditEvent(at=at, actor=actor, action=action, instance_id=instance_id,
                       process_key=process_key, process_version=process_version,
                       data=clean, prev_hash=prev)
    event.hash = compute_hash(event)
    session.add(event)
    session.flush()
    return event


@dataclass
class VerifyResult:
    checked: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify(session: Session, batch: int = 5000) -> VerifyResult:
    """Walk the chain in id order; report the first event whose link or content is wrong."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not rows:
            return VerifyResult(checked)
        for event in rows:
            if event.prev_hash != prev:
                return VerifyResult(checked, event.id, "link to previous event does not match "
                                                       "(an earlier event was removed or edited)")
            if compute_hash(event) != event.hash:
                return VerifyResult(checked, event.id, "content does not match its hash (edited)")
            prev = event.hash
            checked += 1
            last_id = event.id
        session.expunge_all()
