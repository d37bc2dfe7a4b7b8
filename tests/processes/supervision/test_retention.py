"""The personal-data purge: face images and fixes past retention go, everything else stays."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import audit, db
from engine.models import AuditEvent
from processes import personal_data
from processes.models import GasReading, Permit, PermitApproval, Person, SignIn, Upload
from processes.supervision import retention
from tests.supervision import stored_sign_in
from tests.web.conftest import new_permit


def files_of(row: SignIn) -> set[str]:
    return retention.payload_ids(row)


def on_disk(app, upload_id: str) -> bool:
    return (Path(app.config["UPLOAD_FOLDER"]) / upload_id).exists()


def snapshot(app, permit_id: int) -> dict:
    """What the purge must never touch: the permit, its readings, approvals, audit log."""
    with app.app_context():
        permit = db.session.get(Permit, permit_id)
        readings = db.session.execute(select(GasReading).where(
            GasReading.permit_id == permit_id).order_by(GasReading.id)).scalars().all()
        return {"permit": (permit.status, permit.number, dict(permit.fields or {})),
                "readings": [(r.gas, r.value, r.photo_id) for r in readings],
                "photo_on_disk": all(on_disk(app, r.photo_id) for r in readings),
                "approvals": db.session.execute(select(func.count(PermitApproval.id)).where(
                    PermitApproval.permit_id == permit_id)).scalar_one(),
                "audit": db.session.execute(select(AuditEvent.id, AuditEvent.hash)
                                            .order_by(AuditEvent.id)).all()}


def test_old_frames_clips_and_fixes_go_recent_ones_stay_and_the_permit_is_untouched(
        plant, frozen_clock):
    permit = new_permit(plant, frozen_clock, prepared=True)
    with plant.app_context():
        photo = db.session.execute(select(GasReading.photo_id).where(
            GasReading.permit_id == permit["id"])).scalars().first()
    old = stored_sign_in(plant, permit["id"], age=timedelta(days=31), tag="old")
    # a frame whose bytes equal the gas-test photo's: the file is the photo's too
    shared = stored_sign_in(plant, permit["id"], age=timedelta(days=40), tag="shared",
                            frames=0, clip=False, burst=0, shared=[photo])
    recent = stored_sign_in(plant, permit["id"], age=timedelta(days=29), tag="recent")
    with plant.app_context():
        old_files = files_of(db.session.get(SignIn, old))
        recent_files = files_of(db.session.get(SignIn, recent))
    assert len(old_files) == 4 and all(on_disk(plant, f) for f in old_files)
    before = snapshot(plant, permit["id"])

    with plant.app_context():
        result = retention.purge(db.session, plant.config["UPLOAD_FOLDER"],
                                 now=frozen_clock.now(), actor="test")
        db.session.commit()
    assert (result.days, result.sign_ins, result.gps_fixes) == (30, 2, 2)
    assert (result.uploads, result.files, result.shared_kept) == (4, 4, 1)

    with plant.app_context():
        row = db.session.get(SignIn, old)
        assert (row.clip_id, row.frames, row.details["burst"]) == (None, [], [])
        assert (row.lat, row.lon, row.accuracy_m) == (None, None, None)
        assert row.details["geofence"] == {"passed": True, "reason": None, "radius_m": 50.0}
        assert row.details["purged"] == {"at": frozen_clock.now().isoformat(), "clip": True,
                                         "frames": 2, "burst": 1, "fix": True}
        # the outcome of the sign-in stays with the permit
        assert (row.status, row.accepted, row.purpose) == ("accepted", True, "arrival")
        assert row.signed_at == frozen_clock.now() - timedelta(days=31)
        assert row.purged_at == frozen_clock.now()
        assert not any(db.session.get(Upload, f) for f in old_files)
        kept = db.session.get(SignIn, recent)
        assert files_of(kept) == recent_files and kept.lat is not None
        assert kept.purged_at is None and all(db.session.get(Upload, f) for f in recent_files)
        assert db.session.get(SignIn, shared).frames == []  # the reference goes,
        assert db.session.get(Upload, photo) is not None  # the gas-test photo stays
        event = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())
                                   .limit(1)).scalar_one()
        assert (event.action, event.actor) == ("personal_data.purged", "test")
        assert event.data["sign_ins"] == 2 and event.data["files"] == 4
        assert audit.verify(db.session).ok
    assert not any(on_disk(plant, f) for f in old_files)
    assert all(on_disk(plant, f) for f in recent_files) and on_disk(plant, photo)
    after = snapshot(plant, permit["id"])
    assert after["audit"][:-1] == before["audit"]  # one event added, none changed
    assert {k: v for k, v in after.items() if k != "audit"} == \
        {k: v for k, v in before.items() if k != "audit"}

    # a second run finds nothing more to do: same state, one more (empty) audit event
    with plant.app_context():
        again = retention.purge(db.session, plant.config["UPLOAD_FOLDER"],
                                now=frozen_clock.now(), actor="test")
        db.session.commit()
    assert (again.sign_ins, again.gps_fixes, again.uploads, again.files) == (0, 0, 0, 0)
    twice = snapshot(plant, permit["id"])
    assert len(twice["audit"]) == len(after["audit"]) + 1
    assert all(on_disk(plant, f) for f in recent_files) and on_disk(plant, photo)


def test_what_is_held_says_when_it_was_purged(plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    stored_sign_in(plant, permit["id"], age=timedelta(days=35), tag="gone")
    with plant.app_context():
        watcher = db.session.execute(select(Person).where(Person.username == "watcher")
                                     ).scalar_one()
        [before] = personal_data.held(db.session, watcher)["sign_ins"]
        assert before["held"] == {"face_clip": True, "face_frames": 2, "burst_frames": 1,
                                  "gps": {"lat": 30.7241, "lon": 121.3421, "accuracy_m": 6.0}}
        retention.purge(db.session, plant.config["UPLOAD_FOLDER"], now=frozen_clock.now())
        db.session.commit()
        data = personal_data.held(db.session, watcher)
        [after] = data["sign_ins"]
        assert after["held"] == {"face_clip": False, "face_frames": 0, "burst_frames": 0,
                                 "gps": None}
        assert after["purged_at"].endswith("+08:00") and data["location_fixes"] == []


@pytest.mark.parametrize("value", [0, 7, 29, "30", 30.5, True, None])
def test_a_retention_under_a_month_or_not_a_whole_number_is_refused(value):
    with pytest.raises(ValueError, match="GB 30871"):
        retention.retention_days({"personal_data_retention_days": value})


def test_the_retention_setting_defaults_to_30_days():
    assert retention.retention_days({}) == 30
    assert retention.retention_days({"personal_data_retention_days": 45}) == 45
    assert retention.retention_days() == 30  # the plant's data file
