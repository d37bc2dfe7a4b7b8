"""Steps racing each other: tickers, cancels and completions end as success or a conflict.

The tests run real threads, each with its own app context (its own session and database
connection). On PostgreSQL the instance row lock decides; on SQLite the single writer and
the revision column do.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from engine import (
    AuditEvent,
    HumanTask,
    Incident,
    ProcessInstance,
    StaleInstance,
    TaskNotReady,
    conflicts,
    db,
    schedule,
)
from tests.conftest import needs_postgres
from tests.engine.conftest import simple_files


def _waiting_on_the_boss(session, engine, n: int) -> list[int]:
    """``n`` instances at the approval task whose one-hour timer will cancel it."""
    ids = []
    for i in range(n):
        row = engine.start(session, "simple", {"ref": f"R{i}"}, actor="alice")
        [fill] = session.query(HumanTask).filter_by(instance_id=row.id, status="open").all()
        engine.complete_task(session, fill.id, {"amount": 500}, actor="alice")
        ids.append(row.id)
    session.commit()
    return ids


def _in_threads(app, *jobs):
    """Run each job in its own thread and app context, all released at once."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = job(db.session)
            except Exception as exc:  # the caller asserts on what came out
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _completions(session, ids):
    return Counter(session.execute(
        select(AuditEvent.instance_id).where(AuditEvent.action == "instance.completed",
                                             AuditEvent.instance_id.in_(ids))).scalars())


def test_two_tickers_fire_every_due_timer_exactly_once(engine_app, session, engine,
                                                       frozen_clock):
    engine.deploy(session, simple_files())
    ids = _waiting_on_the_boss(session, engine, 24)
    frozen_clock.advance(timedelta(minutes=61))
    first, second = _in_threads(engine_app,
                                lambda s: schedule.fire_due_timers(s, engine),
                                lambda s: schedule.fire_due_timers(s, engine))
    assert isinstance(first, schedule.PassResult), first
    assert isinstance(second, schedule.PassResult), second
    assert first.failed == [] and second.failed == []
    assert first.done + second.done == len(ids)
    session.expire_all()
    assert _completions(session, ids) == {i: 1 for i in ids}
    assert session.execute(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.status == "completed")).scalar() == len(ids)
    # nothing left to fire: a third pass finds nothing
    assert schedule.fire_due_timers(session, engine).done == 0


@needs_postgres
def test_tickers_share_the_work_on_postgres(engine_app, session, engine, frozen_clock):
    """SKIP LOCKED: a second ticker takes the next timer instead of waiting for the first."""
    engine.deploy(session, simple_files())
    ids = _waiting_on_the_boss(session, engine, 3)
    frozen_clock.advance(timedelta(minutes=61))
    held = schedule.next_due_timer(session, frozen_clock.now(), [])
    assert held is not None and held.id == ids[0]
    [other] = _in_threads(engine_app,
                          lambda s: schedule.fire_due_timers(s, engine))
    assert other.done == 2 and other.skipped == 0  # it never waited for the locked one
    session.rollback()  # release the first without firing it
    assert schedule.fire_due_timers(session, engine).done == 1
    session.expire_all()
    assert _completions(session, ids) == {i: 1 for i in ids}


def test_a_failing_timer_is_logged_and_the_others_still_fire(session, engine, frozen_clock,
                                                              monkeypatch, caplog):
    engine.deploy(session, simple_files())
    ids = _waiting_on_the_boss(session, engine, 4)
    broken = ids[1]
    frozen_clock.advance(timedelta(minutes=61))
    fire = engine.fire_timers

    def fire_or_break(s, row):
        if row.id == broken:
            raise RuntimeError("handler crashed")
        return fire(s, row)

    monkeypatch.setattr(engine, "fire_timers", fire_or_break)
    with caplog.at_level(logging.ERROR, logger="engine.schedule"):
        result = schedule.fire_due_timers(session, engine)
    assert result.done == 3 and result.failed == [broken]
    assert any(f"instance {broken}" in r.getMessage() for r in caplog.records)
    session.expire_all()
    assert session.get(ProcessInstance, broken).status == "running"
    assert _completions(session, ids) == {i: 1 for i in ids if i != broken}


def test_a_cancel_racing_the_timer_ends_one_way_or_the_other(engine_app, session, engine,
                                                             frozen_clock):
    engine.deploy(session, simple_files())
    ids = _waiting_on_the_boss(session, engine, 6)
    frozen_clock.advance(timedelta(minutes=61))

    def cancel_all(s):
        outcomes = []
        for instance_id in ids:
            try:
                engine.cancel(s, instance_id, actor="admin", reason="plan changed")
                conflicts.commit(s, instance_id)
                outcomes.append("cancelled")
            except (StaleInstance, TaskNotReady) as exc:
                s.rollback()
                outcomes.append(type(exc).__name__)
        return outcomes

    cancels, ticked = _in_threads(engine_app, cancel_all,
                                  lambda s: schedule.fire_due_timers(s, engine))
    assert isinstance(cancels, list), cancels
    assert isinstance(ticked, schedule.PassResult), ticked
    assert ticked.failed == []
    session.expire_all()
    for instance_id, outcome in zip(ids, cancels, strict=True):
        row = session.get(ProcessInstance, instance_id)
        assert row.status in ("cancelled", "completed")
        assert (outcome == "cancelled") == (row.status == "cancelled")
        assert session.query(HumanTask).filter_by(instance_id=instance_id,
                                                  status="open").count() == 0
        events = Counter(session.execute(select(AuditEvent.action).where(
            AuditEvent.instance_id == instance_id)).scalars())
        assert events["instance.cancelled"] + events["instance.completed"] == 1


def test_twenty_cancels_of_one_instance_one_wins(engine_app, session, engine):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    session.commit()
    instance_id = row.id

    def cancel(s):
        try:
            engine.cancel(s, instance_id, actor="admin", reason="duplicate")
            conflicts.commit(s, instance_id)
            return "ok"
        except (StaleInstance, TaskNotReady) as exc:
            return type(exc).__name__

    results = Counter(_in_threads(engine_app, *[cancel] * 20))
    # PostgreSQL: the losers waited for the lock and found it cancelled; SQLite: those
    # that read before the winner committed are stale at their flush
    assert results["ok"] == 1
    assert results["TaskNotReady"] + results["StaleInstance"] == 19, results
    if engine.locks_rows(session):
        assert results["TaskNotReady"] == 19
    assert session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.instance_id == instance_id,
        AuditEvent.action == "instance.cancelled")).scalar() == 1


@pytest.mark.parametrize("failure", [
    StaleDataError("UPDATE statement on table 'x' expected to update 1 row(s); 0 were matched."),
    OperationalError("UPDATE x", {}, psycopg.errors.DeadlockDetected("deadlock detected")),
    OperationalError("UPDATE x", {},
                     psycopg.errors.SerializationFailure("could not serialize access")),
    OperationalError("INSERT x", {}, sqlite3.OperationalError("database is locked")),
], ids=["stale", "deadlock", "serialization", "sqlite-busy"])
def test_a_conflict_inside_a_service_task_is_stale_not_an_incident(session, engine, calls,
                                                                    failure):
    """A handler's own flush meets the conflict, deep inside the step: 409, no incident."""
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    [fill] = session.query(HumanTask).filter_by(instance_id=row.id, status="open").all()
    session.commit()
    calls.fail = failure
    with pytest.raises(StaleInstance) as err:
        engine.complete_task(session, fill.id, {"amount": 5}, actor="alice")
    assert err.value.instance_id == row.id
    session.rollback()
    assert session.query(Incident).count() == 0
    assert session.get(HumanTask, fill.id).status == "open"


def test_other_errors_are_no_conflicts():
    assert not conflicts.is_conflict(RuntimeError("boom"))
    assert not conflicts.is_conflict(
        OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x")))
    try:
        try:
            raise StaleDataError("0 were matched")
        except StaleDataError as inner:
            raise RuntimeError("wrapped by a library") from inner
    except RuntimeError as outer:
        assert conflicts.is_conflict(outer)


def test_a_second_writer_on_the_same_instance_is_stale(engine_app, session, engine):
    """Two sessions on one instance: SQLite catches the old read at the step's flush, and
    on PostgreSQL a writer that gave up waiting for the row lock (lock_timeout) is stale."""
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    session.commit()
    instance_id = row.id
    mine = session()  # the fixture's session itself, not the proxy of whichever context
    with engine_app.app_context():
        other = db.session()
        held = engine.lock_instance(other, instance_id)  # loaded (revision 2) …
        assert held.revision == 2
        if engine.locks_rows(mine):
            mine.execute(text("SET LOCAL lock_timeout = '200ms'"))
            with pytest.raises(StaleInstance):
                engine.cancel(mine, instance_id, actor="admin", reason="waited too long")
            mine.rollback()
            engine.cancel(other, instance_id, actor="admin", reason="holder")
            other.commit()
        else:
            engine.cancel(mine, instance_id, actor="admin", reason="first")
            mine.commit()  # … and bumped meanwhile
            with pytest.raises(StaleInstance):
                engine.cancel(other, instance_id, actor="admin", reason="second")
            other.rollback()
        db.session.remove()
    assert session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "instance.cancelled")).scalar() == 1
