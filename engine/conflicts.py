"""Stale writes, deadlocks and busy databases are one thing to callers: a conflict.

Two steps on one instance at once end in one of several database-specific ways: the loser's
versioned UPDATE matches no row (``StaleDataError``), PostgreSQL picks it as a deadlock
victim (SQLSTATE 40P01), aborts it as a serialization failure (40001) or gives up waiting
for a lock (55P03), or SQLite finds the file locked by the other writer. None of them is a
bug, and any flush of a step may meet one (an autoflush before a query, a handler's own
flush, the final save, the commit), so they are recognised here, once, and raised as
:class:`StaleInstance`: a 409 for people (``web/errors.py``) and a retry for jobs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .errors import StaleInstance

#: deadlock_detected, serialization_failure, lock_not_available
CONFLICT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})
#: what sqlite3 says when another connection holds the write lock past busy_timeout,
#: or when a read snapshot went stale before its first write (WAL)
SQLITE_BUSY = ("database is locked", "database table is locked")


def _one_is_conflict(exc: BaseException) -> bool:
    if isinstance(exc, StaleDataError | StaleInstance):
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in CONFLICT_SQLSTATES:
        return True
    return isinstance(orig, sqlite3.OperationalError) and str(orig).startswith(SQLITE_BUSY)


def is_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps: a service task's error keeps its cause) is one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if _one_is_conflict(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@contextmanager
def as_stale(instance_id: int | None = None) -> Iterator[None]:
    """Run a unit of work; a conflict met anywhere inside leaves as :class:`StaleInstance`."""
    try:
        yield
    except StaleInstance:
        raise
    except Exception as exc:
        if is_conflict(exc):
            raise StaleInstance(instance_id) from exc
        raise


def commit(session: Session, instance_id: int | None = None) -> None:
    """Commit; a conflict at the commit's flush is a :class:`StaleInstance` too."""
    with as_stale(instance_id):
        session.commit()
