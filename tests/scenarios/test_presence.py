"""Presence during live work: re-confirmation, suspension, resumption and handover.

Here hot work proves presence with QR + GPS (no face) to keep the scenarios quick; the face
check has its own scenarios (test_supervision.py). The team leader's alert is delivered to
a local stand-in for the WeChat Work group robot.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import db
from processes.models import Certificate, Notification, Person
from processes.supervision import settings
from tests.api import Api, person_id
from tests.supervision import (
    Recorder,
    approved_permit,
    challenge,
    qr_token,
    run_jobs,
    sign_in,
    start_jobs,
    stop_jobs,
)

QR_GPS = {"by_type": {"hot_work": {"method": "qr_gps", "reconfirm_minutes": 60,
                                   "reconfirm_on_gas_retest": True}}}


@pytest.fixture(autouse=True)
def supervision_profile():
    with settings.override(QR_GPS):
        yield "qr_gps"


@pytest.fixture()
def wecom(plant):
    server = Recorder()
    before = plant.config.get("NOTIFY")
    plant.config["NOTIFY"] = {"timeout": 5, "base_url": "https://permits.example",
                              "wecom": {"webhook": f"{server.url}/cgi-bin/webhook/send?key=k"}}
    yield server
    plant.config["NOTIFY"] = before
    server.stop()


@pytest.fixture()
def users(plant):
    start_jobs(plant)
    yield {name: Api(plant, name) for name in ("applicant", "watcher", "team_leader",
                                               "safety_director")}
    stop_jobs(plant)


def signed_in(plant, users, clock, north_m: float = 10.0) -> dict:
    permit = approved_permit(plant, users, clock)
    presence(users, permit, north_m=north_m, expect=201)
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "active"
    return detail


def presence(users, permit, *, north_m: float = 10.0, accuracy: float = 6.0, api=None,
             expect: int = 201):
    api = api or users["watcher"]
    token = qr_token(users["applicant"], permit["id"])
    issued = challenge(api, permit["id"], token).json
    assert issued["prompts"] == []  # no face for qr_gps
    return sign_in(api, permit, qr=token, nonce=issued["nonce"], north_m=north_m,
                   accuracy=accuracy, expect=expect)


def test_a_missed_reconfirmation_suspends_the_permit_and_alerts_the_team_leader_once(
        users, plant, frozen_clock, wecom):
    permit = signed_in(plant, users, frozen_clock)
    frozen_clock.advance(minutes=65)  # due at 60, within the 10-minute grace
    run_jobs(plant)
    assert users["applicant"].get(f"/permits/{permit['id']}").json["status"] == "active"

    frozen_clock.advance(minutes=6)
    run_jobs(plant)
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "suspended"
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["watcher_resume"]
    assert detail["evidence"]["supervision"]["watch"]["suspended_reason"] == \
        "missed_reconfirmation"
    run_jobs(plant)  # nothing is sent twice
    [text] = [t for t in wecom.texts() if "监护人缺位" in t]
    assert permit["number"] in text and "permits.example/api/v1/permits/" in text
    assert {r["query"]["key"][0] for r in wecom.requests} == {"k"}
    with plant.app_context():
        [note] = db.session.execute(select(Notification).where(
            Notification.kind == "watch.suspended")).scalars().all()
        assert (note.role, note.severity) == ("team_leader", "high")

    # no click-through back to work: a fresh sign-in at the work point resumes it
    users["watcher"].complete(permit["id"], "watcher_resume", {"present": True}, expect=422)
    presence(users, permit)
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "active"
    assert [t["bpmn_id"] for t in detail["open_tasks"]] == ["work"]
    assert [s["purpose"] for s in detail["evidence"]["sign_ins"]] == ["arrival", "resume"]
    assert "watcher_resume" in detail["compliance"]["executed"]
    users["applicant"].complete(permit["id"], "work", {"finished": True})


def test_a_timely_reconfirmation_keeps_work_going(users, plant, frozen_clock, wecom):
    permit = signed_in(plant, users, frozen_clock)
    frozen_clock.advance(minutes=55)
    r = presence(users, permit)
    assert r.json["purpose"] == "reconfirm" and r.json["status"] == "accepted"
    frozen_clock.advance(minutes=50)  # 105 min after arrival, 50 after the re-confirmation
    run_jobs(plant)
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "active"
    assert detail["evidence"]["supervision"]["watch"]["due_at"] == \
        (frozen_clock.now() + timedelta(minutes=10)).isoformat()
    assert not [t for t in wecom.texts() if "监护人缺位" in t]


def test_a_fix_outside_the_fence_suspends_at_once_and_an_imprecise_one_does_not(
        users, plant, frozen_clock, wecom):
    permit = signed_in(plant, users, frozen_clock)
    frozen_clock.advance(minutes=20)
    r = presence(users, permit, accuracy=80.0)
    assert (r.json["status"], r.json["reasons"]) == ("refused", ["location_imprecise"])
    assert users["applicant"].get(f"/permits/{permit['id']}").json["status"] == "active"
    r = presence(users, permit, north_m=60.0)
    assert (r.json["status"], r.json["reasons"]) == ("refused", ["outside_fence"])
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "suspended"
    assert detail["evidence"]["supervision"]["watch"]["suspended_reason"] == "outside_fence"
    run_jobs(plant)
    assert len([t for t in wecom.texts() if "监护人缺位" in t]) == 1


def test_every_gas_retest_asks_the_watcher_to_reconfirm(users, plant, frozen_clock, wecom):
    from tests.api import gas

    permit = signed_in(plant, users, frozen_clock)
    frozen_clock.advance(minutes=30)
    applicant = users["applicant"]
    r = applicant.post(f"/permits/{permit['id']}/gas-readings",
                       json=gas(applicant, 5.0, sampled_at=frozen_clock.now()))
    assert r.status == 201, r.json
    watch = r.json["evidence"]["supervision"]["watch"]
    assert (watch["due_at"], watch["due_reason"]) == (frozen_clock.now().isoformat(),
                                                      "gas_retest")
    frozen_clock.advance(minutes=11)
    run_jobs(plant)
    assert applicant.get(f"/permits/{permit['id']}").json["status"] == "suspended"


def add_substitute(plant, name: str = "周杰（替班监护人）", *, certified: bool = True) -> int:
    from tests.conftest import _fast_hash

    with plant.app_context():
        person = Person(name=name, username=f"sub{certified:d}", roles=["watcher"],
                        site_code="SH1", password_hash=_fast_hash("demo"))
        db.session.add(person)
        db.session.flush()
        if certified:
            db.session.add(Certificate(person_id=person.id, type_code="watcher",
                                       number=f"JH-SH1-9{person.id:03d}",
                                       issued_on=date(2025, 1, 1), expires_on=date(2028, 1, 1),
                                       review_due_on=date(2027, 1, 1)))
        db.session.commit()
        return person.id


def test_the_watch_is_handed_over_by_a_signed_step_and_the_substitute_signing_in(
        users, plant, frozen_clock, wecom):
    permit = signed_in(plant, users, frozen_clock)
    substitute_id = add_substitute(plant)
    untrained = add_substitute(plant, "钱多（未培训）", certified=False)
    watcher = users["watcher"]
    path = f"/permits/{permit['id']}/watcher-handover"
    r = watcher.post(path, json={"to": person_id(plant, "张伟（焊工）"), "reason": "去医务室"})
    assert r.status == 422 and "to" in r.json["errors"]["fields"]
    r = watcher.post(path, json={"to": untrained, "reason": "去医务室"})
    assert r.status == 422 and "watcher training" in r.json["errors"]["fields"]["to"][0]
    r = watcher.post(path, json={"to": substitute_id, "reason": "身体不适去医务室"})
    assert r.status == 201 and r.json["signature"]
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    [pending] = detail["evidence"]["supervision"]["handovers"]
    assert pending["status"] == "pending" and pending["to"] == substitute_id
    assert watcher.post(path, json={"to": substitute_id, "reason": "again"}).status == 409

    substitute = Api(plant, "sub1")
    r = presence(users, permit, api=substitute)
    assert (r.json["purpose"], r.json["status"]) == ("handover", "accepted")
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["watcher"]["id"] == substitute_id
    [done] = detail["evidence"]["supervision"]["handovers"]
    assert done["status"] == "completed" and done["sign_in_id"] == r.json["id"]
    assert detail["evidence"]["supervision"]["watch"]["watcher_id"] == substitute_id
    assert {"watcher.handover_requested", "watcher.handed_over"} <= {
        e["action"] for e in detail["history"]}
    # the former watcher no longer signs in for this permit
    token = qr_token(users["applicant"], permit["id"])
    assert watcher.post(f"/permits/{permit['id']}/sign-ins/challenge",
                        json={"qr": token}).status == 403
    with plant.app_context():
        from processes.models import WatcherHandover
        from processes.supervision import presence as presence_rules

        row = db.session.execute(select(WatcherHandover)).scalar_one()
        assert presence_rules.verify_handover(row, plant.config["SECRET_KEY"])
        row.reason = "edited afterwards"
        assert not presence_rules.verify_handover(row, plant.config["SECRET_KEY"])
        db.session.rollback()


def test_a_confirmation_type_reconfirms_without_proof(users, plant, frozen_clock):
    with settings.override({"by_type": {"hot_work": {"reconfirm_minutes": 30}}}):
        permit = approved_permit(plant, users, frozen_clock)
        users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
        frozen_clock.advance(minutes=25)
        r = users["watcher"].client.post(
            f"/api/v1/permits/{permit['id']}/sign-ins", data={},
            headers={"Authorization": f"Bearer {users['watcher'].token}"})
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["purpose"] == "reconfirm" and r.get_json()["accepted"]
