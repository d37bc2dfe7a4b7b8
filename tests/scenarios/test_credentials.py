"""The credential check through the HTTP API: every way a certificate can fail blocks the
application with the person, the certificate and the rule; four eyes at approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import db
from processes.models import Person
from tests.api import Api, gas, hot_work_application, measures, person_id


@pytest.fixture()
def users(plant):
    return {name: Api(plant, name) for name in (
        "applicant", "watcher", "unit_approver", "safety_dept", "contractor_admin")}


def register(api: Api, name: str, *certs: dict) -> int:
    r = api.post("/people", json={"name": name, "site": "SH1"})
    assert r.status == 201, r.json
    pid = r.json["id"]
    for cert in certs:
        r = api.post(f"/people/{pid}/certificates", json=cert)
        assert r.status == 201, r.json
    return pid


def welding(number: str, **dates: str) -> dict:
    return {"type_code": "welding_cutting", "number": number, "issued_on": "2024-03-01",
            "expires_on": "2030-03-01", **dates}


def apply(users, plant, frozen_clock, *workers: str, **fields):
    start = frozen_clock.now() + timedelta(minutes=20)
    body = hot_work_application(plant, start=start, workers=workers or ("张伟（焊工）",),
                                **fields)
    return users["applicant"].post("/permits", json=body), start


def refusal(r, key: str = "workers.0") -> tuple[str, dict]:
    assert r.status == 422, r.json
    message = r.json["errors"]["fields"][key][0]
    [detail] = [d for d in r.json["errors"]["details"] if d["field"] == key]
    return message, detail


def test_expired_certificate_names_person_certificate_and_rule(users, plant, frozen_clock):
    r, _ = apply(users, plant, frozen_clock, "刘洋（焊工）")
    message, detail = refusal(r)
    assert "刘洋（焊工）" in message and "T320101199002023456" in message
    assert "过期" in message and "expired on" in message
    assert detail["rule"] == "expired" and detail["certificate"] == "T320101199002023456"
    assert detail["certificate_type"] == "welding_cutting"
    assert users["applicant"].get("/permits").json["total"] == 0


def test_brazing_covers_grade_2_but_not_special_grade(users, plant, frozen_clock):
    register(users["safety_dept"], "钱亮（钎焊）", {
        "type_code": "brazing", "number": "QH-001", "issued_on": "2025-01-01",
        "expires_on": "2031-01-01"})
    r, _ = apply(users, plant, frozen_clock, "钱亮（钎焊）")  # W-1: grade 2
    assert r.status == 201 and r.json["grade"] == "grade2"
    r, _ = apply(users, plant, frozen_clock, "钱亮（钎焊）", area="U-1", running_equipment=True)
    message, detail = refusal(r)
    assert r.json["errors"]["step"] == "record_grade"  # checked again once graded
    assert detail["rule"] == "out_of_scope" and detail["certificate"] == "QH-001"
    assert "钎焊作业 QH-001" in message and "特级" in message and "not special" in message


def test_voided_certificate_blocks_with_the_reason(users, plant, frozen_clock):
    safety = users["safety_dept"]
    pid = register(safety, "吴凯（焊工）", welding("HJ-777"))
    cert_id = safety.get(f"/people/{pid}").json["certificates"][0]["id"]
    r = safety.post(f"/certificates/{cert_id}/void", json={"reason": "应急管理局通报：证书造假"})
    assert r.status == 200 and r.json["status"] == "red"
    r, _ = apply(users, plant, frozen_clock, "吴凯（焊工）")
    message, detail = refusal(r)
    assert detail["rule"] == "voided" and "证书造假" in message and "HJ-777" in message


def test_missed_review_blocks_and_cannot_be_recorded_late(users, plant, frozen_clock):
    safety = users["safety_dept"]
    pid = register(safety, "郑飞（焊工）", welding(
        "HJ-888", issued_on="2022-01-10", expires_on="2028-01-10", review_due_on="2025-01-10"))
    r, _ = apply(users, plant, frozen_clock, "郑飞（焊工）")
    message, detail = refusal(r)
    assert detail["rule"] == "review_missed" and "2025-01-10" in message
    assert "art. 26" in message
    cert_id = safety.get(f"/people/{pid}").json["certificates"][0]["id"]
    r = safety.post(f"/certificates/{cert_id}/review", json={"applied_on": "2026-06-01"})
    assert r.status == 422 and "re-examination" in r.json["errors"]["fields"]["applied_on"][0]


def test_review_only_inside_the_60_day_window(users, plant, frozen_clock):
    safety = users["safety_dept"]
    pid = register(safety, "冯雷（焊工）", welding(
        "HJ-999", issued_on="2023-07-20", expires_on="2029-07-20"))
    cert = safety.get(f"/people/{pid}").json["certificates"][0]
    assert (cert["review_due_on"], cert["status"], cert["window_opens_on"]) == (
        "2026-07-20", "yellow", "2026-05-21")
    assert cert["window_open"] is True
    early = safety.post(f"/certificates/{cert['id']}/review", json={"applied_on": "2026-05-01"})
    assert early.status == 422 and "2026-05-21" in early.json["errors"]["fields"]["applied_on"][0]
    ok = safety.post(f"/certificates/{cert['id']}/review",
                     json={"applied_on": "2026-06-01", "reviewed_on": "2026-06-02"})
    assert ok.status == 200, ok.json
    # the next review would fall on the expiry day: the renewal is the review
    assert (ok.json["review_due_on"], ok.json["next_due"], ok.json["next_due_on"],
            ok.json["last_reviewed_on"], ok.json["status"]) == (
        None, "expiry", "2029-07-20", "2026-06-02", "green")


def test_ten_clean_years_in_the_trade_earn_the_six_year_interval(users, plant):
    safety = users["safety_dept"]
    pid = register(safety, "老周（焊工）", welding(
        "HJ-1010", issued_on="2024-01-10", expires_on="2030-01-10", in_trade_since="2012-05-01"))
    cert = safety.get(f"/people/{pid}").json["certificates"][0]
    assert cert["review_due_on"] is None and cert["next_due"] == "expiry"
    pid = register(safety, "小周（焊工）", welding(
        "HJ-1011", issued_on="2024-01-10", expires_on="2030-01-10", in_trade_since="2012-05-01",
        violations=1))
    assert safety.get(f"/people/{pid}").json["certificates"][0]["review_due_on"] == "2027-01-10"


def test_watcher_needs_the_watcher_certificate(users, plant, frozen_clock):
    register(users["safety_dept"], "临时监护人")
    body = hot_work_application(plant, start=frozen_clock.now() + timedelta(minutes=20))
    body["watcher"] = person_id(plant, "临时监护人")
    r = users["applicant"].post("/permits", json=body)
    message, detail = refusal(r, "watcher")
    assert detail["rule"] == "no_certificate" and "GB 30871 4.10" in message


def test_contractor_worker_needs_a_valid_access_code_covering_the_type(
        users, plant, frozen_clock):
    r, _ = apply(users, plant, frozen_clock, "马超（承包商焊工）")
    _, detail = refusal(r)
    assert detail["rule"] == "no_access_code"
    admin = users["contractor_admin"]
    contractor = person_id(plant, "马超（承包商焊工）")
    r = admin.post("/access-codes", json={"person_id": contractor, "hours": 24,
                                          "scope": "常压储罐打磨，不得带压堵漏",
                                          "permit_types": ["work_at_height"]})
    assert r.status == 201, r.json
    r, _ = apply(users, plant, frozen_clock, "马超（承包商焊工）")
    message, detail = refusal(r)
    assert detail["rule"] == "access_scope" and "常压储罐打磨" in message
    admin.post("/access-codes", json={"person_id": contractor, "hours": 24,
                                      "scope": "B-3 罐区常压储罐动火打磨",
                                      "permit_types": ["hot_work"]})
    r, _ = apply(users, plant, frozen_clock, "马超（承包商焊工）")
    assert r.status == 201, r.json


def test_four_eyes_the_applicant_never_approves_their_own_permit(users, plant, frozen_clock):
    with plant.app_context():
        applicant = db.session.execute(select(Person).where(Person.username == "applicant")
                                       ).scalar_one()
        applicant.roles = ["applicant", "unit_approver"]
        db.session.commit()
    r, start = apply(users, plant, frozen_clock, area="T-1")  # toxic area: one approval
    assert r.status == 201 and r.json["risk"] == "medium", r.json
    permit_id = r.json["id"]
    own = users["applicant"]
    own.complete(permit_id, "safety_measures", measures(person_id(plant, "applicant")))
    own.complete(permit_id, "gas_test", gas(own, 5.0, sampled_at=start - timedelta(minutes=21)))
    assert not [t for t in own.inbox() if t["bpmn_id"] == "approve_1"]
    task = users["unit_approver"].task_for(permit_id, "approve_1")
    r = own.post(f"/tasks/{task['id']}/complete", json={"data": {"decision": "approve"}})
    assert r.status == 403 and "four eyes" in r.json["errors"]["permission"][0]
    r = users["unit_approver"].complete(permit_id, "approve_1", {"decision": "approve"})
    assert r.json["status"] == "approved"
