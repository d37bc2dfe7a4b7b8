"""Whole confined-space permits through the HTTP API (GB 30871-2022 clause 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import Api, person_id
from tests.work_permits import (
    CS_STEPS,
    application,
    approve,
    checklist,
    open_steps,
    readings,
    tick,
)

KEY = "confined_space"


@pytest.fixture()
def users(plant_all):
    return {name: Api(plant_all, name) for name in (
        "applicant", "watcher", "unit_approver", "safety_dept", "team_leader")}


def apply(users, plant, frozen_clock, **kwargs):
    start = frozen_clock.now() + timedelta(minutes=20)
    r = users["applicant"].post("/permits", json=application(plant, KEY, start=start,
                                                             **kwargs))
    return r, start


def prepare(users, plant, permit_id, skip=()):
    """The four preparation steps (some skipped by the safety department)."""
    for step, extra in CS_STEPS.items():
        if step in skip:
            r = users["safety_dept"].post(f"/permits/{permit_id}/tasks/{step}/skip",
                                          json={"reason": "现场条件所限，经安全部门同意"})
            assert r.status == 200, r.json
        else:
            users["applicant"].complete(permit_id, step, checklist(plant, KEY, step, **extra))


def live(users, plant, frozen_clock, skip=(), **kwargs):
    r, _ = apply(users, plant, frozen_clock, **kwargs)
    assert r.status == 201, r.json
    permit = r.json
    prepare(users, plant, permit["id"], skip)
    applicant = users["applicant"]
    applicant.complete(permit["id"], "gas_test",
                       readings(applicant, sampled_at=frozen_clock.now() - timedelta(minutes=1)))
    approve(users["unit_approver"], permit["id"], at=permit["location"])
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    return permit


def enter(users, permit_id, *names, direction="in", expect=201):
    for name in names:
        r = users["watcher"].post(f"/permits/{permit_id}/entries",
                                  json={"person": person_id_of(users, name),
                                        "direction": direction})
        assert r.status == expect, r.json
    return r


def person_id_of(users, name):
    return person_id(users["watcher"].app, name)


WORKERS = ("钱进（危化作业）", "孙浩（危化作业）")


def test_application_to_closed_with_entry_log_and_head_count(users, plant_all, frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock)
    assert r.status == 201, r.json
    permit = r.json
    assert permit["number"].startswith("SX-20260603-")
    assert permit["status"] == "approving" and permit["risk"] == "high"
    assert permit["validity"]["basis"] == "standard" and permit["validity"]["hours"] == 24
    assert open_steps(permit) == ["ventilation"]
    prepare(users, plant_all, permit["id"])
    applicant = users["applicant"]
    r = applicant.complete(permit["id"], "gas_test", readings(
        applicant, sampled_at=frozen_clock.now() - timedelta(minutes=1)))
    assert {g["gas"] for g in r.json["evidence"]["gas_readings"]} == {"o2", "ch4", "h2s"}
    assert users["applicant"].inbox() == [] or all(
        t["bpmn_id"] != "approve_1" for t in users["applicant"].inbox())
    approve(users["unit_approver"], permit["id"], at=permit["location"])
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    detail = applicant.get(f"/permits/{permit['id']}").json
    assert detail["status"] == "active"
    assert detail["valid_until"] is not None
    assert detail["evidence"]["approvals"][0]["location_warning"] is None

    r = enter(users, permit["id"], *WORKERS)
    assert r.json["head_count"] == 2
    r = applicant.complete(permit["id"], "work", {"finished": True}, expect=422)
    assert "2" in r.json["errors"]["fields"]["entries"][0]
    assert "钱进" in r.json["errors"]["fields"]["entries"][0]
    enter(users, permit["id"], *WORKERS, direction="out")
    applicant.complete(permit["id"], "work", {"finished": True})
    users["watcher"].complete(permit["id"], "entry_log", {"all_out": True, "tools_out": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"
    log = r.json["evidence"]["entry_log"]
    assert log["head_count"] == 0 and [e["direction"] for e in log["entries"]] == [
        "in", "in", "out", "out"]
    assert r.json["compliance"]["rate"] == 100.0
    assert sorted(r.json["compliance"]["required"]) == sorted([
        "ventilation", "lighting_check", "communication_test", "emergency_preparation",
        "gas_test", "watcher_sign_in", "entry_log"])


@pytest.mark.parametrize(("o2", "enriched", "status"), [
    (19.0, False, 422),
    (22.0, False, 422),
    (22.0, True, 200),
    (20.9, False, 200),
])
def test_oxygen_limits(users, plant_all, frozen_clock, o2, enriched, status):
    r, _ = apply(users, plant_all, frozen_clock, oxygen_enriched=enriched)
    permit_id = r.json["id"]
    prepare(users, plant_all, permit_id)
    applicant = users["applicant"]
    r = applicant.complete(permit_id, "gas_test", readings(
        applicant, o2=o2, sampled_at=frozen_clock.now() - timedelta(minutes=1)), expect=status)
    if status == 422:
        message = r.json["errors"]["fields"]["readings.0.value"][0]
        assert "oxygen" in message
        assert applicant.get(f"/permits/{permit_id}").json["evidence"]["gas_readings"] == []
    else:
        assert applicant.get(f"/permits/{permit_id}").json["open_tasks"][0]["bpmn_id"] \
            == "approve_1"


def test_toxic_gas_above_gbz_limit_and_missing_named_gas_are_refused(users, plant_all,
                                                                     frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock)
    permit_id = r.json["id"]
    prepare(users, plant_all, permit_id)
    applicant = users["applicant"]
    sampled = frozen_clock.now() - timedelta(minutes=1)
    r = applicant.complete(permit_id, "gas_test", readings(
        applicant, sampled_at=sampled, extra=(("CH4", 0.1, "%VOL"), ("H2S", 20.0, "ppm"))),
        expect=422)
    assert "GBZ 2.1" in r.json["errors"]["fields"]["readings.2.value"][0]
    r = applicant.complete(permit_id, "gas_test", readings(
        applicant, sampled_at=sampled, extra=(("CH4", 0.1, "%VOL"),)), expect=422)
    assert "硫化氢" in r.json["errors"]["fields"]["readings"][0]


def test_sample_older_than_30_minutes_before_entry_is_refused(users, plant_all, frozen_clock):
    r, start = apply(users, plant_all, frozen_clock)
    permit_id = r.json["id"]
    prepare(users, plant_all, permit_id)
    applicant = users["applicant"]
    r = applicant.complete(permit_id, "gas_test", readings(
        applicant, sampled_at=start - timedelta(minutes=35)), expect=422)
    assert "readings.0.sampled_at" in r.json["errors"]["fields"]


def test_entry_needs_a_fresh_test_and_monitoring_is_logged_every_two_hours(
        users, plant_all, frozen_clock):
    permit = live(users, plant_all, frozen_clock, hours=6)
    frozen_clock.advance(minutes=40)  # the approval took a while: the test is stale
    r = enter(users, permit["id"], WORKERS[0], expect=422)
    assert r.json["errors"]["code"] == "entry_refused:sample_too_old"
    applicant = users["applicant"]
    r = applicant.post(f"/permits/{permit['id']}/gas-readings",
                       json=readings(applicant, sampled_at=frozen_clock.now()))
    assert r.status == 201, r.json
    enter(users, permit["id"], WORKERS[0])
    frozen_clock.advance(hours=2, minutes=1)
    assert tick(plant_all).timers == 1
    detail = applicant.get(f"/permits/{permit['id']}").json
    assert "gas_retest" in open_steps(detail)
    assert next(t for t in detail["open_tasks"] if t["bpmn_id"] == "gas_retest")["mandatory"]
    r = enter(users, permit["id"], WORKERS[1], expect=422)
    assert r.json["errors"]["code"] == "entry_refused:monitoring_log_due"
    applicant.complete(permit["id"], "gas_retest",
                       readings(applicant, sampled_at=frozen_clock.now()))
    enter(users, permit["id"], WORKERS[1])


def test_lighting_voltage_and_checklist_rules(users, plant_all, frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock, wet_or_cramped=True)
    permit_id = r.json["id"]
    applicant = users["applicant"]
    applicant.complete(permit_id, "ventilation",
                       checklist(plant_all, KEY, "ventilation", method="natural"))
    r = applicant.complete(permit_id, "lighting_check",
                           checklist(plant_all, KEY, "lighting_check", voltage_v=24),
                           expect=422)
    assert "12 V" in r.json["errors"]["fields"]["voltage_v"][0]
    applicant.complete(permit_id, "lighting_check",
                       checklist(plant_all, KEY, "lighting_check", voltage_v=12))
    r = applicant.complete(permit_id, "communication_test", checklist(
        plant_all, KEY, "communication_test", no=("communication",), channel="radio",
        tested_ok=True), expect=422)
    assert "items.communication" in r.json["errors"]["fields"]


def test_purge_may_not_be_marked_not_applicable_when_the_space_held_hazardous_gas(
        users, plant_all, frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock)
    r = users["applicant"].complete(r.json["id"], "ventilation", checklist(
        plant_all, KEY, "ventilation", na=("purged",), method="forced"), expect=422)
    assert "items.purged" in r.json["errors"]["fields"]


def test_skipping_two_of_seven_mandatory_nodes_gives_71_4_percent(users, plant_all,
                                                                 frozen_clock):
    permit = live(users, plant_all, frozen_clock,
                  skip=("lighting_check", "communication_test"))
    enter(users, permit["id"], WORKERS[0])
    enter(users, permit["id"], WORKERS[0], direction="out")
    users["applicant"].complete(permit["id"], "work", {"finished": True})
    users["watcher"].complete(permit["id"], "entry_log", {"all_out": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    compliance = r.json["compliance"]
    assert compliance["rate"] == 71.4
    assert sorted(compliance["missing"]) == ["communication_test", "lighting_check"]
    assert len(compliance["required"]) == 7
    skipped = [t for t in r.json["tasks"] if t["status"] == "skipped"]
    assert sorted(t["bpmn_id"] for t in skipped) == ["communication_test", "lighting_check"]
    assert all(t["completed_by"] == "safety_dept" for t in skipped)
    audited = [e for e in r.json["history"] if e["action"] == "task.skipped"]
    assert [e["data"]["reason"] for e in audited] == ["现场条件所限，经安全部门同意"] * 2

    stats = users["safety_dept"].get("/analytics/compliance", group_by="type")
    assert stats.status == 200, stats.json
    [group] = [g for g in stats.json["groups"] if g["key"] == KEY]
    assert (group["rate"], group["permits"], group["required"], group["executed"]) == (
        71.4, 1, 7, 5)
    for group_by, key in (("site", "SH1"), ("month", "2026-06")):
        stats = users["safety_dept"].get("/analytics/compliance", group_by=group_by)
        assert [(g["key"], g["rate"]) for g in stats.json["groups"]] == [(key, 71.4)]
    stats = users["safety_dept"].get("/analytics/compliance", group_by="permit")
    assert stats.json["groups"][0]["key"] == permit["number"]
    assert users["applicant"].get("/analytics/compliance").status == 403


def test_skip_is_an_override_for_the_safety_department_only(users, plant_all, frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock)
    permit_id = r.json["id"]
    task = users["applicant"].task_for(permit_id, "ventilation")
    assert users["applicant"].get(f"/tasks/{task['id']}").json["skippable"] is True
    path = f"/permits/{permit_id}/tasks/ventilation/skip"
    assert users["applicant"].post(path, json={"reason": "赶工期"}).status == 403
    assert users["safety_dept"].post(path, json={}).status == 422
    prepare(users, plant_all, permit_id)
    task = users["applicant"].task_for(permit_id, "gas_test")
    assert users["applicant"].get(f"/tasks/{task['id']}").json["skippable"] is False
    r = users["safety_dept"].post(f"/permits/{permit_id}/tasks/gas_test/skip",
                                  json={"reason": "检测仪没电"})
    assert r.status == 422 and r.json["errors"]["code"] == "not_skippable"
    r = users["safety_dept"].post(f"/permits/{permit_id}/tasks/ventilation/skip",
                                  json={"reason": "已完成"})
    assert r.status == 404


def test_lapsed_validity_expires_the_permit_and_the_watcher_still_counts_out(
        users, plant_all, frozen_clock):
    permit = live(users, plant_all, frozen_clock, hours=30)
    enter(users, permit["id"], WORKERS[0])
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["valid_until"].startswith("2026-06-04T02:00")  # 24 h (GB 30871 6.10)
    frozen_clock.advance(hours=24, minutes=1)
    tick(plant_all)
    users = {name: Api(plant_all, name) for name in users}  # tokens last 12 h
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "expired"
    assert open_steps(detail) == ["entry_log"]
    r = users["watcher"].complete(permit["id"], "entry_log", {"all_out": True}, expect=422)
    assert "钱进" in r.json["errors"]["fields"]["entries"][0]
    enter(users, permit["id"], WORKERS[0], direction="out")
    users["watcher"].complete(permit["id"], "entry_log", {"all_out": True})
    r = users["unit_approver"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"


def test_watcher_leaving_withdraws_the_permit_until_the_watcher_is_back(
        users, plant_all, frozen_clock):
    permit = live(users, plant_all, frozen_clock, hours=6)
    valid_until = users["applicant"].get(f"/permits/{permit['id']}").json["valid_until"]
    enter(users, permit["id"], WORKERS[0])
    assert users["applicant"].post(f"/permits/{permit['id']}/watcher-left",
                                   json={}).status == 403
    r = users["watcher"].post(f"/permits/{permit['id']}/watcher-left",
                              json={"reason": "去取空气呼吸器"})
    assert r.status == 200, r.json
    assert r.json["status"] == "suspended"
    assert open_steps(r.json) == ["watcher_return"]
    assert any(e["action"] == "event.received" and e["data"]["name"] == "watcher_left"
               for e in r.json["history"])
    from engine import OutboxMessage, db

    with plant_all.app_context():
        alerts = [m.payload for m in db.session.query(OutboxMessage).all()
                  if m.payload.get("kind") == "permit.watcher_left"]
    assert alerts and alerts[0]["role"] == "team_leader" and alerts[0]["data"]["inside"] == 1
    r = enter(users, permit["id"], WORKERS[1], expect=409)
    enter(users, permit["id"], WORKERS[0], direction="out")
    again = users["watcher"].post(f"/permits/{permit['id']}/watcher-left", json={})
    assert again.status == 409

    frozen_clock.advance(minutes=70)  # a break over 60 min: re-test first (6.3)
    r = users["watcher"].complete(permit["id"], "watcher_return", {"resume": True},
                                  expect=422)
    assert "gas_retest" in r.json["errors"]["fields"]
    applicant = users["applicant"]
    assert applicant.post(f"/permits/{permit['id']}/gas-readings", json=readings(
        applicant, sampled_at=frozen_clock.now())).status == 201
    r = users["watcher"].complete(permit["id"], "watcher_return", {"resume": True})
    assert r.json["status"] == "active" and open_steps(r.json) == ["work"]
    # the same validity and a fresh 2-hourly monitoring cycle on the resumed work
    assert r.json["process"]["next_timer_at"] == (frozen_clock.now() + timedelta(hours=2)
                                                  ).isoformat()
    assert r.json["valid_until"] == valid_until
    enter(users, permit["id"], WORKERS[1])
    frozen_clock.advance(hours=6)
    tick(users["watcher"].app)
    detail = Api(users["watcher"].app, "watcher").get(f"/permits/{permit['id']}").json
    assert detail["status"] == "expired" and open_steps(detail) == ["entry_log"]



def test_related_hot_work_waits_for_the_confined_space_permit(users, plant_all,
                                                              frozen_clock):
    from tests.api import gas, hot_work_application, measures

    space, _ = apply(users, plant_all, frozen_clock)
    number = space.json["number"]
    start = frozen_clock.now() + timedelta(minutes=20)
    applicant = users["applicant"]
    body = hot_work_application(plant_all, start=start, area="W-1", in_confined_space=True)
    r = applicant.post("/permits", json=body)
    assert r.status == 422
    assert "related_permits" in r.json["errors"]["fields"]
    r = applicant.post("/permits", json={**body, "related_permits": ["SX-20990101-0001"]})
    assert r.status == 422 and "SX-20990101-0001" in r.json["errors"]["fields"][
        "related_permits"][0]
    r = applicant.post("/permits", json={**body, "related_permits": [number]})
    assert r.status == 201, r.json
    hot = r.json
    applicant.complete(hot["id"], "safety_measures", measures(person_id(plant_all,
                                                                        "applicant")))
    applicant.complete(hot["id"], "gas_test",
                       gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    r = users["watcher"].complete(hot["id"], "watcher_sign_in", {"present": True},
                                  expect=422)
    message = r.json["errors"]["fields"]["related_permits"][0]
    assert number in message and "approving" in message
    assert r.json["errors"]["step"] == "activate"

    prepare(users, plant_all, space.json["id"])
    applicant.complete(space.json["id"], "gas_test", readings(
        applicant, sampled_at=frozen_clock.now() - timedelta(minutes=1)))
    approve(users["unit_approver"], space.json["id"], at=space.json["location"])
    users["watcher"].complete(space.json["id"], "watcher_sign_in", {"present": True})
    r = users["watcher"].complete(hot["id"], "watcher_sign_in", {"present": True})
    assert applicant.get(f"/permits/{hot['id']}").json["status"] == "active"


def test_only_named_workers_enter_and_not_more_than_planned(users, plant_all, frozen_clock):
    permit = live(users, plant_all, frozen_clock, entry_count_planned=1)
    r = enter(users, permit["id"], "张伟（焊工）", expect=422)
    assert "person" in r.json["errors"]["fields"]
    enter(users, permit["id"], WORKERS[0])
    r = enter(users, permit["id"], WORKERS[1], expect=422)
    assert "1" in r.json["errors"]["fields"]["person"][0]
    r = users["unit_approver"].post(f"/permits/{permit['id']}/entries",
                                    json={"person": person_id_of(users, WORKERS[1]),
                                          "direction": "in"})
    assert r.status == 403
    log = users["unit_approver"].get(f"/permits/{permit['id']}/entries").json
    assert log["head_count"] == 1 and log["inside"][0]["name"] == WORKERS[0]


def test_worker_without_a_hazchem_certificate_is_refused(users, plant_all, frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock, workers=("钱进（危化作业）", "吴迪（危化作业）"))
    assert r.status == 422
    assert "吴迪" in r.json["errors"]["fields"]["workers.1"][0]
