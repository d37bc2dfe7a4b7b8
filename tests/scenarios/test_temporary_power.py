"""Whole temporary-power permits through the HTTP API (GB 30871-2022 clause 10)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.api import Api, gas
from tests.work_permits import application, approve, checklist, open_steps, readings, tick

KEY = "temporary_power"
NA = ("ex_rated", "overhead_height", "no_bare_conductors", "buried_depth", "other_permits",
      "other_measures")


@pytest.fixture()
def users(plant_all):
    return {name: Api(plant_all, name) for name in (
        "applicant", "watcher", "power_supplier", "unit_approver", "safety_dept")}


def apply(users, plant, frozen_clock, hours=8, **kwargs):
    start = frozen_clock.now() + timedelta(minutes=20)
    return users["applicant"].post("/permits", json=application(
        plant, KEY, start=start, hours=hours, **kwargs)), start


def live(users, plant, frozen_clock, **kwargs):
    r, _ = apply(users, plant, frozen_clock, **kwargs)
    assert r.status == 201, r.json
    permit = r.json
    users["applicant"].complete(permit["id"], "safety_measures",
                                checklist(plant, KEY, "safety_measures", na=NA))
    approve(users["power_supplier"], permit["id"], at=permit["location"])
    users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    return permit


def test_general_area_needs_no_gas_test_and_the_power_supplier_approves_and_closes(
        users, plant_all, frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock)
    assert r.status == 201, r.json
    permit = r.json
    assert permit["number"].startswith("LD-20260603-") and permit["risk"] == "medium"
    r = users["applicant"].complete(permit["id"], "safety_measures",
                                    checklist(plant_all, KEY, "safety_measures", na=NA))
    assert open_steps(r.json) == ["approve_1"]
    assert users["unit_approver"].inbox() == []
    task = users["power_supplier"].task_for(permit["id"], "approve_1")
    assert task["lane"] == "power_supplier"
    approve(users["power_supplier"], permit["id"], at=permit["location"])
    r = users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True})
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    assert detail["status"] == "active"
    assert detail["valid_until"] == (frozen_clock.now() + timedelta(hours=8, minutes=20)
                                     ).isoformat()  # the planned end comes before 3 days
    users["applicant"].complete(permit["id"], "work", {"finished": True})
    r = users["power_supplier"].complete(permit["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed" and r.json["compliance"]["rate"] == 100.0
    assert "gas_test" not in r.json["compliance"]["required"]


def test_hazardous_area_is_refused_unless_unavoidable_and_then_needs_a_gas_test(
        users, plant_all, frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock, area="U-1")
    assert r.status == 422 and "fields.unavoidable" in r.json["errors"]["fields"]
    r, start = apply(users, plant_all, frozen_clock, area="U-1", unavoidable=True)
    assert r.status == 201 and r.json["risk"] == "high"
    permit_id = r.json["id"]
    applicant = users["applicant"]
    r = applicant.complete(permit_id, "safety_measures", checklist(
        plant_all, KEY, "safety_measures", na=NA), expect=422)
    assert "items.ex_rated" in r.json["errors"]["fields"]
    r = applicant.complete(permit_id, "safety_measures", checklist(
        plant_all, KEY, "safety_measures", na=NA[1:]))
    assert open_steps(r.json) == ["gas_test"]
    r = applicant.complete(permit_id, "gas_test", gas(applicant, 15.0,
                                                      sampled_at=start - timedelta(minutes=21)),
                           expect=422)
    assert "readings.0.value" in r.json["errors"]["fields"]
    r = applicant.complete(permit_id, "gas_test", gas(applicant, 5.0,
                                                      sampled_at=start - timedelta(minutes=21)))
    assert open_steps(r.json) == ["approve_1"]


@pytest.mark.parametrize(("fields", "field", "status"), [
    ({"days": 20}, "fields.exceptional_reason", 422),
    ({"days": 20, "exceptional_reason": "大修期间持续供电"}, None, 201),
    ({"days": 31, "exceptional_reason": "x"}, "fields.days", 422),
    ({"cable_laying": ["buried"], "cable_burial_depth_m": 0.5}, "fields.cable_burial_depth_m",
     422),
    ({"cable_laying": ["buried"], "cable_burial_depth_m": 0.8}, None, 201),
    ({"cable_laying": ["overhead"], "overhead_height_m": 3.0, "over_road": True},
     "fields.overhead_height_m", 422),
    ({"permitted_kw": 10}, "fields.equipment", 422),
    ({"voltage_v": 230}, "fields.voltage_v", 422),
    ({"days": 1}, "fields.days", 422),  # the planned window (2 days) is longer
])
def test_application_rules(users, plant_all, frozen_clock, fields, field, status):
    r, _ = apply(users, plant_all, frozen_clock, hours=48, **fields)
    assert r.status == status, r.json
    if field:  # a domain rule says "fields.x"; the schema nests its errors under "fields"
        errors = r.json["errors"]["fields"]
        assert field in errors or field.removeprefix("fields.") in errors, r.json


def test_lapsed_validity_expires_the_permit(users, plant_all, frozen_clock):
    permit = live(users, plant_all, frozen_clock, hours=36, days=2)
    frozen_clock.advance(hours=36, minutes=30)
    assert tick(plant_all).timers == 1
    r = Api(plant_all, "applicant").get(f"/permits/{permit['id']}")
    assert r.json["status"] == "expired" and open_steps(r.json) == ["close"]


def served_space(users, plant, frozen_clock):
    """A live confined-space permit the supply serves."""
    from tests.work_permits import CS_STEPS

    start = frozen_clock.now() + timedelta(minutes=20)
    applicant = users["applicant"]
    space = applicant.post("/permits", json=application(plant, "confined_space",
                                                        start=start, hours=6)).json
    for step, extra in CS_STEPS.items():
        applicant.complete(space["id"], step, checklist(plant, "confined_space", step,
                                                        **extra))
    applicant.complete(space["id"], "gas_test", readings(
        applicant, sampled_at=frozen_clock.now() - timedelta(minutes=1)))
    approve(users["unit_approver"], space["id"], at=space["location"])
    users["watcher"].complete(space["id"], "watcher_sign_in", {"present": True})
    return space


def test_supply_serving_a_confined_space_job_lives_and_ends_with_it(users, plant_all,
                                                                    frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock, served_permit="SX-20990101-0001")
    assert "fields.served_permit" in r.json["errors"]["fields"]
    space = served_space(users, plant_all, frozen_clock)
    permit = live(users, plant_all, frozen_clock, hours=48, days=2,
                  served_permit=space["number"])
    detail = users["applicant"].get(f"/permits/{permit['id']}").json
    space_detail = users["applicant"].get(f"/permits/{space['id']}").json
    assert detail["status"] == "active"
    assert detail["valid_until"] == space_detail["valid_until"]  # not 2 days: the job's life

    users["applicant"].complete(space["id"], "work", {"finished": True})
    users["watcher"].complete(space["id"], "entry_log", {"all_out": True})
    r = users["unit_approver"].complete(space["id"], "close", {"accepted": True})
    assert r.json["status"] == "closed"
    from web import get_jobs

    with plant_all.app_context():
        worker_jobs = get_jobs()
    worker_jobs.start_worker(threads=1)  # the permit.ended job runs on the in-process broker
    try:
        assert tick(plant_all).sent >= 1
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            detail = users["applicant"].get(f"/permits/{permit['id']}").json
            if detail["status"] == "expired":
                break
            time.sleep(0.05)
    finally:
        worker_jobs.stop_worker()
    assert detail["status"] == "expired"
    assert space["number"] in detail["status_reason"]
    assert open_steps(detail) == ["close"]


def test_supply_cannot_go_live_once_the_served_job_is_over(users, plant_all, frozen_clock):
    space = served_space(users, plant_all, frozen_clock)
    r, _ = apply(users, plant_all, frozen_clock, served_permit=space["number"])
    permit = r.json
    users["applicant"].complete(permit["id"], "safety_measures",
                                checklist(plant_all, KEY, "safety_measures", na=NA))
    approve(users["power_supplier"], permit["id"], at=permit["location"])
    users["applicant"].complete(space["id"], "work", {"finished": True})
    users["watcher"].complete(space["id"], "entry_log", {"all_out": True})
    users["unit_approver"].complete(space["id"], "close", {"accepted": True})
    r = users["watcher"].complete(permit["id"], "watcher_sign_in", {"present": True},
                                  expect=422)
    assert "fields.served_permit" in r.json["errors"]["fields"]


def test_electrician_certificate_is_required(users, plant_all, frozen_clock):
    r, _ = apply(users, plant_all, frozen_clock, workers=("张伟（焊工）",))
    assert r.status == 422 and "workers.0" in r.json["errors"]["fields"]
