"""The personal-data purge runs as a daily job from the periodic tick, once per local day."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from engine import db
from engine.models import AuditEvent, OutboxMessage
from handlers.supervision import PURGE_JOB
from processes.models import SignIn
from processes.supervision import retention
from tests.supervision import run_jobs, start_jobs, stop_jobs, stored_sign_in
from tests.web.conftest import new_permit


def purge_events(app) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "personal_data.purged").order_by(AuditEvent.id)).scalars()
        return [(e.actor, e.data) for e in rows]


def test_the_tick_enqueues_the_purge_once_a_day_and_the_worker_runs_it(plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    old = stored_sign_in(plant, permit["id"], age=timedelta(days=32), tag="job")
    with plant.app_context():
        files = retention.payload_ids(db.session.get(SignIn, old))
    start_jobs(plant)
    try:
        run_jobs(plant)
        run_jobs(plant)  # the same plant-local day: not again
        [(actor, data)] = purge_events(plant)
        assert actor == "scheduler" and data["sign_ins"] == 1 and data["files"] == len(files)
        assert not any((Path(plant.config["UPLOAD_FOLDER"]) / f).exists() for f in files)
        with plant.app_context():
            row = db.session.get(SignIn, old)
            assert row.purged_at is not None and row.status == "accepted"
            [job] = db.session.execute(select(OutboxMessage).where(
                OutboxMessage.actor == PURGE_JOB)).scalars().all()
            payload_day = job.payload["day"]
        assert payload_day == "2026-06-03"  # 10:00 in Shanghai

        frozen_clock.advance(days=1)
        run_jobs(plant)
        events = purge_events(plant)
        assert len(events) == 2 and events[1][1]["sign_ins"] == 0  # nothing left to purge
    finally:
        stop_jobs(plant)


def test_a_redelivered_purge_message_runs_once(plant, frozen_clock):
    from engine import clock, outbox
    from handlers.supervision import purge_personal_data

    with plant.app_context():
        message = outbox.enqueue(db.session, PURGE_JOB, {"day": "2026-06-03"},
                                 now=clock.now())
        db.session.commit()
        purge_personal_data(db.session, message.id, message.payload)
        purge_personal_data(db.session, message.id, message.payload)  # redelivered
        db.session.commit()
    assert len(purge_events(plant)) == 1
