"""Approvers working their inbox through API v1: sections, filters, claims, bulk approval."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import Api, hot_work_application, person_id
from tests.inbox import add_person, audit_actions, high_risk_permit, low_risk_permit, task_of


@pytest.fixture()
def approvers(plant_all):
    add_person(plant_all, "unit_approver2", "林峰（基层单位负责人）", ["unit_approver"])
    return {name: Api(plant_all, name) for name in (
        "unit_approver", "unit_approver2", "safety_dept", "applicant")}


def test_inbox_sections_urgency_and_filters(approvers, plant_all, frozen_clock):
    low = low_risk_permit(plant_all, frozen_clock)
    frozen_clock.advance(minutes=61)
    high = high_risk_permit(plant_all, frozen_clock)
    me = approvers["unit_approver"]
    r = me.get("/tasks")
    assert r.status == 200, r.json
    by_permit = {t["permit"]["id"]: t for t in r.json["items"]}
    assert by_permit[low["id"]]["urgency"] == "overdue"
    assert by_permit[high["id"]]["urgency"] == "normal"
    assert by_permit[low["id"]]["bulk_approvable"] is True
    assert by_permit[high["id"]]["bulk_approvable"] is False
    assert "high risk" in by_permit[high["id"]]["bulk_refusal"]
    assert [t["permit"]["id"] for t in r.json["items"]] == [low["id"], high["id"]]
    assert r.json["mine"] == [] and [g["lane"] for g in r.json["groups"]] == ["unit_approver"]
    assert r.json["counts"] == {"overdue": 1, "due_soon": 0, "normal": 1}
    assert {"code": "PR-1", "name": "PR-1 1号管廊"} in r.json["facets"]["areas"]
    assert [t["permit"]["id"] for t in me.get("/tasks", urgency="overdue").json["items"]] \
        == [low["id"]]
    assert [t["permit"]["id"] for t in me.get("/tasks", type="hot_work").json["items"]] \
        == [high["id"]]
    assert [t["permit"]["id"] for t in me.get("/tasks", area="PR-1", grade="grade1")
            .json["items"]] == [high["id"]]
    assert me.get("/tasks", grade="II").json["items"] == []
    bad = me.get("/tasks", urgency="yesterday")
    assert bad.status == 422 and "urgency" in bad.json["errors"]
    # the applicant's own step is in their "my tasks"
    applied = approvers["applicant"].post("/permits", json=hot_work_application(
        plant_all, start=frozen_clock.now() + timedelta(minutes=20))).json
    mine = approvers["applicant"].get("/tasks").json
    assert mine["groups"] == []
    assert mine["mine"] == [task_of(plant_all, applied["id"], "safety_measures")]


def test_claim_blocks_others_until_released_or_delegated(approvers, plant_all, frozen_clock):
    permit = low_risk_permit(plant_all, frozen_clock)
    task = task_of(plant_all, permit["id"], "approve_1")
    first, second = approvers["unit_approver"], approvers["unit_approver2"]
    r = first.post(f"/tasks/{task}/claim")
    assert r.status == 200, r.json
    assert (r.json["claimed_by"], r.json["mine"]) == ("unit_approver", True)
    seen = second.get("/tasks").json["items"][0]
    assert (seen["claimed_by"], seen["claimed_by_name"], seen["mine"]) == (
        "unit_approver", "陈刚（基层单位负责人）", False)
    r = second.post(f"/tasks/{task}/claim")
    assert r.status == 409 and r.json["errors"]["claimed_by"] == ["unit_approver"]
    assert "陈刚（基层单位负责人）" in r.json["errors"]["conflict"][0]
    r = second.post(f"/tasks/{task}/complete", json={"data": {"decision": "approve"}})
    assert r.status == 409 and "陈刚" in r.json["errors"]["conflict"][0]
    r = second.post(f"/tasks/{task}/unclaim", json={"reason": "我来"})
    assert r.status == 403 and "陈刚" in r.json["errors"]["permission"][0]
    r = approvers["safety_dept"].post(f"/tasks/{task}/unclaim", json={"reason": "请假"})
    assert r.status == 200 and r.json["claimed_by"] is None
    assert first.post(f"/tasks/{task}/unclaim").status == 409  # nothing to release now
    # delegate: a person who may not do the step is refused with the reason
    r = first.post(f"/tasks/{task}/delegate",
                   json={"to": person_id(plant_all, "applicant"), "reason": "出差"})
    assert r.status == 422 and "role unit_approver" in r.json["errors"]["fields"]["to"][0]
    r = first.post(f"/tasks/{task}/delegate", json={"to": person_id(plant_all, "applicant")})
    assert r.status == 422 and "reason" in r.json["errors"]
    people = first.get(f"/tasks/{task}/delegates").json["items"]
    assert [p["username"] for p in people] == ["unit_approver2"]
    r = first.post(f"/tasks/{task}/delegate",
                   json={"to": people[0]["id"], "reason": "本人出差"})
    assert r.status == 200 and r.json["claimed_by"] == "unit_approver2"
    assert first.post(f"/tasks/{task}/complete",
                      json={"data": {"decision": "approve"}}).status == 409
    r = second.post(f"/tasks/{task}/complete", json={"data": {"decision": "approve"}})
    assert r.status == 200 and r.json["status"] == "approved"
    actions = [(a, who, d.get("to"), d.get("reason")) for a, who, d in
               audit_actions(plant_all) if a != "task.completed"]
    assert actions == [
        ("task.claimed", "unit_approver", "unit_approver", None),
        ("task.unclaimed", "safety_dept", None, "请假"),
        ("task.delegated", "unit_approver", "unit_approver2", "本人出差"),
    ]


def test_bulk_approval_reports_each_task(approvers, plant_all, frozen_clock):
    lows = [low_risk_permit(plant_all, frozen_clock) for _ in range(2)]
    high = high_risk_permit(plant_all, frozen_clock)
    ids = [task_of(plant_all, p["id"], "approve_1") for p in (*lows, high)]
    me = approvers["unit_approver"]
    r = me.post("/tasks/bulk-approve", json={
        "task_ids": ids, "comment": "已现场核查",
        "location": {"lat": 31.0, "lon": 121.0}})
    assert r.status == 200, r.json
    assert (r.json["approved"], r.json["refused"]) == (2, 1)
    results = {x["task_id"]: x for x in r.json["results"]}
    for permit, task in zip(lows, ids[:2], strict=True):
        assert results[task]["approved"] is True
        assert results[task]["permit_number"] == permit["number"]
        assert me.get(f"/permits/{permit['id']}").json["status"] == "approved"
    assert results[ids[2]]["approved"] is False
    assert "only low-risk approvals" in results[ids[2]]["reason"]
    assert me.get(f"/permits/{high['id']}").json["status"] == "approving"
    # what bulk refused is still in the inbox, to approve on its own
    assert [t["id"] for t in me.get("/tasks").json["items"]] == [ids[2]]
    assert [(d["task_id"], d["outcome"]) for a, _, d in audit_actions(plant_all)
            if a == "task.bulk_approval"] == [(ids[0], "approved"), (ids[1], "approved"),
                                               (ids[2], "refused")]


def test_bulk_approval_bad_requests_are_located(approvers):
    me = approvers["unit_approver"]
    assert "task_ids" in me.post("/tasks/bulk-approve", json={"task_ids": []}).json["errors"]
    r = me.post("/tasks/bulk-approve", json={"task_ids": "abc"})
    assert r.status == 422 and "task_ids" in r.json["errors"]
    r = me.post("/tasks/bulk-approve", json={"task_ids": [f"t{i}" for i in range(51)]})
    assert r.status == 422 and "task_ids" in r.json["errors"]
    r = me.post("/tasks/bulk-approve", json={"task_ids": ["nope"]})
    assert r.status == 200 and r.json["results"] == [
        {"task_id": "nope", "approved": False, "reason": "no such task", "permit_id": None,
         "permit_number": None, "step": None, "permit_status": None}]
    assert me.post("/tasks/nope/claim").status == 404
    assert me.post("/tasks/nope/delegate", json={"to": 1, "reason": "x"}).status == 404
