"""Rules across permit types (GB 30871 §4) and the figures that span them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import Api, gas, hot_work_application, measures, person_id
from tests.work_permits import (
    CS_STEPS,
    application,
    approve,
    checklist,
    readings,
)


@pytest.fixture()
def users(plant_all):
    return {name: Api(plant_all, name) for name in (
        "applicant", "watcher", "unit_approver", "safety_dept", "team_leader",
        "safety_director", "plant_leader")}


def live_hot_work(users, plant, frozen_clock):
    start = frozen_clock.now() + timedelta(minutes=20)
    applicant = users["applicant"]
    permit = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    applicant.complete(permit["id"], "safety_measures", measures(person_id(plant, "applicant")))
    applicant.complete(permit["id"], "gas_test",
                       gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    return permit


def test_watcher_leaving_a_process_without_the_message_cancels_its_work(
        users, plant_all, frozen_clock):
    permit = live_hot_work(users, plant_all, frozen_clock)
    r = users["team_leader"].post(f"/permits/{permit['id']}/watcher-left",
                                  json={"reason": "监护人离岗"})
    assert r.status == 200, r.json
    assert r.json["status"] == "cancelled" and "监护人离开" in r.json["status_reason"]
    assert r.json["process"]["status"] == "cancelled" and r.json["open_tasks"] == []
    assert any(e["action"] == "instance.cancelled" for e in r.json["history"])


def test_watcher_left_needs_live_work(users, plant_all, frozen_clock):
    start = frozen_clock.now() + timedelta(minutes=20)
    permit = users["applicant"].post("/permits", json=application(
        plant_all, "confined_space", start=start)).json
    r = users["watcher"].post(f"/permits/{permit['id']}/watcher-left", json={})
    assert r.status == 409


def finished_space(users, plant, frozen_clock, skip=()):
    start = frozen_clock.now() + timedelta(minutes=20)
    applicant = users["applicant"]
    space = applicant.post("/permits", json=application(plant, "confined_space",
                                                        start=start)).json
    for step, extra in CS_STEPS.items():
        if step in skip:
            users["safety_director"].post(f"/permits/{space['id']}/tasks/{step}/skip",
                                          json={"reason": "抢修"})
        else:
            applicant.complete(space["id"], step, checklist(plant, "confined_space", step,
                                                            **extra))
    applicant.complete(space["id"], "gas_test", readings(
        applicant, sampled_at=frozen_clock.now() - timedelta(minutes=1)))
    approve(users["unit_approver"], space["id"], at=space["location"])
    users["watcher"].complete(space["id"], "watcher_sign_in", {"present": True})
    worker = person_id(plant, "钱进（危化作业）")
    for direction in ("in", "out"):
        users["watcher"].post(f"/permits/{space['id']}/entries",
                              json={"person": worker, "direction": direction})
    applicant.complete(space["id"], "work", {"finished": True})
    users["watcher"].complete(space["id"], "entry_log", {"all_out": True})
    users["unit_approver"].complete(space["id"], "close", {"accepted": True})
    return space


def test_compliance_rolls_up_per_type_and_in_total(users, plant_all, frozen_clock):
    finished_space(users, plant_all, frozen_clock, skip=("lighting_check",
                                                         "communication_test"))
    live_hot_work(users, plant_all, frozen_clock)
    stats = users["safety_director"].get("/analytics/compliance", group_by="type").json
    by_type = {g["key"]: g for g in stats["groups"]}
    assert by_type["confined_space"]["rate"] == 71.4
    assert by_type["hot_work"]["rate"] == 100.0  # measures, gas test, sign-in so far
    total = stats["total"]
    assert total["permits"] == 2
    assert total["rate"] == round(100 * total["executed"] / total["required"], 1)
    assert total["mean_permit_rate"] == round((71.4 + 100.0) / 2, 1)
    only = users["safety_director"].get("/analytics/compliance", group_by="type",
                                        type="hot_work").json
    assert [g["key"] for g in only["groups"]] == ["hot_work"]
    later = users["safety_director"].get("/analytics/compliance", **{"from": "2026-07-01"})
    assert later.json["groups"] == []
    bad = users["safety_director"].get("/analytics/compliance", group_by="weekday")
    assert bad.status == 422
    assert users["plant_leader"].get("/analytics/compliance", site="NJ1").status == 403


def test_permit_types_say_where_each_validity_comes_from(users, plant_all):
    r = users["applicant"].get("/permit-types")
    assert r.status == 200
    types = {t["key"]: t for t in r.json["items"]}
    assert len(types) == 8
    assert types["blind_plate"]["validity"]["basis"] == "plant_setting"
    assert "工厂设置" in types["blind_plate"]["validity"]["text"]
    assert types["confined_space"]["validity"] == {
        "hours": 24, "basis": "standard", "clause": "6.10",
        "text": "GB 30871-2022 6.10：不超过 24 小时 / at most 24 h"}
    assert types["temporary_power"]["validity"]["clause"] == "10.8"
    assert types["hot_work"]["validity"]["hours_by_grade"] == {
        "special": 8, "grade1": 8, "grade2": 72}
    for key in ("confined_space", "blind_plate", "temporary_power"):
        assert types[key]["deployed"] is True
        assert types[key]["fields"] in r.json["schemas"]
    assert "line_id" in r.json["schemas"]["BlindPlateFields"]["properties"]
    steps = {i["step"] for i in types["confined_space"]["checklist"]}
    assert steps == {"ventilation", "lighting_check", "communication_test",
                     "emergency_preparation", "gas_test"}
