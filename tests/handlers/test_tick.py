"""The periodic tick: one failing part is logged, and the rest of the pass still runs."""

from __future__ import annotations

import logging

from sqlalchemy import select

from engine import OutboxMessage, clock, db, outbox
from handlers import jobs as tick_module
from handlers.jobs import tick
from web import get_engine, get_jobs


def _pending_job(app) -> int:
    with app.app_context():
        message = outbox.enqueue(db.session, "notify.send",
                                 {"title": "tick test", "role": "safety_dept"},
                                 now=clock.now())
        db.session.commit()
        return message.id


def _sent(app, message_id: int) -> bool:
    with app.app_context():
        return db.session.execute(select(OutboxMessage.sent_at).where(
            OutboxMessage.id == message_id)).scalar() is not None


def test_a_failing_sweep_and_timer_pass_do_not_stop_the_relay(plant, monkeypatch, caplog):
    message_id = _pending_job(plant)

    def broken(*_args, **_kwargs):
        raise RuntimeError("sweep crashed")

    monkeypatch.setattr(tick_module.channels, "sweep", broken)
    monkeypatch.setattr(tick_module.schedule, "fire_due_timers", broken)
    with plant.app_context(), caplog.at_level(logging.ERROR, logger="handlers.jobs"):
        result = tick(plant, get_engine(), get_jobs())
    assert result.errors == 2
    assert result.sent >= 1 and _sent(plant, message_id)
    logged = [r.getMessage() for r in caplog.records]
    assert "tick: notification sweep failed" in logged and "tick: timers failed" in logged


def test_a_failing_timer_is_counted_and_the_pass_goes_on(plant, monkeypatch):
    calls = []

    def one_failure(session, engine, **_kwargs):
        calls.append("timers")
        from engine.schedule import PassResult

        return PassResult(done=3, failed=[42])

    monkeypatch.setattr(tick_module.schedule, "fire_due_timers", one_failure)
    message_id = _pending_job(plant)
    with plant.app_context():
        result = tick(plant, get_engine(), get_jobs())
    assert calls == ["timers"]
    assert (result.timers, result.errors) == (3, 1)
    assert _sent(plant, message_id)


def test_two_tickers_expire_each_permit_once(plant, frozen_clock):
    """Two workers tick at the same moment over permits whose validity ran out."""
    import threading
    from collections import Counter

    from engine import AuditEvent
    from processes.models import Permit
    from tests.api import Api
    from tests.web.conftest import new_permit

    permits = [new_permit(plant, frozen_clock, prepared=True) for _ in range(4)]
    watcher = Api(plant, "watcher")
    for permit in permits:
        watcher.complete(permit["id"], "watcher_sign_in", {"present": True})
    frozen_clock.advance(hours=5)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        with plant.app_context():
            engine, jobs = get_engine(), get_jobs()
        barrier.wait()
        results.append(tick(plant, engine, jobs))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 2 and all(r.errors == 0 for r in results), results
    assert sum(r.timers for r in results) == len(permits)
    with plant.app_context():
        rows = [db.session.get(Permit, p["id"]) for p in permits]
        assert [p.status for p in rows] == ["expired"] * len(permits)
        fired = Counter(db.session.execute(select(AuditEvent.instance_id).where(
            AuditEvent.instance_id.in_([p.instance_id for p in rows]),
            AuditEvent.actor == "timer")).scalars())
        assert len(fired) == len(permits)
        once = {p.instance_id: fired[p.instance_id] for p in rows}
        assert len(set(once.values())) == 1, once  # the same few events each: fired once
