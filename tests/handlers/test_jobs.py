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


# -- acknowledgements: a job is done when it says so, not when the broker took it ---------
def counting_jobs(app, url: str | None, calls: list[int]) -> Jobs:
    """The real jobs plus ``test.count``, which has no guard of its own: only the outbox's
    acknowledgement stands between a redelivery and a second run."""
    jobs = jobs_for(app, url)
    jobs.declare("test.count", lambda session, message_id, payload: calls.append(message_id))
    return jobs


def enqueue_counts(app, n: int) -> list[int]:
    from engine import clock

    with app.app_context():
        rows = [enqueue(db.session, "test.count", {"n": i}, now=clock.now()) for i in range(n)]
        db.session.commit()
        return [r.id for r in rows]


def outbox_rows(app) -> dict[int, OutboxMessage]:
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage)).scalars().all()
        db.session.expunge_all()
        return {r.id: r for r in rows}


def test_a_job_the_broker_lost_is_handed_over_again_after_the_ack_timeout(plant,
                                                                          frozen_clock):
    calls: list[int] = []
    jobs = counting_jobs(plant, None, calls)
    [job] = enqueue_counts(plant, 1)
    assert relay_all(plant, jobs).sent == 1
    jobs.broker.flush_all()  # Redis restarted empty: the message is gone
    row = outbox_rows(plant)[job]
    assert row.sent_at is not None and row.acked_at is None and row.attempts == 1
    assert relay_all(plant, jobs).pending == 1  # still open, but not yet due again
    assert relay_all(plant, jobs).sent + relay_all(plant, jobs).resent == 0

    frozen_clock.advance(seconds=91)
    jobs.start_worker(threads=1)
    try:
        assert relay_all(plant, jobs).resent == 1
        assert wait_for(lambda: outbox_rows(plant)[job].acked_at is not None)
        assert calls == [job]
        # acknowledged: never handed over again, however long we wait
        frozen_clock.advance(hours=2)
        result = relay_all(plant, jobs)
        assert (result.sent, result.resent, result.pending) == (0, 0, 0)
    finally:
        jobs.stop_worker()
    assert outbox_rows(plant)[job].attempts == 2


def test_a_duplicate_delivery_of_a_finished_job_is_a_no_op(plant):
    calls: list[int] = []
    jobs = counting_jobs(plant, None, calls)
    [job] = enqueue_counts(plant, 1)
    jobs.start_worker(threads=2)
    try:
        relay_all(plant, jobs)
        assert wait_for(lambda: outbox_rows(plant)[job].acked_at is not None)
        with plant.app_context():
            row = db.session.get(OutboxMessage, job)
            for _ in range(3):  # the broker redelivers (a dead worker's requeue, a resend)
                jobs.send(row)
        jobs.join()
        time.sleep(0.2)
        assert calls == [job]
    finally:
        jobs.stop_worker()


def test_a_failing_job_is_not_acknowledged_and_runs_again(plant, frozen_clock):
    calls: list[int] = []
    jobs = jobs_for(plant, None)

    def flaky(session, message_id, payload):
        calls.append(message_id)
        if len(calls) == 1:
            raise RuntimeError("database went away mid-job")

    jobs.declare("test.flaky", flaky, max_retries=0)
    from engine import clock

    with plant.app_context():
        row = enqueue(db.session, "test.flaky", {}, now=clock.now())
        db.session.commit()
        job = row.id
    jobs.start_worker(threads=1)
    try:
        relay_all(plant, jobs)
        assert wait_for(lambda: calls == [job])
        time.sleep(0.2)
        assert outbox_rows(plant)[job].acked_at is None
        frozen_clock.advance(seconds=91)
        assert relay_all(plant, jobs).resent == 1
        assert wait_for(lambda: outbox_rows(plant)[job].acked_at is not None)
        assert calls == [job, job]
    finally:
        jobs.stop_worker()


def test_a_job_never_acknowledged_is_given_up_and_the_admins_are_told(plant, frozen_clock):
    from handlers.jobs import tick
    from web import get_engine

    jobs = counting_jobs(plant, None, [])  # no worker runs: nothing is ever acknowledged
    [job] = enqueue_counts(plant, 1)
    plant.config.update(OUTBOX_ACK_SECONDS=10, OUTBOX_MAX_ATTEMPTS=3)
    try:
        with plant.app_context():
            engine = get_engine()
        for _ in range(6):
            tick(plant, engine, jobs)
            frozen_clock.advance(minutes=10)
    finally:
        plant.config.update(OUTBOX_ACK_SECONDS=90, OUTBOX_MAX_ATTEMPTS=8)
    row = outbox_rows(plant)[job]
    assert row.dead_at is not None and row.attempts == 3 and row.acked_at is None
    assert "no acknowledgement after 3" in row.last_error
    with plant.app_context():
        # (the tick's own daily job had no worker either)
        [notice] = [n for n in db.session.execute(select(Notification).where(
            Notification.kind == "outbox.dead")).scalars() if n.data["outbox_id"] == job]
        assert notice.role == "admin" and notice.severity == "high"
        assert "test.count" in notice.title and notice.data["outbox_id"] == job
    # given up means given up: no more hand-overs, and only one notice
    tick(plant, engine, jobs)
    assert outbox_rows(plant)[job].attempts == 3
    from handlers.jobs import DAILY

    # this job's notice, and one for each of the tick's own daily jobs (no worker either)
    assert notifications_of_kind(plant, "outbox.dead") == 1 + len(DAILY)


def notifications_of_kind(app, kind: str) -> int:
    with app.app_context():
        return len(db.session.execute(select(Notification).where(Notification.kind == kind))
                   .scalars().all())


def test_a_broker_that_refuses_does_not_count_towards_giving_up(plant, frozen_clock):
    down = counting_jobs(plant, "redis://127.0.0.1:1/0", [])
    [job] = enqueue_counts(plant, 1)
    for _ in range(12):
        assert relay_all(plant, down).failed == 1
        frozen_clock.set(outbox_rows(plant)[job].available_at)
    row = outbox_rows(plant)[job]
    assert row.attempts == 0 and row.send_failures == 12 and row.dead_at is None


def lose_the_queue_then_recover(app, url: str | None, clock) -> None:
    calls: list[int] = []
    jobs = counting_jobs(app, url, calls)
    ids = enqueue_counts(app, 25)
    if url:
        jobs.broker.flush_all()
    assert relay_all(app, jobs).sent == 25  # queued in the broker, no worker yet
    jobs.broker.flush_all()  # the broker restarts with its queues empty
    clock.advance(seconds=91)
    jobs.start_worker(threads=2)
    try:
        assert relay_all(app, jobs).resent == 25
        assert wait_for(lambda: all(r.acked_at for r in outbox_rows(app).values()), 20)
        # and a stray copy of every message arriving afterwards changes nothing
        with app.app_context():
            for row in db.session.execute(select(OutboxMessage)).scalars():
                jobs.send(row)
        jobs.join()
        time.sleep(0.3)
    finally:
        jobs.stop_worker()
    assert sorted(calls) == sorted(ids)


def test_a_broker_restarted_empty_loses_no_job_and_runs_none_twice_in_process(plant,
                                                                             frozen_clock):
    lose_the_queue_then_recover(plant, None, frozen_clock)


@needs_redis
def test_redis_flushed_with_messages_queued_loses_no_job_and_runs_none_twice(plant,
                                                                            frozen_clock):
    assert REDIS_URL, "PERMITFLOW_REQUIRE_SERVICES=1 needs REDIS_URL"
    lose_the_queue_then_recover(plant, REDIS_URL, frozen_clock)


def test_admins_see_given_up_jobs_and_hand_them_over_again(plant, frozen_clock):
    from tests.api import Api

    calls: list[int] = []
    jobs = counting_jobs(plant, None, calls)
    [job] = enqueue_counts(plant, 1)
    for _ in range(4):
        relay_all_with(plant, jobs, max_attempts=2)
        frozen_clock.advance(minutes=15)
    assert outbox_rows(plant)[job].dead_at is not None

    watcher = Api(plant, "watcher")
    assert watcher.get("/notifications/dead-letters").status == 403
    r = watcher.post(f"/notifications/dead-jobs/{job}/retry")
    assert r.status == 403 and outbox_rows(plant)[job].dead_at is not None

    admin = Api(plant, "admin")
    [item] = admin.get("/notifications/dead-letters").json["jobs"]
    assert item["id"] == job and item["actor"] == "test.count" and item["attempts"] == 2
    assert "no acknowledgement" in item["last_error"]
    r = admin.post(f"/notifications/dead-jobs/{job}/retry")
    assert r.status == 200 and r.json == {"id": job, "actor": "test.count", "attempts": 0}
    assert admin.post(f"/notifications/dead-jobs/{job}/retry").status == 409
    assert admin.post("/notifications/dead-jobs/999999/retry").status == 404
    jobs.start_worker(threads=1)
    try:
        relay_all(plant, jobs)
        assert wait_for(lambda: outbox_rows(plant)[job].acked_at is not None)
    finally:
        jobs.stop_worker()
    assert calls == [job]
    assert admin.get("/notifications/dead-letters").json["jobs"] == []


def relay_all_with(app, jobs: Jobs, **options):
    from engine import clock

    with app.app_context():
        result = relay(db.session, jobs.send, now=clock.now(), **options)
        db.session.remove()
        return result


@needs_redis
def test_a_dead_workers_messages_are_back_in_work_within_two_minutes(plant):
    """A worker takes a message and dies (kill -9: no ack, no heartbeat). Redis itself gives
    the message to a live worker once the dead one's heartbeat expires — well before the
    outbox's own re-send, which this test leaves out."""
    assert REDIS_URL, "PERMITFLOW_REQUIRE_SERVICES=1 needs REDIS_URL"
    calls: list[int] = []
    namespace = f"permitflow-test-dead-{os.getpid()}"
    dead = Jobs(plant, make_broker(REDIS_URL, namespace=namespace))
    declare_jobs(dead)
    dead.declare("test.count", lambda session, message_id, payload: None)
    dead.broker.flush_all()
    [job] = enqueue_counts(plant, 1)
    assert relay_all(plant, dead).sent == 1
    taken = dead.broker.consume("default", prefetch=1, timeout=200)
    deadline = time.monotonic() + 10
    message = None
    while message is None and time.monotonic() < deadline:
        message = next(taken)
    assert message is not None and message.kwargs["message_id"] == job
    # ... and the worker is gone: its consumer is never used (nor closed) again

    alive = Jobs(plant, make_broker(REDIS_URL, namespace=namespace))
    declare_jobs(alive)
    alive.declare("test.count", lambda session, message_id, payload: calls.append(message_id))
    started = time.monotonic()
    alive.start_worker(threads=1)
    try:
        assert wait_for(lambda: calls == [job], 120), "not requeued within two minutes"
        took = time.monotonic() - started
    finally:
        alive.stop_worker()
        alive.broker.flush_all()
    assert took < 60  # 20 s heartbeat + a few seconds for maintenance to run
    assert wait_for(lambda: outbox_rows(plant)[job].acked_at is not None)
