"""API: consent before the first GPS/face sign-in, withdrawal, and "what is held about me"."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import db
from engine.models import AuditEvent
from processes.models import PersonalDataConsent, SignIn
from processes.supervision import consent, settings
from tests.api import Api, person_id
from tests.supervision import (
    approved_permit,
    challenge,
    qr_token,
    sign_in,
    start_jobs,
    stop_jobs,
)

QR_GPS = {"by_type": {"hot_work": {"method": "qr_gps"}}}


@pytest.fixture(autouse=True)
def supervision_profile():
    """Hot work proves presence with QR + GPS here: a position is collected, no camera."""
    with settings.override(QR_GPS):
        yield "qr_gps"


@pytest.fixture()
def users(plant):
    start_jobs(plant)
    yield {name: Api(plant, name) for name in ("applicant", "watcher", "team_leader")}
    stop_jobs(plant)


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(db.session.execute(select(func.count(model.id))).scalar_one()
                     for model in (SignIn, AuditEvent, PersonalDataConsent))


def withdraw(api: Api):
    r = api.client.delete("/api/v1/me/consent", headers={"Authorization": f"Bearer {api.token}"})
    return r.status_code, r.get_json()


def test_the_first_gps_sign_in_waits_for_consent_and_a_withdrawal_refuses_again(
        users, plant, frozen_clock):
    permit = approved_permit(plant, users, frozen_clock)
    watcher = users["watcher"]
    token = qr_token(users["applicant"], permit["id"])
    before = counts(plant)
    r = challenge(watcher, permit["id"], token, expect=422, consent=False)
    errors = r.json["errors"]
    assert errors["code"] == "consent_required"
    [message] = errors["fields"]["consent"]
    assert message.startswith("人脸和定位属于敏感个人信息") and " / Face images" in message
    assert errors["details"][0]["consent"] == {"version": 1, "state": "none"}
    assert "我的个人信息" in message
    # sending the fix straight away is refused the same way, and nothing is kept
    clip = b"\x1aE\xdf\xa3" + b"a face clip sent without consent"
    r = sign_in(watcher, permit, qr=token, nonce="made-up", clip=clip, expect=422)
    assert r.json["errors"]["code"] == "consent_required"
    assert counts(plant) == before
    assert not (Path(plant.config["UPLOAD_FOLDER"]) / hashlib.sha256(clip).hexdigest()).exists()

    shown = watcher.get("/me/consent").json
    assert (shown["state"], shown["consented"]) == ("none", False)
    assert shown["text"]["version"] == 1 and shown["text"]["sha256"] == consent.current().sha256
    r = watcher.post("/me/consent", json={"version": 1, "agree": False})
    assert r.status == 422 and "agree" in r.json["errors"]
    r = watcher.post("/me/consent", json={"version": 7, "agree": True})
    assert r.status == 422 and r.json["errors"]["code"] == "consent_version_outdated"
    assert counts(plant) == before

    r = watcher.post("/me/consent", json={"version": 1, "agree": True})
    assert r.status == 201 and r.json["consented"] and r.json["state"] == "given"
    with plant.app_context():
        row = db.session.execute(select(PersonalDataConsent)).scalar_one()
        assert row.person_id == person_id(plant, "watcher")
        assert (row.text_version, row.text_sha256) == (1, consent.current().sha256)
        assert row.client_ip == "127.0.0.1" and "Werkzeug" in (row.client_agent or "")
        assert row.given_at == frozen_clock.now()
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "personal_data.consent_given")).scalar_one()
        assert event.actor == "watcher" and event.data["text_sha256"] == row.text_sha256

    issued = challenge(watcher, permit["id"], token, consent=False).json
    r = sign_in(watcher, permit, qr=token, nonce=issued["nonce"], north_m=10, expect=201)
    assert r.json["accepted"]

    status, body = withdraw(watcher)
    assert status == 200 and body["state"] == "withdrawn" and not body["consented"]
    r = challenge(watcher, permit["id"], qr_token(users["applicant"], permit["id"]),
                  expect=422, consent=False)
    assert r.json["errors"]["details"][0]["consent"]["state"] == "withdrawn"
    status, body = withdraw(watcher)
    assert status == 409 and body["errors"]["conflict"][0].startswith("没有可撤回的同意")


def test_a_plain_confirmation_needs_no_consent_and_keeps_no_position_without_it(
        users, plant, frozen_clock):
    watcher = users["watcher"]
    with settings.override({"by_type": {}, "by_area": {}}):
        first = approved_permit(plant, users, frozen_clock)
        second = approved_permit(plant, users, frozen_clock)
        where = {"lat": first["location"]["lat"], "lon": first["location"]["lon"]}
        task = watcher.task_for(first["id"], "watcher_sign_in")
        r = watcher.post(f"/tasks/{task['id']}/complete",
                         json={"data": {"present": True}, "location": where})
        assert r.status == 200, r.json
        assert watcher.get("/me/consent").json["state"] == "none"
        watcher.post("/me/consent", json={"version": 1, "agree": True})
        task = watcher.task_for(second["id"], "watcher_sign_in")
        assert watcher.post(f"/tasks/{task['id']}/complete", json={
            "data": {"present": True}, "location": where}).status == 200
    with plant.app_context():
        rows = {r.permit_id: r for r in db.session.execute(select(SignIn)).scalars()}
        assert rows[first["id"]].accepted and rows[first["id"]].lat is None
        assert rows[second["id"]].lat == pytest.approx(where["lat"])


def test_my_personal_data_lists_my_consent_evidence_and_its_end_and_nobody_elses(
        users, plant, frozen_clock):
    permit = approved_permit(plant, users, frozen_clock)
    watcher = users["watcher"]
    token = qr_token(users["applicant"], permit["id"])
    issued = challenge(watcher, permit["id"], token).json  # agrees first
    sign_in(watcher, permit, qr=token, nonce=issued["nonce"], north_m=10, accuracy=6.0,
            expect=201)

    data = watcher.get("/me/personal-data").json
    assert data["person"]["username"] == "watcher" and data["retention_days"] == 30
    assert data["consent"]["consented"] and [c["in_force"] for c in data["consents"]] == [True]
    [held] = data["sign_ins"]
    assert held["permit_number"] == permit["number"] and held["status"] == "accepted"
    assert held["held"]["gps"]["accuracy_m"] == 6.0
    assert (held["held"]["face_clip"], held["held"]["face_frames"]) == (False, 0)
    signed = datetime.fromisoformat(held["signed_at"])
    until = datetime.fromisoformat(held["retained_until"])
    assert held["retained_until"].endswith("+08:00")  # plant local time
    assert until - signed == timedelta(days=30) and held["purged_at"] is None
    [fix] = data["location_fixes"]
    assert fix["source"] == "sign_in" and fix["accuracy_m"] == 6.0
    assert fix["lat"] == pytest.approx(permit["location"]["lat"], abs=0.001)

    other = users["team_leader"].get("/me/personal-data").json
    assert other["person"]["username"] == "team_leader"
    assert other["sign_ins"] == [] and other["consents"] == [] and other["location_fixes"] == []
    assert not other["consent"]["consented"]
