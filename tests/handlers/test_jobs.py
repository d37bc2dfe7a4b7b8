"""Outbox → broker → job: nothing is lost when a worker dies or Redis is down."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import select

from engine import OutboxMessage, db
from engine.outbox import enqueue, relay
from handlers.broker import Jobs, make_broker
from handlers.jobs import declare_jobs
from processes.models import Notification
from tests.conftest import REQUIRE_SERVICES

REDIS_URL = os.environ.get("REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL and not REQUIRE_SERVICES,
                                 reason="REDIS_URL not set (CI sets it)")


def commit_a_state_change_with_its_job(app, title: str) -> int:
    """What a permit operation does: state change + outbox row in one transaction."""
    from engine import clock

    with app.app_context():
        message = enqueue(db.session, "notify.send", {"title": title, "role": "safety_dept"},
                          now=clock.now())
        db.session.commit()
        return message.id


def jobs_for(app, url: str | None) -> Jobs:
    jobs = Jobs(app, make_broker(url, namespace=f"permitflow-test-{os.getpid()}"))
    declare_jobs(jobs)
    return jobs


def notifications(app, title: str) -> int:
    with app.app_context():
        return len(db.session.execute(select(Notification).where(Notification.title == title))
                   .scalars().all())


def relay_all(app, jobs: Jobs):
    from engine import clock

    with app.app_context():
        result = relay(db.session, jobs.send, now=clock.now())
        db.session.remove()
        return result


def wait_for(predicate, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def deliver_after_restart(app, url: str | None) -> None:
    title = f"killed-worker-{url or 'stub'}"
    commit_a_state_change_with_its_job(app, title)
    # The process that committed dies here, before dispatching: nothing was sent.
    restarted = jobs_for(app, url)
    try:
        if url:
            restarted.broker.flush_all()
        restarted.start_worker(threads=1)
        assert relay_all(app, restarted).sent == 1
        assert wait_for(lambda: notifications(app, title) == 1)
        # At-least-once: the same message delivered again changes nothing.
        with app.app_context():
            row = db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id.desc())
                                     ).scalars().first()
            restarted.send(row)
        time.sleep(0.3)
        assert wait_for(lambda: notifications(app, title) == 1)
        assert relay_all(app, restarted).sent == 0
    finally:
        restarted.stop_worker()


def test_job_survives_a_worker_killed_before_dispatch_in_process(plant):
    deliver_after_restart(plant, None)


@needs_redis
def test_job_survives_a_worker_killed_before_dispatch_on_redis(plant):
    assert REDIS_URL, "PERMITFLOW_REQUIRE_SERVICES=1 needs REDIS_URL"
    deliver_after_restart(plant, REDIS_URL)


def test_redis_down_keeps_jobs_waiting_and_delivers_later(plant):
    title = "redis-down"
    down = jobs_for(plant, "redis://127.0.0.1:1/0")  # nothing listens on port 1
    commit_a_state_change_with_its_job(plant, title)
    result = relay_all(plant, down)
    assert (result.sent, result.failed, result.pending) == (0, 1, 1)
    with plant.app_context():
        row = db.session.execute(select(OutboxMessage)).scalars().one()
        assert row.sent_at is None and "Connection" in (row.last_error or "")
        waiting_until = row.available_at
    # Back-off: an immediate retry does not hammer the broker.
    assert relay_all(plant, down).failed == 0
    from engine import clock

    clock.get_clock().set(waiting_until)  # type: ignore[attr-defined]
    up = jobs_for(plant, None)
    up.start_worker(threads=1)
    try:
        assert relay_all(plant, up).sent == 1
        assert wait_for(lambda: notifications(plant, title) == 1)
    finally:
        up.stop_worker()
