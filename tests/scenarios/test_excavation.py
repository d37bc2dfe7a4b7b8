"""Excavation permits (动土作业) through the HTTP API: seven departments countersign in
parallel, deep work near buried lines needs a confined-space permit too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import clock, db
from tests.api import Api, person_id
from tests.special_work import application, fire_timers, measures, open_tasks

DIGGERS = ("罗斌（普工）", "梁伟（普工）")
COUNTERSIGNERS = {"countersign_water": "water_dept", "countersign_power": "power_supplier",
                  "countersign_steam": "steam_dept", "countersign_process": "process_dept",
                  "countersign_equipment": "equipment_dept", "countersign_fire": "fire_dept",
                  "countersign_safety": "safety_dept"}


@pytest.fixture()
def users(plant_all):
    names = {"applicant", "watcher", "unit_approver", "specialist", *COUNTERSIGNERS.values()}
    return {name: Api(plant_all, name) for name in names}


def apply(users, plant, frozen_clock, *, hours: float = 6, related=(), **fields):
    start = frozen_clock.now() + timedelta(minutes=20)
    fields = {"depth_m": 1.0, "area_m2": 6.0, "method": "digging",
              "sketch": users["applicant"].upload_photo(), **fields}
    body = application(plant, "excavation", start=start, hours=hours, workers=DIGGERS,
                       related=related, **fields)
    return users["applicant"].post("/permits", json=body)


def to_countersigns(users, plant, permit_id):
    users["applicant"].complete(permit_id, "safety_measures", measures(
        "excavation", person_id(plant, "applicant"), sloping_shoring="na"))
    return users["unit_approver"].complete(permit_id, "approve_1", {"decision": "approve"})


def countersign_all(users, permit_id, *, skip=()):
    for step, role in COUNTERSIGNERS.items():
        if step not in skip:
            users[role].complete(permit_id, step, {"decision": "approve"})


def confined_space_permit(app, status: str) -> str:
    """A confined-space permit row of the same job (that type's process is built apart)."""
    from processes.models import Area, Permit

    with app.app_context():
        area = db.session.execute(select(Area).where(Area.code == "W-1")).scalar_one()
        now = clock.now()
        permit = Permit(number="SX-20260603-0001", type="confined_space", site_code="SH1",
                        area=area, lat=area.center_lat, lon=area.center_lon,
                        description="进入阀门井检修", planned_start=now,
                        planned_end=now + timedelta(hours=8),
                        applicant_id=person_id(app, "applicant"),
                        watcher_id=person_id(app, "watcher"), fields={}, related_permits=[],
                        status=status, created_at=now, updated_at=now)
        db.session.add(permit)
        db.session.commit()
        return permit.number


def set_status(app, number: str, status: str) -> None:
    from processes.models import Permit

    with app.app_context():
        db.session.execute(select(Permit).where(Permit.number == number)).scalar_one() \
            .status = status
        db.session.commit()


def test_excavation_goes_from_application_through_seven_countersigns_to_closed(
        users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock)
    assert r.status == 201, r.json
    permit = r.json
    assert permit["number"].startswith("DT-20260603-")
    assert (permit["grade"], permit["risk"]) == (None, "low")
    assert permit["validity"]["basis"] == "plant_setting"
    r = to_countersigns(users, plant_all, permit["id"])
    assert r.json["status"] == "approving"
    assert open_tasks(users["applicant"], permit["id"]) == sorted(COUNTERSIGNERS)
    countersign_all(users, permit["id"])
    r = users["specialist"].complete(permit["id"], "approve_2", {"decision": "approve"})
    assert r.json["status"] == "approved"
    assert sorted(a["role"] for a in r.json["evidence"]["approvals"]) == sorted(
        ["unit_approver", "specialist", *COUNTERSIGNERS.values()])
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    users["applicant"].complete(permit["id"], "work", {"finished": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"
    assert r.json["compliance"]["rate"] == 100.0
    assert set(COUNTERSIGNERS) <= set(r.json["compliance"]["executed"])


def test_approval_waits_for_every_countersign(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock).json
    to_countersigns(users, plant_all, permit["id"])
    countersign_all(users, permit["id"], skip={"countersign_steam"})
    assert open_tasks(users["applicant"], permit["id"]) == ["countersign_steam"]
    assert users["specialist"].inbox() == []
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "approving"
    users["steam_dept"].complete(permit["id"], "countersign_steam", {"decision": "approve"})
    assert open_tasks(users["applicant"], permit["id"]) == ["approve_2"]


def test_a_refused_countersign_stops_the_permit(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock).json
    to_countersigns(users, plant_all, permit["id"])
    users["water_dept"].complete(permit["id"], "countersign_water", {"decision": "approve"})
    r = users["power_supplier"].complete(permit["id"], "countersign_power", {
        "decision": "reject", "comment": "开挖范围内有10 kV直埋电缆，须改线"})
    assert r.json["status"] == "rejected"
    assert r.json["open_tasks"] == []
    assert "approve_2" not in [t["bpmn_id"] for t in r.json["tasks"]]
    assert users["fire_dept"].inbox() == []
    assert r.json["compliance"]["missing"] == []


def test_a_countersign_refusal_must_say_why(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock).json
    to_countersigns(users, plant_all, permit["id"])
    r = users["fire_dept"].complete(permit["id"], "countersign_fire", {"decision": "reject"},
                                    expect=422)
    assert "comment" in r.json["errors"]["fields"]


def test_each_department_countersigns_only_for_itself(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock).json
    to_countersigns(users, plant_all, permit["id"])
    assert [t["bpmn_id"] for t in users["water_dept"].inbox()] == ["countersign_water"]
    task = users["steam_dept"].task_for(permit["id"], "countersign_steam")
    r = users["water_dept"].post(f"/tasks/{task['id']}/complete",
                                 json={"data": {"decision": "approve"}})
    assert r.status == 403
    assert users["specialist"].inbox() == []


def test_shallow_hand_digging_is_not_excavation(users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock, depth_m=0.3)
    assert r.status == 422 and r.json["errors"]["code"] == "not_excavation"
    assert "不属于动土作业" in r.json["errors"]["fields"]["fields.depth_m"][0]
    r = apply(users, plant_all, frozen_clock, depth_m=0.3, machines=True,
              method="filling_levelling")
    assert r.status == 201, r.json
    assert r.json["risk"] == "medium"


def test_deep_work_near_buried_lines_needs_a_confined_space_permit(users, plant_all,
                                                                  frozen_clock):
    deep = {"depth_m": 1.5, "near_buried_lines": True}
    r = apply(users, plant_all, frozen_clock, **deep)
    assert r.status == 422 and r.json["errors"]["code"] == "confined_space_permit_required"
    assert "受限空间作业票" in r.json["errors"]["fields"]["related_permits"][0]
    r = apply(users, plant_all, frozen_clock, related=("SX-20260603-0001",), **deep)
    assert r.status == 422  # no such permit
    assert users["applicant"].get("/permits").json["total"] == 0
    assert apply(users, plant_all, frozen_clock, depth_m=1.2,
                 near_buried_lines=True).status == 201  # 1.2 m is not deeper than 1.2 m
    assert apply(users, plant_all, frozen_clock, depth_m=3.0).status == 201  # no lines


def test_a_rejected_confined_space_permit_does_not_count(users, plant_all,
                                                        frozen_clock):
    number = confined_space_permit(plant_all, "rejected")
    r = apply(users, plant_all, frozen_clock, related=(number,), depth_m=1.5,
              near_buried_lines=True)
    assert r.status == 422 and "related_permits" in r.json["errors"]["fields"]


def test_deep_excavation_starts_only_while_its_confined_space_permit_is_live(
        users, plant_all, frozen_clock):
    number = confined_space_permit(plant_all, "approving")
    r = apply(users, plant_all, frozen_clock, related=(number,), depth_m=1.5,
              near_buried_lines=True)
    assert r.status == 201, r.json
    permit = r.json
    assert permit["risk"] == "high"
    task = users["applicant"].task_for(permit["id"], "safety_measures")
    r = users["applicant"].post(f"/tasks/{task['id']}/complete", json={"data": measures(
        "excavation", person_id(plant_all, "applicant"), confined_space_measures="na")})
    assert r.status == 422 and "items.confined_space_measures" in r.json["errors"]["fields"]
    to_countersigns(users, plant_all, permit["id"])
    countersign_all(users, permit["id"])
    users["specialist"].complete(permit["id"], "approve_2", {"decision": "approve"})
    r = users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True},
                                  expect=422)
    assert r.json["errors"]["code"] == "related_permit_not_live"
    assert "related_permits" in r.json["errors"]["fields"]
    set_status(plant_all, number, "active")
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    assert users["applicant"].get(f"/permits/{permit['id']}").json["status"] == "active"


def test_the_sketch_must_be_uploaded(users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock, sketch="0" * 64)
    assert r.status == 422 and "fields.sketch" in r.json["errors"]["fields"]
    r = apply(users, plant_all, frozen_clock, sketch=None)
    assert r.status == 422 and "sketch" in r.json["errors"]["fields"]


def test_diggers_need_no_certificate_but_the_watcher_does(users, plant_all,
                                                         frozen_clock):
    start = frozen_clock.now() + timedelta(minutes=20)
    body = application(plant_all, "excavation", start=start, workers=DIGGERS,
                       watcher="张伟（焊工）", depth_m=1.0,
                       area_m2=4.0, method="digging", sketch=users["applicant"].upload_photo())
    r = users["applicant"].post("/permits", json=body)
    assert r.status == 422 and "watcher" in r.json["errors"]["fields"]
    assert not any(k.startswith("workers") for k in r.json["errors"]["fields"])


def test_lapsed_validity_expires_the_permit(users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock, hours=80)
    assert r.status == 422 and "工厂设置" in r.json["errors"]["fields"]["planned_end"][0]
    permit = apply(users, plant_all, frozen_clock, hours=5).json
    to_countersigns(users, plant_all, permit["id"])
    countersign_all(users, permit["id"])
    users["specialist"].complete(permit["id"], "approve_2", {"decision": "approve"})
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    frozen_clock.advance(hours=6)
    assert fire_timers(plant_all) == 1
    applicant = Api(plant_all, "applicant")
    assert applicant.get(f"/permits/{permit['id']}").json["status"] == "expired"
    assert open_tasks(applicant, permit["id"]) == ["close"]
