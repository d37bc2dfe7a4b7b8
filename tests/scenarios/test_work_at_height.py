"""Work-at-height permits (高处作业) through the HTTP API, as the seeded users would."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.api import Api, person_id
from tests.special_work import application, fire_timers, measures, open_tasks

HEIGHT_WORKER = "徐静（高处）"


@pytest.fixture()
def users(plant_all):
    return {name: Api(plant_all, name) for name in (
        "applicant", "watcher", "unit_approver", "specialist", "plant_leader")}


def apply(users, plant, frozen_clock, *, hours: float = 4, workers=(HEIGHT_WORKER,),
          **fields):
    start = frozen_clock.now() + timedelta(minutes=20)
    fields = {"working_height_m": 4.0, "fall_reference": "地面", "wind_force": 2,
              "weather": "clear", **fields}
    body = application(plant, "work_at_height", start=start, hours=hours, workers=workers,
                       **fields)
    return users["applicant"].post("/permits", json=body)


def confirm_measures(users, plant, permit_id, **answers):
    return users["applicant"].complete(permit_id, "safety_measures", measures(
        "work_at_height", person_id(plant, "applicant"), **answers))


def test_grade_one_job_goes_from_application_to_closed(users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock)
    assert r.status == 201, r.json
    permit = r.json
    assert permit["number"].startswith("GC-20260603-")
    assert (permit["grade"], permit["risk"], permit["status"]) == ("I", "low", "approving")
    assert permit["validity"]["basis"] == "standard" and permit["validity"]["hours"] == 168
    assert permit["validity"]["clause"] == "8.2.11"
    confirm_measures(users, plant_all, permit["id"])
    r = users["unit_approver"].complete(permit["id"], "approve_1", {"decision": "approve"})
    assert r.json["status"] == "approved"
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    live = users["applicant"].get(f"/permits/{permit['id']}").json
    assert live["status"] == "active"
    assert datetime.fromisoformat(live["valid_until"]) == datetime.fromisoformat(
        live["planned_end"])  # a 4-hour job: the planned end comes first
    users["applicant"].complete(permit["id"], "work", {"finished": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"
    assert r.json["compliance"]["rate"] == 100.0
    assert sorted(r.json["compliance"]["required"]) == [
        "approve_1", "close", "safety_measures", "watcher_sign_in"]


@pytest.mark.parametrize(("fields", "grade", "reasons"), [
    ({"working_height_m": 2.0}, "I", []),
    ({"working_height_m": 5.0}, "I", []),
    ({"working_height_m": 5.1}, "II", []),
    ({"working_height_m": 15.0}, "II", []),
    ({"working_height_m": 20.0}, "III", []),
    ({"working_height_m": 31.0}, "IV", []),
    ({"working_height_m": 4.0, "risk_factors": ["slippery"]}, "II", ["slippery"]),
    ({"working_height_m": 10.0, "risk_factors": ["poor_light"]}, "III", ["poor_light"]),
    ({"working_height_m": 20.0, "risk_factors": ["disaster_rescue"]}, "IV",
     ["disaster_rescue"]),
    ({"working_height_m": 4.0, "mean_temperature_c": 3.0}, "II", ["cold_environment"]),
    ({"working_height_m": 4.0, "footing_min_mm": 400}, "II", ["narrow_footing"]),
    ({"working_height_m": 4.0, "oxygen_percent": 19.0}, "II", ["toxic_or_low_oxygen"]),
    ({"working_height_m": 4.0, "live_conductor_voltage_kv": 10,
      "live_conductor_distance_m": 1.5}, "II", ["near_live_conductor"]),
    ({"working_height_m": 4.0, "live_conductor_voltage_kv": 10,
      "live_conductor_distance_m": 1.8}, "I", []),
])
def test_grade_follows_height_band_and_risk_factors(users, plant_all, frozen_clock,
                                                    fields, grade, reasons):
    r = apply(users, plant_all, frozen_clock, **fields)
    assert r.status == 201, r.json
    assert r.json["grade"] == grade
    assert r.json["upgrade_reasons"] == reasons


def test_grade_four_escalates_to_the_plant_leader(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock, working_height_m=35.0).json
    assert permit["grade"] == "IV"
    confirm_measures(users, plant_all, permit["id"])
    assert users["plant_leader"].inbox() == []
    users["unit_approver"].complete(permit["id"], "approve_1", {"decision": "approve"})
    frozen_clock.advance(minutes=5)
    r = users["specialist"].complete(permit["id"], "approve_2", {"decision": "approve"})
    assert r.json["status"] == "approving"
    frozen_clock.advance(minutes=5)
    r = users["plant_leader"].complete(permit["id"], "approve_3", {"decision": "approve"})
    assert r.json["status"] == "approved"
    assert [a["role"] for a in r.json["evidence"]["approvals"]] == [
        "unit_approver", "specialist", "plant_leader"]


def test_grade_two_is_approved_by_the_specialist(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock, working_height_m=8.0).json
    confirm_measures(users, plant_all, permit["id"])
    users["unit_approver"].complete(permit["id"], "approve_1", {"decision": "approve"})
    r = users["specialist"].complete(permit["id"], "approve_2", {"decision": "approve"})
    assert r.json["status"] == "approved"
    assert open_tasks(users["applicant"], permit["id"]) == ["watcher_sign_in"]


def test_specialist_rejection_ends_the_permit(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock, working_height_m=8.0).json
    confirm_measures(users, plant_all, permit["id"])
    users["unit_approver"].complete(permit["id"], "approve_1", {"decision": "approve"})
    r = users["specialist"].complete(permit["id"], "approve_2", {
        "decision": "reject", "comment": "脚手架未验收"})
    assert r.json["status"] == "rejected" and r.json["open_tasks"] == []


def test_below_two_metres_is_not_work_at_height(users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock, working_height_m=1.8)
    assert r.status == 422
    [message] = r.json["errors"]["fields"]["fields.working_height_m"]
    assert "不属于高处作业" in message and "1.8 m" in message
    assert r.json["errors"]["code"] == "not_work_at_height"
    assert users["applicant"].get("/permits").json["total"] == 0


@pytest.mark.parametrize(("fields", "field"), [
    ({"wind_force": 5}, "fields.wind_force"),
    ({"wind_force": 7}, "fields.wind_force"),
    ({"weather": "dense_fog"}, "fields.weather"),
    ({"risk_factors": ["gust_force_5"]}, "fields.risk_factors"),
])
def test_wind_of_force_five_or_dense_fog_bans_the_work(users, plant_all, frozen_clock,
                                                       fields, field):
    r = apply(users, plant_all, frozen_clock, **fields)
    assert r.status == 422
    assert r.json["errors"]["code"] == "weather_ban"
    assert "禁止高处作业" in r.json["errors"]["fields"][field][0]
    assert users["applicant"].get("/permits").json["total"] == 0


def test_force_four_in_light_rain_may_go_ahead(users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock, wind_force=4, weather="light_rain")
    assert r.status == 201, r.json


def test_validity_is_seven_days_and_the_timer_expires_the_permit(users, plant_all,
                                                                 frozen_clock):
    r = apply(users, plant_all, frozen_clock, hours=24 * 8)
    assert r.status == 422
    assert "7 天" in r.json["errors"]["fields"]["planned_end"][0]
    permit = apply(users, plant_all, frozen_clock, hours=24 * 7).json
    confirm_measures(users, plant_all, permit["id"])
    users["unit_approver"].complete(permit["id"], "approve_1", {"decision": "approve"})
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    live = users["applicant"].get(f"/permits/{permit['id']}").json
    activated = datetime.fromisoformat(live["activated_at"])
    assert datetime.fromisoformat(live["valid_until"]) - activated == timedelta(days=7)
    frozen_clock.advance(days=6, hours=23)
    assert fire_timers(plant_all) == 0
    frozen_clock.advance(hours=1, minutes=1)
    assert fire_timers(plant_all) == 1
    applicant = Api(plant_all, "applicant")  # a week later: a fresh login
    assert applicant.get(f"/permits/{permit['id']}").json["status"] == "expired"
    assert open_tasks(applicant, permit["id"]) == ["close"]


def test_a_worker_without_a_height_certificate_is_refused(users, plant_all,
                                                          frozen_clock):
    r = apply(users, plant_all, frozen_clock, workers=(HEIGHT_WORKER, "张伟（焊工）"))
    assert r.status == 422
    assert "张伟（焊工）" in r.json["errors"]["fields"]["workers.1"][0]


def test_communication_gear_may_not_be_skipped_at_grade_four(users, plant_all,
                                                             frozen_clock):
    low = apply(users, plant_all, frozen_clock).json
    r = confirm_measures(users, plant_all, low["id"], comms_above_30m="na")
    assert r.status == 200
    high = apply(users, plant_all, frozen_clock, working_height_m=35.0).json
    task = users["applicant"].task_for(high["id"], "safety_measures")
    r = users["applicant"].post(f"/tasks/{task['id']}/complete", json={"data": measures(
        "work_at_height", person_id(plant_all, "applicant"), comms_above_30m="na")})
    assert r.status == 422 and "items.comms_above_30m" in r.json["errors"]["fields"]
    r = users["applicant"].post(f"/tasks/{task['id']}/complete", json={"data": measures(
        "work_at_height", person_id(plant_all, "applicant"), helmet_harness=False)})
    assert r.status == 422 and "items.helmet_harness" in r.json["errors"]["fields"]
