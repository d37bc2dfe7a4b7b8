"""Row locks in one order: the workflow instance first, then its task rows.

Every step on an instance (complete, skip, cancel, a timer, an incident retry, a migration,
a message, a claim) takes ``SELECT … FOR UPDATE`` on the instance row before it reads or
writes anything else of that instance. Steps on one instance then queue behind each other
instead of deadlocking on task rows taken in different orders, and the one that waited
reads what the winner committed (a cancelled instance, a completed task) and refuses
cleanly. SQLite has no row locks; it serialises writers, and the version column turns a
write based on an old read into :class:`StaleInstance` at flush.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, undefer

from .conflicts import as_stale
from .errors import InstanceNotFound
from .models import ProcessInstance

_LOCKED = "engine.locked_instances"


def row_locks(session: Session) -> bool:
    """PostgreSQL locks rows; SQLite serialises whole writers instead."""
    return session.get_bind().dialect.name == "postgresql"


def is_locked(session: Session, instance_id: int) -> bool:
    """Whether this transaction already holds the instance's lock."""
    return instance_id in session.info.get(_LOCKED, ())


def lock_instance(session: Session, instance_id: int, *, skip_locked: bool = False
                  ) -> ProcessInstance | None:
    """The instance, locked for this transaction and read afresh (with its state).

    Locking again in the same transaction costs nothing and keeps the loaded row as it is
    (it cannot have changed under our lock). Without autoflush: the caller's pending
    changes must not take row locks before this one. With ``skip_locked`` an instance some
    other transaction holds gives None instead of waiting (a ticker moves on).
    """
    # the rows themselves, not their ids: the identity map holds rows weakly, and a row
    # dropped by its caller would otherwise be read again (and its state with it)
    locked: dict[int, ProcessInstance] = session.info.setdefault(_LOCKED, {})
    if instance_id in locked:
        return locked[instance_id]
    query = (select(ProcessInstance).options(undefer(ProcessInstance.state))
             .where(ProcessInstance.id == instance_id)
             .execution_options(populate_existing=True))
    if row_locks(session):
        query = query.with_for_update(of=ProcessInstance, skip_locked=skip_locked)
    with session.no_autoflush, as_stale(instance_id):
        row = session.execute(query).scalar_one_or_none()
    if row is None:
        if skip_locked:
            return None
        raise InstanceNotFound(instance_id)
    locked[instance_id] = row
    return row


def mark_locked(session: Session, row: ProcessInstance) -> None:
    """A row this transaction locked by a query of its own (a claim), or inserted (nobody
    else can see it yet): it counts as locked."""
    session.info.setdefault(_LOCKED, {})[row.id] = row


def lock_query(session: Session, query: Any, *, skip_locked: bool = True) -> Any:
    """``query`` (selecting instances) with the instance rows locked, on PostgreSQL."""
    if row_locks(session):
        return query.with_for_update(of=ProcessInstance, skip_locked=skip_locked)
    return query


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction: SessionTransaction) -> None:
    # A commit or rollback (of a savepoint too) may have released the locks: lock afresh.
    # (A flush runs in a subtransaction of its own; its end releases nothing.)
    if transaction.parent is None or transaction.nested:
        session.info.pop(_LOCKED, None)
