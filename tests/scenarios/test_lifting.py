"""Lifting permits (吊装作业) through the HTTP API, as the seeded users would."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import Api, person_id
from tests.special_work import application, fire_timers, measures, open_tasks

OPERATOR = "吴刚（起重司机）"


@pytest.fixture()
def users(plant_all):
    return {name: Api(plant_all, name) for name in (
        "applicant", "watcher", "unit_approver", "specialist", "plant_leader")}


def crane(rated: float, share: float | None = None, name: str = "QY50汽车吊") -> dict:
    return {"name": name, "rated_capacity_t": rated, "load_share_t": share}


def apply(users, plant, frozen_clock, *, load_t: float = 20.0, hours: float = 4,
          workers=(OPERATOR,), cranes=None, **fields):
    start = frozen_clock.now() + timedelta(minutes=20)
    fields = {"load_t": load_t, "load_description": "换热器管束", "rigging_gear": "吊梁、卸扣",
              "cranes": cranes or [crane(150.0)],
              "riggers": [person_id(plant, "林峰（司索工）")],
              "signal_person": person_id(plant, "高翔（起重指挥）"),
              "wind_force": 3, "weather": "cloudy", **fields}
    body = application(plant, "lifting", start=start, hours=hours, workers=workers, **fields)
    return users["applicant"].post("/permits", json=body)


def confirm_measures(users, plant, permit_id, **answers):
    return users["applicant"].complete(permit_id, "safety_measures", measures(
        "lifting", person_id(plant, "applicant"), **answers))


def test_grade_three_lift_goes_from_application_to_closed(users, plant_all,
                                                          frozen_clock):
    r = apply(users, plant_all, frozen_clock, load_t=20.0)
    assert r.status == 201, r.json
    permit = r.json
    assert permit["number"].startswith("DZ-20260603-")
    assert (permit["grade"], permit["risk"]) == ("grade3", "medium")
    validity = permit["validity"]
    assert (validity["basis"], validity["hours"]) == ("plant_setting", 24)
    assert "工厂设置" in validity["text"]
    confirm_measures(users, plant_all, permit["id"], lift_plan_approved="na")
    users["unit_approver"].complete(permit["id"], "approve_1", {"decision": "approve"})
    r = users["specialist"].complete(permit["id"], "approve_2", {"decision": "approve"})
    assert r.json["status"] == "approved"
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    users["applicant"].complete(permit["id"], "work", {"finished": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"
    compliance = r.json["compliance"]
    assert (compliance["rate"], compliance["missing"]) == (100.0, [])
    assert sorted(compliance["executed"]) == sorted(compliance["required"]) == sorted(
        ["safety_measures", "approve_1", "approve_2", "watcher_sign_in", "close"])


def test_a_lift_under_ten_tonnes_needs_only_a_risk_analysis(users, plant_all,
                                                            frozen_clock):
    permit = apply(users, plant_all, frozen_clock, load_t=6.5).json
    assert (permit["grade"], permit["risk"]) == ("grade3", "low")
    confirm_measures(users, plant_all, permit["id"], lift_plan_approved="na")
    assert open_tasks(users["applicant"], permit["id"]) == ["risk_analysis"]
    r = users["applicant"].complete(permit["id"], "risk_analysis", {
        "hazards": "吊物坠落、碰撞管廊", "controls": "设警戒区，试吊，专人指挥",
        "analysed_by": person_id(plant_all, "applicant"), "confirmed": True})
    assert r.json["status"] == "approved"
    [approval] = r.json["evidence"]["approvals"]
    assert (approval["step"], approval["rule"], approval["person_id"]) == (
        "auto_approve", "lifting_routing", None)
    assert not [t for t in r.json["tasks"] if t["bpmn_id"].startswith("approve")]
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    users["applicant"].complete(permit["id"], "work", {"finished": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"
    assert "risk_analysis" in r.json["compliance"]["executed"]


@pytest.mark.parametrize(("load_t", "grade", "approvals"), [
    (9.9, "grade3", []),
    (10.0, "grade3", ["approve_1", "approve_2"]),
    (39.9, "grade3", ["approve_1", "approve_2"]),
    (40.0, "grade2", ["approve_1", "approve_2"]),
    (100.0, "grade2", ["approve_1", "approve_2"]),
    (100.5, "grade1", ["approve_1", "approve_2", "approve_3"]),
])
def test_grade_and_approvers_follow_the_mass(users, plant_all, frozen_clock, load_t,
                                             grade, approvals):
    plan = users["applicant"].upload_photo() if load_t >= 40 else None
    r = apply(users, plant_all, frozen_clock, load_t=load_t, lift_plan=plan)
    assert r.status == 201, r.json
    permit = r.json
    assert permit["grade"] == grade
    confirm_measures(users, plant_all, permit["id"])
    done = []
    roles = {"approve_1": "unit_approver", "approve_2": "specialist",
             "approve_3": "plant_leader"}
    while (todo := [t for t in open_tasks(users["applicant"], permit["id"])
                    if t.startswith("approve")]):
        users[roles[todo[0]]].complete(permit["id"], todo[0], {"decision": "approve"})
        done.append(todo[0])
    assert done == approvals


def test_a_lift_of_forty_tonnes_or_a_complex_load_needs_a_lift_plan(users, plant_all,
                                                                    frozen_clock):
    r = apply(users, plant_all, frozen_clock, load_t=60.0)
    assert r.status == 422 and r.json["errors"]["code"] == "lift_plan_required"
    assert "吊装方案" in r.json["errors"]["fields"]["fields.lift_plan"][0]
    r = apply(users, plant_all, frozen_clock, load_t=8.0, complex_load=True)
    assert r.status == 422 and "fields.lift_plan" in r.json["errors"]["fields"]
    r = apply(users, plant_all, frozen_clock, load_t=60.0, lift_plan="f" * 64)
    assert r.status == 422 and r.json["errors"]["code"] == "upload_missing"
    r = apply(users, plant_all, frozen_clock, load_t=60.0,
              lift_plan=users["applicant"].upload_photo())
    assert r.status == 201 and r.json["grade"] == "grade2"


def test_each_crane_of_a_tandem_lift_carries_at_most_eighty_percent(users, plant_all,
                                                                    frozen_clock):
    plan = users["applicant"].upload_photo()
    r = apply(users, plant_all, frozen_clock, load_t=70.0, lift_plan=plan,
              cranes=[crane(50.0, 45.0, "A"), crane(50.0, 25.0, "B")])
    assert r.status == 422 and r.json["errors"]["code"] == "crane_overloaded"
    assert "80%" in r.json["errors"]["fields"]["fields.cranes.0.load_share_t"][0]
    r = apply(users, plant_all, frozen_clock, load_t=70.0, lift_plan=plan,
              cranes=[crane(50.0, None, "A"), crane(50.0, 35.0, "B")])
    assert r.status == 422 and "fields.cranes.0.load_share_t" in r.json["errors"]["fields"]
    r = apply(users, plant_all, frozen_clock, load_t=70.0, lift_plan=plan,
              cranes=[crane(50.0, 35.0, "A"), crane(50.0, 35.0, "B")])
    assert r.status == 201, r.json
    r = apply(users, plant_all, frozen_clock, load_t=30.0, cranes=[crane(25.0)])
    assert r.status == 422 and "fields.cranes.0.rated_capacity_t" in r.json["errors"]["fields"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"wind_force": 6}, "fields.wind_force"),
    ({"weather": "heavy_snow"}, "fields.weather"),
    ({"weather": "heavy_rain"}, "fields.weather"),
    ({"weather": "dense_fog"}, "fields.weather"),
])
def test_outdoor_lifting_is_banned_in_force_six_wind_heavy_snow_rain_or_fog(
        users, plant_all, frozen_clock, fields, field):
    r = apply(users, plant_all, frozen_clock, **fields)
    assert r.status == 422 and r.json["errors"]["code"] == "weather_ban"
    assert "禁止露天吊装作业" in r.json["errors"]["fields"][field][0]
    r = apply(users, plant_all, frozen_clock, outdoor=False, **fields)
    assert r.status == 201, r.json  # indoors (a workshop crane) the ban does not apply


def test_force_five_wind_does_not_stop_a_lift(users, plant_all, frozen_clock):
    assert apply(users, plant_all, frozen_clock, wind_force=5).status == 201


def test_the_crane_operator_needs_a_valid_certificate(users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock, workers=("郭亮（起重司机）",))
    assert r.status == 422
    assert "expired" in r.json["errors"]["fields"]["workers.0"][0]
    r = apply(users, plant_all, frozen_clock, workers=("徐静（高处）",))
    assert r.status == 422 and "lifting" in r.json["errors"]["fields"]["workers.0"][0]


def test_riggers_and_the_signal_person_must_exist_and_not_be_the_watcher(
        users, plant_all, frozen_clock):
    watcher = person_id(plant_all, "watcher")
    r = apply(users, plant_all, frozen_clock, riggers=[99999], signal_person=watcher)
    assert r.status == 422
    errors = r.json["errors"]["fields"]
    assert "fields.riggers.0" in errors and "监护人" in errors["fields.signal_person"][0]


def test_validity_is_a_plant_setting_and_the_timer_expires_the_permit(
        users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock, hours=30)
    assert r.status == 422
    assert "工厂设置" in r.json["errors"]["fields"]["planned_end"][0]
    permit = apply(users, plant_all, frozen_clock, load_t=5.0, hours=3).json
    confirm_measures(users, plant_all, permit["id"])
    users["applicant"].complete(permit["id"], "risk_analysis", {
        "hazards": "吊物坠落", "controls": "警戒区", "confirmed": True,
        "analysed_by": person_id(plant_all, "applicant")})
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    frozen_clock.advance(hours=4)
    assert fire_timers(plant_all) == 1
    r = users["applicant"].get(f"/permits/{permit['id']}")
    assert r.json["status"] == "expired"
    assert open_tasks(users["applicant"], permit["id"]) == ["close"]
