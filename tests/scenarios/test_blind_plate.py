"""Whole line-blinding permits through the HTTP API (GB 30871-2022 clause 7)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import Api
from tests.work_permits import application, approve, checklist, open_steps, tick

KEY = "blind_plate"


@pytest.fixture()
def users(plant_all):
    return {name: Api(plant_all, name) for name in (
        "applicant", "watcher", "unit_approver", "safety_dept")}


def apply(users, plant, frozen_clock, **kwargs):
    start = frozen_clock.now() + timedelta(minutes=20)
    return users["applicant"].post("/permits", json=application(plant, KEY, start=start,
                                                                **kwargs))


def live(users, plant, frozen_clock, **kwargs):
    r = apply(users, plant, frozen_clock, **kwargs)
    assert r.status == 201, r.json
    permit = r.json
    users["applicant"].complete(permit["id"], "safety_measures",
                                checklist(plant, KEY, "safety_measures",
                                          na=("acid_alkali", "burn_protection",
                                              "frost_protection", "other_permits",
                                              "other_measures")))
    approve(users["unit_approver"], permit["id"], at=permit["location"])
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    return permit


def test_application_to_closed_one_blind_one_action(users, plant_all, frozen_clock):
    permit = live(users, plant_all, frozen_clock)
    assert permit["number"].startswith("MB-20260603-")
    assert permit["fields"]["blind_number"] == "MB-07"
    assert permit["validity"]["basis"] == "plant_setting"
    assert "工厂设置" in permit["validity"]["text"] and permit["validity"]["hours"] == 24
    applicant = users["applicant"]
    detail = applicant.get(f"/permits/{permit['id']}").json
    assert detail["status"] == "active" and open_steps(detail) == ["work"]
    r = applicant.complete(permit["id"], "work", {"finished": True, "blind_number": "MB-08",
                                                  "tag_confirmed": True}, expect=422)
    assert "MB-07" in r.json["errors"]["fields"]["blind_number"][0]
    applicant.complete(permit["id"], "work", {"finished": True, "blind_number": "mb-07",
                                              "tag_confirmed": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"
    assert r.json["compliance"]["rate"] == 100.0
    assert sorted(r.json["compliance"]["required"]) == [
        "approve_1", "close", "safety_measures", "watcher_sign_in"]


def test_second_blind_on_the_same_line_is_refused_naming_the_live_permit(
        users, plant_all, frozen_clock):
    first = apply(users, plant_all, frozen_clock).json
    r = apply(users, plant_all, frozen_clock, action="remove", blind_number="MB-09",
              line_id=" p-101－dn100 ")
    assert r.status == 422
    message = r.json["errors"]["fields"]["fields.line_id"][0]
    assert first["number"] in message and "7.10" in message
    assert r.json["errors"]["code"] == "line_busy"
    other_line = apply(users, plant_all, frozen_clock, line_id="P-102-DN80")
    assert other_line.status == 201
    r = users["applicant"].post(f"/permits/{first['id']}/cancel", json={"reason": "改期"})
    assert r.status == 200
    assert apply(users, plant_all, frozen_clock, blind_number="MB-09").status == 201


def test_one_permit_carries_one_blind_and_one_action(users, plant_all, frozen_clock):
    r = apply(users, plant_all, frozen_clock, action="both")
    assert "action" in r.json["errors"]["fields"]
    r = apply(users, plant_all, frozen_clock, blind_number=["MB-07", "MB-08"])
    assert "blind_number" in r.json["errors"]["fields"]
    r = apply(users, plant_all, frozen_clock, drawing_id="")
    assert "drawing_id" in r.json["errors"]["fields"]


def test_toxic_medium_measures_may_not_be_marked_not_applicable(users, plant_all,
                                                                frozen_clock):
    permit = apply(users, plant_all, frozen_clock).json
    r = users["applicant"].complete(permit["id"], "safety_measures", checklist(
        plant_all, KEY, "safety_measures", na=("toxic_ppe", "antistatic_ex")), expect=422)
    assert set(r.json["errors"]["fields"]) == {"items.toxic_ppe", "items.antistatic_ex"}


def test_lapsed_validity_expires_the_permit(users, plant_all, frozen_clock):
    permit = live(users, plant_all, frozen_clock, hours=30)
    frozen_clock.advance(hours=24, minutes=1)  # plant setting: 24 h
    assert tick(plant_all).timers == 1
    r = Api(plant_all, "applicant").get(f"/permits/{permit['id']}")
    assert r.json["status"] == "expired" and open_steps(r.json) == ["close"]


def test_rejection_ends_the_permit(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock).json
    users["applicant"].complete(permit["id"], "safety_measures", checklist(
        plant_all, KEY, "safety_measures", na=("acid_alkali", "burn_protection",
                                               "frost_protection")))
    r = approve(users["unit_approver"], permit["id"], decision="reject", expect=422)
    assert "comment" in r["errors"]["fields"]
    task = users["unit_approver"].task_for(permit["id"], "approve_1")
    r = users["unit_approver"].post(f"/tasks/{task['id']}/complete", json={
        "data": {"decision": "reject", "comment": "盲板规格与法兰不符"}})
    assert r.json["status"] == "rejected"


def test_approver_signing_away_from_the_site_is_flagged(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock).json
    users["applicant"].complete(permit["id"], "safety_measures", checklist(
        plant_all, KEY, "safety_measures", na=("acid_alkali", "burn_protection",
                                               "frost_protection")))
    office = {"lat": permit["location"]["lat"] + 0.01, "lon": permit["location"]["lon"]}
    detail = approve(users["unit_approver"], permit["id"], at=office)
    [signed] = detail["evidence"]["approvals"]
    assert signed["location_warning"] == "far" and signed["distance_m"] > 1000


def test_approval_without_a_position_is_flagged_missing(users, plant_all, frozen_clock):
    permit = apply(users, plant_all, frozen_clock).json
    users["applicant"].complete(permit["id"], "safety_measures", checklist(
        plant_all, KEY, "safety_measures", na=("acid_alkali", "burn_protection",
                                               "frost_protection")))
    detail = approve(users["unit_approver"], permit["id"])
    assert detail["evidence"]["approvals"][0]["location_warning"] == "missing"


def test_a_live_permit_cannot_be_edited(users, plant_all, frozen_clock):
    permit = live(users, plant_all, frozen_clock)
    client = users["applicant"]
    for method in ("put", "patch"):
        r = getattr(client.client, method)(f"/api/v1/permits/{permit['id']}",
                                           headers=client._headers(),
                                           json={"fields": {"blind_number": "MB-08"}})
        assert r.status_code == 405
    with plant_all.app_context():
        writable = [rule.rule for rule in plant_all.url_map.iter_rules()
                    if rule.rule.startswith("/api/v1/permits/<int:permit_id>")
                    and rule.methods & {"PUT", "PATCH"}]
    assert writable == []
    assert client.get(f"/permits/{permit['id']}").json["fields"]["blind_number"] == "MB-07"


def test_watcher_leaving_suspends_and_the_job_can_end_there(users, plant_all, frozen_clock):
    permit = live(users, plant_all, frozen_clock)
    team_leader = Api(plant_all, "team_leader")
    r = team_leader.post(f"/permits/{permit['id']}/watcher-left", json={"reason": "监护人被叫走"})
    assert r.status == 200 and r.json["status"] == "suspended"
    r = users["watcher"].complete(permit["id"], "watcher_return", {"resume": False})
    assert open_steps(r.json) == ["close"]
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"


def test_applications_that_slipped_past_each_other_resolve_for_the_first(
        users, plant_all, frozen_clock):
    from engine import db
    from processes.models import Permit

    first = apply(users, plant_all, frozen_clock).json
    second = apply(users, plant_all, frozen_clock, line_id="P-999").json
    with plant_all.app_context():  # as if both had been checked at the same moment
        row = db.session.get(Permit, second["id"])
        row.fields = {**row.fields, "line_id": "P-101-DN100"}
        db.session.commit()
    for permit in (second, first):
        users["applicant"].complete(permit["id"], "safety_measures", checklist(
            plant_all, KEY, "safety_measures", na=("acid_alkali", "burn_protection",
                                                   "frost_protection")))
        approve(users["unit_approver"], permit["id"], at=permit["location"])
    r = users["watcher"].complete(second["id"], "watcher_sign_in", {"present": True},
                                  expect=422)
    assert first["number"] in r.json["errors"]["fields"]["fields.line_id"][0]
    users["watcher"].complete(first["id"], "watcher_sign_in", {"present": True})
    assert users["applicant"].get(f"/permits/{first['id']}").json["status"] == "active"
