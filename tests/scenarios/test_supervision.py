"""Watcher sign-in at the work point: QR code, GPS fix and face liveness, through the API.

Hot work proves the watcher's presence with QR + GPS + face (the plant's settings); the
face check runs as a job on a real clip (the astronaut photo, warped to perform the
prompts), and the phone learns the verdict by polling.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from processes.supervision import settings
from tests.api import Api
from tests.supervision import (
    PROMPTS_FOR_TESTS,
    approved_permit,
    challenge,
    face_clip,
    qr_token,
    sign_in,
    start_jobs,
    static_clip,
    stop_jobs,
    verdict,
)


@pytest.fixture(autouse=True)
def supervision_profile():
    """The plant's real settings (hot work: QR + GPS + face); prompts the clips can do."""
    with settings.override(PROMPTS_FOR_TESTS):
        yield "plant"


@pytest.fixture()
def users(plant):
    start_jobs(plant)
    yield {name: Api(plant, name) for name in (
        "applicant", "watcher", "team_leader", "safety_director", "unit_approver")}
    stop_jobs(plant)


def test_watcher_signs_in_with_qr_gps_and_face_and_the_permit_goes_live(
        users, plant, frozen_clock):
    permit = approved_permit(plant, users, frozen_clock)
    watcher = users["watcher"]
    # a click-through is no longer enough for hot work
    r = watcher.complete(permit["id"], "watcher_sign_in", {"present": True}, expect=422)
    assert r.json["errors"]["code"] == "sign_in_proof_required"
    # the watcher cannot show the code to themself; the crew leader displays it
    assert watcher.get(f"/permits/{permit['id']}/qr").status == 403
    token = qr_token(users["applicant"], permit["id"])
    png = users["applicant"].client.get(
        f"/api/v1/permits/{permit['id']}/qr?format=png",
        headers={"Authorization": f"Bearer {users['applicant'].token}"})
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    assert png.headers["X-QR-Token"] == token
    png.close()

    issued = challenge(watcher, permit["id"], token).json
    assert issued["purpose"] == "arrival" and len(issued["prompts"]) == 2
    assert len(set(issued["prompts"])) == 2
    r = sign_in(watcher, permit, qr=token, nonce=issued["nonce"], north_m=20,
                clip=face_clip(issued["prompts"]), expect=202)
    assert r.json["status"] == "pending" and r.json["poll"] == f"/api/v1/sign-ins/{r.json['id']}"

    result = verdict(plant, watcher, r.json["id"])
    assert result["status"] == "accepted", result
    assert result["geofence"]["distance_m"] == pytest.approx(20, abs=0.1)
    assert [m["prompt"] for m in result["liveness"]["matched"]] == issued["prompts"]
    assert 2 <= len(result["frames"]) <= 3
    assert result["identity"]["checked"] is False  # off by default, and said so
    frame = watcher.client.get(f"/api/v1/uploads/{result['frames'][0]}",
                               headers={"Authorization": f"Bearer {watcher.token}"})
    assert frame.status_code == 200 and frame.data.startswith(b"\xff\xd8")
    frame.close()

    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "active"
    [evidence] = detail["evidence"]["sign_ins"]
    assert evidence["person"] == "李秀英（监护人）" and evidence["method"] == "qr_gps_face"
    assert evidence["device_time"] == "2026-06-03T02:20:05+00:00"
    assert evidence["signed_at"] == frozen_clock.now().isoformat()
    watch = detail["evidence"]["supervision"]["watch"]
    assert watch["status"] == "watching"
    assert watch["due_at"] == (frozen_clock.now() + timedelta(minutes=60)).isoformat()
    actions = [e["action"] for e in detail["history"]]
    assert {"sign_in.challenged", "sign_in.submitted", "sign_in.accepted"} <= set(actions)
    assert "watcher_sign_in" in detail["compliance"]["executed"]


def test_a_refused_sign_in_keeps_its_evidence_and_alerts_the_safety_director(
        users, plant, frozen_clock):
    permit = approved_permit(plant, users, frozen_clock)
    watcher = users["watcher"]
    token = qr_token(users["applicant"], permit["id"])
    issued = challenge(watcher, permit["id"], token).json
    r = sign_in(watcher, permit, qr=token, nonce=issued["nonce"], north_m=51,
                clip=static_clip(), expect=202)
    result = verdict(plant, watcher, r.json["id"])
    assert result["status"] == "refused"
    assert result["reasons"][0] == "outside_fence"
    assert {f"prompt_missing:{p}" for p in issued["prompts"]} <= set(result["reasons"])
    assert result["frames"], "frames are kept for a refused sign-in too"

    alerts = users["safety_director"].client.application
    from sqlalchemy import select

    from engine import db
    from processes.models import Notification

    with alerts.app_context():
        notes = db.session.execute(select(Notification).where(
            Notification.kind == "sign_in.refused")).scalars().all()
        assert [(n.role, n.severity, n.permit_id) for n in notes] == [
            ("safety_director", "high", permit["id"])]
        assert "outside_fence" in notes[0].body
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "approved"
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["watcher_sign_in"]

    # the same prompts cannot be used twice; a fresh scan and a live face pass
    again = sign_in(watcher, permit, qr=token, nonce=issued["nonce"], clip=static_clip())
    assert again.status == 409
    issued = challenge(watcher, permit["id"], token).json
    r = sign_in(watcher, permit, qr=token, nonce=issued["nonce"],
                clip=face_clip(issued["prompts"]), expect=202)
    assert verdict(plant, watcher, r.json["id"])["status"] == "accepted"
    statuses = [s["status"] for s in users["applicant"].get(
        f"/permits/{permit['id']}").json["evidence"]["sign_ins"]]
    assert statuses == ["refused", "accepted"]


def test_qr_codes_expire_and_belong_to_one_permit(users, plant, frozen_clock):
    permit = approved_permit(plant, users, frozen_clock)
    other = approved_permit(plant, users, frozen_clock)
    watcher = users["watcher"]
    token = qr_token(users["applicant"], permit["id"])
    r = challenge(watcher, other["id"], token, expect=422)
    assert r.json["errors"]["code"] == "qr_wrong_permit"
    r = challenge(watcher, permit["id"], token[:-3] + "abc", expect=422)
    assert r.json["errors"]["code"] == "qr_invalid"
    frozen_clock.advance(seconds=130)  # two rotations later
    r = challenge(watcher, permit["id"], token, expect=410)
    assert r.json["errors"]["code"] == "qr_expired"
    assert challenge(watcher, permit["id"], qr_token(users["applicant"], permit["id"]))
    # only the watcher signs in
    r = users["applicant"].post(f"/permits/{permit['id']}/sign-ins/challenge",
                                json={"qr": token})
    assert r.status == 403


def test_a_missing_clip_or_fix_is_a_located_error(users, plant, frozen_clock):
    permit = approved_permit(plant, users, frozen_clock)
    watcher = users["watcher"]
    token = qr_token(users["applicant"], permit["id"])
    issued = challenge(watcher, permit["id"], token).json
    r = sign_in(watcher, permit, qr=token, nonce=issued["nonce"], accuracy=None, expect=422)
    assert set(r.json["errors"]["fields"]) == {"lat", "lon", "accuracy", "clip"}
    r = sign_in(watcher, permit, qr=token, nonce=issued["nonce"], clip=b"not a video",
                expect=422)
    assert "clip" in r.json["errors"]
    frozen_clock.advance(minutes=6)
    r = sign_in(watcher, permit, qr=token, nonce=issued["nonce"], clip=static_clip(),
                expect=410)
    assert r.json["errors"]["code"] == "challenge_expired"
