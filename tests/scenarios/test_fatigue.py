"""Dynamic thresholds through the HTTP API: the 7th confined-space welding application of
a welder in a calendar month freezes and goes to the team leader; rest after long jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine import db
from processes import holds, permits
from tests.api import Api, hot_work_application, measures, person_id
from tests.work_permits import application


@pytest.fixture()
def users(plant_all):
    return {name: Api(plant_all, name) for name in (
        "applicant", "team_leader", "safety_dept", "unit_approver")}


def apply(users, plant, frozen_clock, *, offset_hours: float = 0, hours: float = 4,
          **fields):
    start = frozen_clock.now() + timedelta(minutes=20, hours=offset_hours)
    related = []
    if fields.get("in_confined_space"):
        # GB 30871 4.6: welding inside a confined space needs its own confined-space permit
        space = users["applicant"].post("/permits", json=application(
            plant, "confined_space", start=start, hours=hours))
        assert space.status == 201, space.json
        related = [space.json["number"]]
    body = hot_work_application(plant, start=start, hours=hours, **fields)
    body["related_permits"] = related
    r = users["applicant"].post("/permits", json=body)
    assert r.status == 201, r.json
    return r.json


def open_steps(permit: dict) -> list[str]:
    return [t["bpmn_id"] for t in permit["open_tasks"]]


def confined(users, plant, frozen_clock, n: int) -> list[dict]:
    return [apply(users, plant, frozen_clock, offset_hours=i * 0.1, in_confined_space=True)
            for i in range(n)]


def test_the_sixth_passes_the_seventh_freezes_and_the_team_leader_releases(
        users, plant, frozen_clock):
    six = confined(users, plant, frozen_clock, 6)
    assert [p["status"] for p in six] == ["approving"] * 6
    assert all(open_steps(p) == ["safety_measures"] for p in six)
    seventh = apply(users, plant, frozen_clock, in_confined_space=True)
    assert seventh["status"] == "held" and open_steps(seventh) == ["fatigue_review"]
    assert "第7次" in seventh["status_reason"] and "张伟（焊工）" in seventh["status_reason"]
    assert seventh["open_tasks"][0]["lane"] == "team_leader"
    assert not [t for t in users["applicant"].inbox() if t["permit"]["id"] == seventh["id"]]
    held = users["team_leader"].get(f"/permits/{seventh['id']}/holds").json["items"]
    assert [(h["kind"], h["blocks"], h["details"]["count"]) for h in held] == [
        ("fatigue", "application", 7)]
    r = users["team_leader"].complete(seventh["id"], "fatigue_review", {
        "decision": "release", "comment": "已安排下周轮休，本次放行"})
    assert r.json["status"] == "approving" and open_steps(r.json) == ["safety_measures"]
    users["applicant"].complete(seventh["id"], "safety_measures",
                                measures(person_id(plant, "applicant")))
    held = users["team_leader"].get(f"/permits/{seventh['id']}/holds").json["items"]
    assert held[0]["resolution"] == "released" and held[0]["resolved_by"] == "team_leader"
    assert "fatigue_review" in r.json["compliance"]["executed"]


def test_the_team_leader_may_reject_a_frozen_application(users, plant, frozen_clock):
    confined(users, plant, frozen_clock, 6)
    seventh = apply(users, plant, frozen_clock, in_confined_space=True)
    r = users["team_leader"].complete(seventh["id"], "fatigue_review", {
        "decision": "reject", "comment": "连续受限空间焊接，换人作业"})
    assert r.json["status"] == "rejected" and r.json["open_tasks"] == []
    assert r.json["status_reason"] == "连续受限空间焊接，换人作业"


def test_other_hot_work_and_last_month_do_not_count(users, plant, frozen_clock):
    frozen_clock.set(datetime(2026, 5, 31, 2, 0, tzinfo=UTC))  # 31 May, 10:00 Shanghai
    confined(users, plant, frozen_clock, 6)
    frozen_clock.set(datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    assert apply(users, plant, frozen_clock, in_confined_space=True)["status"] == "approving"
    for i in range(6):  # ordinary hot work outside confined spaces
        p = apply(users, plant, frozen_clock, offset_hours=0.1 * (i + 1))
        assert p["status"] == "approving"


def test_the_safety_department_changes_the_threshold(users, plant, frozen_clock):
    rules = users["safety_dept"].get("/settings/thresholds").json["fatigue"]
    assert rules[0]["warn_at"] == 7
    rules[0]["warn_at"] = 1
    bad = users["safety_dept"].put("/settings/thresholds", json={"fatigue": rules})
    assert bad.status == 422 and "0.warn_at" in bad.json["errors"]["fields"]["fatigue"][0]
    rules[0]["warn_at"] = 3
    assert users["applicant"].put("/settings/thresholds", json={"fatigue": rules}).status == 403
    r = users["safety_dept"].put("/settings/thresholds", json={"fatigue": rules})
    assert r.status == 200 and r.json["fatigue"][0]["warn_at"] == 3
    statuses = [p["status"] for p in confined(users, plant, frozen_clock, 3)]
    assert statuses == ["approving", "approving", "held"]


def test_too_little_rest_after_a_long_job_freezes_the_next_one(users, plant, frozen_clock):
    first = apply(users, plant, frozen_clock, hours=10)
    assert first["status"] == "approving"
    second = apply(users, plant, frozen_clock, offset_hours=12)  # 2 h after the long one
    assert second["status"] == "held" and "rest" in second["status_reason"]
    third = apply(users, plant, frozen_clock, offset_hours=20, hours=2)  # 10 h later: fine
    assert third["status"] == "approving"


def test_a_hold_freezes_every_step_of_a_diagram_without_the_review_task(
        users, plant, frozen_clock):
    """The generic mechanism for types whose BPMN does not route to fatigue_review yet."""
    permit = apply(users, plant, frozen_clock)
    with plant.app_context():
        row = permits.get(db.session, permit["id"])
        hold = holds.place(db.session, row, kind="fatigue", blocks="application",
                           reason="test hold")
        db.session.commit()
        hold_id = hold.id
    task = users["applicant"].task_for(permit["id"], "safety_measures")
    r = users["applicant"].post(f"/tasks/{task['id']}/complete",
                                json={"data": measures(person_id(plant, "applicant"))})
    assert r.status == 409 and "test hold" in r.json["errors"]["conflict"][0]
    r = users["applicant"].post(f"/permits/{permit['id']}/holds/{hold_id}/decide",
                                json={"decision": "release", "comment": "ok"})
    assert r.status == 403
    r = users["team_leader"].post(f"/permits/{permit['id']}/holds/{hold_id}/decide",
                                  json={"decision": "release", "comment": "已核实，放行"})
    assert r.status == 200 and r.json["resolution"] == "released"
    assert users["applicant"].get(f"/permits/{permit['id']}").json["status"] == "approving"
    users["applicant"].complete(permit["id"], "safety_measures",
                                measures(person_id(plant, "applicant")))
