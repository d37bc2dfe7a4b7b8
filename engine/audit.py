"""The hash-chained audit log.

Each event's hash covers its content and the previous event's hash, so editing or deleting
any row breaks every later link; ``permitflow audit verify`` walks the chain. Events are
chained at commit time under a lock (an advisory lock on PostgreSQL, the write lock on
SQLite) so two concurrent transactions can never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select, text
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


_PENDING = "permitflow_audit_pending"


def append(session: Session, *, action: str, at: datetime, actor: str | None = None,
           instance_id: int | None = None, process_key: str | None = None,
           process_version: int | None = None, data: dict[str, Any] | None = None) -> None:
    """Add one event to the chain, as part of the caller's transaction.

    Events wait in the session until it commits; only then are they chained and written
    (see :func:`_write_pending`). Taking the chain's lock at the very end keeps it held for
    the commit alone, not for the whole step, so concurrent permits do not queue behind it.
    """
    # Round-trip the data through JSON so what is hashed is exactly what is stored.
    clean = json.loads(json.dumps(data or {}, default=str, ensure_ascii=False))
    session.info.setdefault(_PENDING, []).append({
        "at": at.astimezone(UTC), "actor": actor, "action": action,
        "instance_id": instance_id, "process_key": process_key,
        "process_version": process_version, "data": clean})


def pending(session: Session) -> list[dict[str, Any]]:
    """Events appended in this transaction and not yet written."""
    return list(session.info.get(_PENDING, []))


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A nested transaction whose audit events go with it when it rolls back.

    Pending events live in the session, not in the database, so a plain savepoint rollback
    would keep the events of work that never happened (a step refused half-way through a
    batch). Use this wherever one transaction holds several independent attempts.
    """
    pending_events = session.info.setdefault(_PENDING, [])
    mark = len(pending_events)
    nested = session.begin_nested()
    try:
        yield
    except BaseException:
        nested.rollback()
        del session.info.setdefault(_PENDING, [])[mark:]
        raise
    nested.commit()


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    events = session.info.pop(_PENDING, None)
    if not events:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    prev = session.execute(
        select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).scalar() or GENESIS
    rows = []
    for fields in events:
        row = {**fields, "prev_hash": prev}
        row["hash"] = prev = compute_hash(row)
        rows.append(row)
    # One executemany (a single multi-row INSERT on PostgreSQL) instead of an ORM object
    # and an INSERT per event: a step writes several events and nothing reads them back.
    session.execute(insert(AuditEvent), rows)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop(_PENDING, None)


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
        for row in rows:
            if row.prev_hash != prev:
                return VerifyResult(checked, row.id, "link to previous row does not match "
                                                       "(an earlier row was removed or edited)")
            if compute_hash(row) != row.hash:
                return VerifyResult(checked, row.id, "content does not match its hash (edited)")
            prev = row.hash
            checked += 1
            last_id = row.id
        session.expunge_all()
