"""Whole hot-work permits driven through the HTTP API, as the seeded users would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import Api, gas, hot_work_application, measures, person_id


@pytest.fixture()
def users(plant):
    return {name: Api(plant, name) for name in (
        "applicant", "watcher", "unit_approver", "safety_dept", "plant_leader", "designer")}


def apply(users, plant, frozen_clock, **kwargs):
    start = frozen_clock.now() + timedelta(minutes=20)
    body = hot_work_application(plant, start=start, **kwargs)
    return users["applicant"].post("/permits", json=body), start


def prepare(users, plant, permit_id, start, value=8.0):
    applicant = users["applicant"]
    applicant.complete(permit_id, "safety_measures", measures(person_id(plant, "applicant")))
    return applicant.complete(permit_id, "gas_test",
                              gas(applicant, value, sampled_at=start - timedelta(minutes=21)))


def test_low_risk_grade2_job_auto_approves_and_closes(users, plant, frozen_clock):
    r, start = apply(users, plant, frozen_clock)
    assert r.status == 201, r.json
    permit = r.json
    assert permit["number"].startswith("DH-20260603-")
    assert (permit["grade"], permit["risk"], permit["status"]) == ("grade2", "low", "approving")
    r = prepare(users, plant, permit["id"], start)
    assert r.json["status"] == "approved"
    approvals = r.json["evidence"]["approvals"]
    assert approvals == [approvals[0]] and approvals[0]["rule"] == "hot_work_routing"
    assert approvals[0]["rule_version"] == 1 and approvals[0]["person_id"] is None
    assert not [t for t in r.json["tasks"] if t["bpmn_id"].startswith("approve")]
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    r = users["applicant"].get(f"/permits/{permit['id']}")
    assert r.json["status"] == "active"
    assert r.json["valid_until"] is not None
    users["applicant"].complete(permit["id"], "work", {"finished": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"
    assert r.json["compliance"]["rate"] == 100.0
    assert r.json["compliance"]["missing"] == []


def test_special_grade_at_night_on_running_equipment_escalates_to_plant_leader(
        users, plant, frozen_clock):
    frozen_clock.advance(hours=10)  # 20:00 in Shanghai
    r, start = apply(users, plant, frozen_clock, area="U-1", running_equipment=True)
    assert r.status == 201, r.json
    permit = r.json
    assert permit["grade"] == "special" and "night" in permit["upgrade_reasons"]
    prepare(users, plant, permit["id"], start)
    assert users["plant_leader"].inbox() == []
    users["unit_approver"].complete(permit["id"], "approve_1", {"decision": "approve"})
    users["safety_dept"].complete(permit["id"], "approve_2", {"decision": "approve"})
    task = users["plant_leader"].task_for(permit["id"], "approve_3")
    assert task["lane"] == "plant_leader"
    r = users["plant_leader"].complete(permit["id"], "approve_3", {"decision": "approve"})
    assert r.json["status"] == "approved"
    assert [a["role"] for a in r.json["evidence"]["approvals"]] == [
        "unit_approver", "safety_dept", "plant_leader"]


def test_expired_welding_certificate_blocks_the_application(users, plant, frozen_clock):
    r, _ = apply(users, plant, frozen_clock, workers=("张伟（焊工）", "刘洋（焊工）"))
    assert r.status == 422
    messages = r.json["errors"]["fields"]["workers.1"]
    assert "刘洋（焊工）" in messages[0] and "T320101199002023456" in messages[0]
    assert "expired" in messages[0]
    assert users["applicant"].get("/permits").json["total"] == 0


@pytest.mark.parametrize(("value", "status"), [(12.0, 422), (8.0, 200)])
def test_methane_reading_limit(users, plant, frozen_clock, value, status):
    r, start = apply(users, plant, frozen_clock)
    permit_id = r.json["id"]
    applicant = users["applicant"]
    applicant.complete(permit_id, "safety_measures", measures(person_id(plant, "applicant")))
    r = applicant.complete(permit_id, "gas_test",
                           gas(applicant, value, sampled_at=start - timedelta(minutes=21)),
                           expect=status)
    if status == 422:
        assert "readings.0.value" in r.json["errors"]["fields"]
        assert applicant.task_for(permit_id, "gas_test")
        detail = applicant.get(f"/permits/{permit_id}").json
        assert detail["evidence"]["gas_readings"] == []


def test_reading_sampled_45_minutes_before_start_is_refused(users, plant, frozen_clock):
    r, start = apply(users, plant, frozen_clock)
    permit_id = r.json["id"]
    applicant = users["applicant"]
    applicant.complete(permit_id, "safety_measures", measures(person_id(plant, "applicant")))
    r = applicant.complete(permit_id, "gas_test",
                           gas(applicant, 5.0, sampled_at=start - timedelta(minutes=45)),
                           expect=422)
    assert "readings.0.sampled_at" in r.json["errors"]["fields"]


def test_stale_concurrent_completion_gets_409_and_changes_nothing(users, plant, frozen_clock):
    r, _ = apply(users, plant, frozen_clock)
    permit_id = r.json["id"]
    revision = r.json["revision"]
    other = Api(plant, "applicant")  # the same person on a second phone
    task = users["applicant"].task_for(permit_id, "safety_measures")
    data = measures(person_id(plant, "applicant"))
    first = users["applicant"].post(f"/tasks/{task['id']}/complete",
                                    json={"data": data, "revision": revision})
    assert first.status == 200
    before = users["applicant"].get(f"/permits/{permit_id}").json
    second = other.post(f"/tasks/{task['id']}/complete", json={"data": data,
                                                              "revision": revision})
    assert second.status == 409
    after = users["applicant"].get(f"/permits/{permit_id}").json
    assert after["revision"] == before["revision"]
    assert after["history"] == before["history"]


def test_rejection_ends_the_permit(users, plant, frozen_clock):
    r, start = apply(users, plant, frozen_clock, area="PR-1")
    permit_id = r.json["id"]
    assert r.json["grade"] == "grade1"
    prepare(users, plant, permit_id, start)
    r = users["unit_approver"].complete(permit_id, "approve_1", {"decision": "reject",
                                                                 "comment": "盲板未加到位"})
    assert r.json["status"] == "rejected"
    assert r.json["open_tasks"] == []


def test_applicant_cannot_approve_and_strangers_cannot_complete(users, plant, frozen_clock):
    r, _start = apply(users, plant, frozen_clock, area="PR-1")
    permit_id = r.json["id"]
    task = users["applicant"].task_for(permit_id, "safety_measures")
    stranger = users["watcher"].post(f"/tasks/{task['id']}/complete",
                                     json={"data": measures(1)})
    assert stranger.status == 403


def test_validity_timer_expires_the_permit(users, plant, frozen_clock):
    from handlers.jobs import tick
    from web import get_engine, get_jobs

    r, start = apply(users, plant, frozen_clock, hours=2)
    permit_id = r.json["id"]
    prepare(users, plant, permit_id, start)
    users["watcher"].complete(permit_id, "watcher_sign_in", {"present": True})
    frozen_clock.advance(hours=3)
    with plant.app_context():
        result = tick(plant, get_engine(), get_jobs())
    assert result.timers == 1
    r = users["applicant"].get(f"/permits/{permit_id}")
    assert r.json["status"] == "expired"
    assert [t["bpmn_id"] for t in r.json["open_tasks"]] == ["close"]


def test_outdoor_hot_work_in_force_5_wind_is_banned_unless_it_cannot_wait(
        users, plant, frozen_clock):
    r, _ = apply(users, plant, frozen_clock, outdoor=True, wind_force=5)
    assert r.status == 422 and "fields.wind_force" in r.json["errors"]["fields"]
    r, _ = apply(users, plant, frozen_clock, outdoor=True, wind_force=5, unavoidable=True)
    assert r.status == 201
    assert r.json["grade"] == "grade1" and r.json["upgrade_reasons"] == ["wind_force_5"]


def test_a_refused_gas_test_shows_on_the_permit_timeline(users, plant, frozen_clock):
    r, start = apply(users, plant, frozen_clock)
    permit_id = r.json["id"]
    applicant = users["applicant"]
    applicant.complete(permit_id, "safety_measures", measures(person_id(plant, "applicant")))
    applicant.complete(permit_id, "gas_test",
                       gas(applicant, 12.0, sampled_at=start - timedelta(minutes=21)),
                       expect=422)
    history = applicant.get(f"/permits/{permit_id}").json["history"]
    refused = [e for e in history if e["action"] == "step.refused"]
    assert len(refused) == 1 and refused[0]["data"]["step"] == "validate_gas"
    assert "readings.0.value" in refused[0]["data"]["errors"]
