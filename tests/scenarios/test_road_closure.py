"""Road-closure permits (断路作业) through the HTTP API: the fire and safety departments
countersign in parallel before the specialist approves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import Api, person_id
from tests.special_work import application, fire_timers, measures, open_tasks

CREW = ("罗斌（普工）",)


@pytest.fixture()
def users(plant_all):
    return {name: Api(plant_all, name) for name in (
        "applicant", "watcher", "unit_approver", "specialist", "fire_dept", "safety_dept")}


def apply(users, plant, start, *, hours: float = 3, **fields):
    fields = {"road_section": "3号路（乙烯装置东侧）", "reason": "横穿道路敷设电缆",
              "affected_units": ["乙烯车间"], "sketch": users["applicant"].upload_photo(),
              **fields}
    body = application(plant, "road_closure", start=start, hours=hours, workers=CREW,
                       **fields)
    return users["applicant"].post("/permits", json=body)


def soon(frozen_clock):
    return frozen_clock.now() + timedelta(minutes=20)


def to_countersigns(users, plant, permit_id):
    users["applicant"].complete(permit_id, "safety_measures", measures(
        "road_closure", person_id(plant, "applicant"), night_warning_lights="na"))
    users["unit_approver"].complete(permit_id, "approve_1", {"decision": "approve"})


def test_road_closure_goes_from_application_to_closed(users, plant_all, frozen_clock):
    r = apply(users, plant_all, soon(frozen_clock))
    assert r.status == 201, r.json
    permit = r.json
    assert permit["number"].startswith("DL-20260603-")
    assert (permit["grade"], permit["risk"]) == (None, "low")
    assert permit["validity"]["basis"] == "plant_setting"
    to_countersigns(users, plant_all, permit["id"])
    assert open_tasks(users["applicant"], permit["id"]) == [
        "countersign_fire", "countersign_safety"]
    users["safety_dept"].complete(permit["id"], "countersign_safety", {"decision": "approve"})
    assert users["specialist"].inbox() == []
    users["fire_dept"].complete(permit["id"], "countersign_fire", {"decision": "approve"})
    r = users["specialist"].complete(permit["id"], "approve_2", {"decision": "approve"})
    assert r.json["status"] == "approved"
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    users["applicant"].complete(permit["id"], "work", {"finished": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"
    assert r.json["compliance"]["rate"] == 100.0
    assert {"countersign_fire", "countersign_safety"} <= set(r.json["compliance"]["executed"])


def test_a_refused_fire_countersign_stops_the_permit(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, soon(frozen_clock)).json
    to_countersigns(users, plant_all, permit["id"])
    r = users["fire_dept"].complete(permit["id"], "countersign_fire", {
        "decision": "reject", "comment": "无绕行消防通道"})
    assert r.json["status"] == "rejected" and r.json["open_tasks"] == []
    assert users["safety_dept"].inbox() == []


def test_night_work_is_high_risk(users, plant_all, frozen_clock):
    frozen_clock.advance(hours=11)  # 21:00 in Shanghai
    r = apply(users, plant_all, soon(frozen_clock))
    assert r.status == 201 and r.json["risk"] == "high"
    task = users["applicant"].task_for(r.json["id"], "safety_measures")
    r = users["applicant"].post(f"/tasks/{task['id']}/complete", json={"data": measures(
        "road_closure", person_id(plant_all, "applicant"), night_warning_lights="na")})
    assert r.status == 422 and "items.night_warning_lights" in r.json["errors"]["fields"]
    frozen_clock.advance(hours=-11)
    r = apply(users, plant_all, soon(frozen_clock), night_work=True)
    assert r.json["risk"] == "high"
    r = apply(users, plant_all, soon(frozen_clock),
              affected_units=["乙烯车间", "储运车间", "消防队"])
    assert r.json["risk"] == "medium"
    task = users["applicant"].task_for(r.json["id"], "safety_measures")
    r = users["applicant"].post(f"/tasks/{task['id']}/complete", json={"data": measures(
        "road_closure", person_id(plant_all, "applicant"), traffic_plan="na")})
    assert r.status == 422 and "items.traffic_plan" in r.json["errors"]["fields"]


def test_the_sketch_and_the_affected_units_are_required(users, plant_all,
                                                       frozen_clock):
    r = apply(users, plant_all, soon(frozen_clock), sketch="a" * 64)
    assert r.status == 422 and "fields.sketch" in r.json["errors"]["fields"]
    r = apply(users, plant_all, soon(frozen_clock), affected_units=[])
    assert r.status == 422 and "affected_units" in r.json["errors"]["fields"]


def test_lapsed_validity_expires_the_permit(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, soon(frozen_clock), hours=2).json
    to_countersigns(users, plant_all, permit["id"])
    users["fire_dept"].complete(permit["id"], "countersign_fire", {"decision": "approve"})
    users["safety_dept"].complete(permit["id"], "countersign_safety", {"decision": "approve"})
    users["specialist"].complete(permit["id"], "approve_2", {"decision": "approve"})
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    frozen_clock.advance(hours=2, minutes=30)
    assert fire_timers(plant_all) == 1
    r = users["applicant"].get(f"/permits/{permit['id']}")
    assert r.json["status"] == "expired"
    assert open_tasks(users["applicant"], permit["id"]) == ["close"]
