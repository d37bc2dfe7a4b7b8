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
