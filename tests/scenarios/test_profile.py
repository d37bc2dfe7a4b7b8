"""The person as a node of the process: e-profile, watcher ratings, equipment used, the
ledger, the capability matrix, organizations — through the HTTP API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api import Api, gas, hot_work_application, measures, person_id


@pytest.fixture()
def users(plant):
    return {name: Api(plant, name) for name in (
        "applicant", "watcher", "team_leader", "safety_dept", "unit_approver",
        "contractor_admin", "admin")}


def closed_job(users, plant, frozen_clock) -> int:
    start = frozen_clock.now() + timedelta(minutes=20)
    applicant = users["applicant"]
    permit_id = applicant.post("/permits", json=hot_work_application(
        plant, start=start)).json["id"]
    applicant.complete(permit_id, "safety_measures", measures(person_id(plant, "applicant")))
    applicant.complete(permit_id, "gas_test",
                       gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    users["watcher"].complete(permit_id, "watcher_sign_in", {"present": True})
    applicant.complete(permit_id, "work", {"finished": True})
    users["unit_approver"].complete(permit_id, "close", {"accepted": True})
    return permit_id


def test_profile_links_jobs_ratings_and_the_equipment_used(users, plant, frozen_clock):
    permit_id = closed_job(users, plant, frozen_clock)
    welder = users["safety_dept"].get(f"/people/{person_id(plant, '张伟（焊工）')}").json
    assert welder["jobs"]["by_role"] == {"applicant": 0, "worker": 1, "watcher": 0}
    [job] = welder["jobs"]["items"]
    assert (job["permit_id"], job["roles"], job["status"]) == (permit_id, ["worker"], "closed")
    [instrument] = welder["equipment"]
    assert (instrument["code"], instrument["kind"], instrument["calibration"]["status"]) == (
        "GD-2026-017", "gas_detector", "green")
    assert welder["certificate_summary"] == {"green": 1, "yellow": 0, "red": 0}
    assert welder["team_leaders"] == [{"id": person_id(plant, "team_leader"),
                                       "name": "赵磊（班组长）"}]

    leader, safety = users["team_leader"], users["safety_dept"]
    assert leader.post(f"/permits/{permit_id}/watcher-ratings", json={"rating": 4,
                       "comment": "全程在岗，及时制止违规"}).status == 201
    assert leader.post(f"/permits/{permit_id}/watcher-ratings",
                       json={"rating": 5}).status == 409
    low = safety.post(f"/permits/{permit_id}/watcher-ratings", json={"rating": 2})
    assert low.status == 422 and "comment" in low.json["errors"]["fields"]
    assert safety.post(f"/permits/{permit_id}/watcher-ratings", json={
        "rating": 2, "comment": "签到晚于作业开始"}).status == 201
    assert users["applicant"].post(f"/permits/{permit_id}/watcher-ratings",
                                   json={"rating": 5}).status == 403
    watcher = safety.get(f"/people/{person_id(plant, 'watcher')}").json
    assert watcher["watcher_ratings"]["count"] == 2
    assert watcher["watcher_ratings"]["average"] == 3.0
    assert watcher["jobs"]["by_role"]["watcher"] == 1


def test_ratings_wait_for_the_end_of_the_job(users, plant, frozen_clock):
    start = frozen_clock.now() + timedelta(minutes=20)
    permit_id = users["applicant"].post("/permits", json=hot_work_application(
        plant, start=start)).json["id"]
    r = users["team_leader"].post(f"/permits/{permit_id}/watcher-ratings", json={"rating": 5})
    assert r.status == 409


def test_equipment_calibration_colours(users, plant):
    safety = users["safety_dept"]
    r = safety.post("/equipment", json={"code": "GD-NEW", "name": "新检测仪",
                                        "calibration_due_on": "2026-06-20"})
    assert r.status == 201 and r.json["calibration"]["status"] == "yellow"
    r = safety.post(f"/equipment/{r.json['id']}/calibration", json={
        "last_calibrated_on": "2026-06-03", "calibration_due_on": "2027-06-03"})
    assert r.json["calibration"]["status"] == "green"
    colours = {e["code"]: e["calibration"]["status"] for e in safety.get("/equipment").json[
        "items"]}
    assert colours["GD-2025-009"] == "red" and colours["GD-2026-021"] == "yellow"
    assert safety.post("/equipment", json={"code": "GD-NEW", "name": "x"}).status == 422
    assert users["applicant"].post("/equipment", json={"code": "Y", "name": "y"}).status == 403


def test_ledger_filters_by_colour_type_and_text(users):
    safety = users["safety_dept"]
    red = safety.get("/certificates", status="red").json
    assert [(c["person"]["name"], c["status_reason"]) for c in red["items"]] == [
        ("刘洋（焊工）", "expired"), ("吴迪（危化作业）", "expired"), ("郭亮（起重司机）", "expired")]
    yellow = safety.get("/certificates", status="yellow").json["items"]
    assert [c["person"]["name"] for c in yellow] == ["杨帆（焊工）"]
    welding = safety.get("/certificates", type="welding_cutting").json
    assert welding["total"] == 4
    assert safety.get("/certificates", q="T3201011985").json["total"] == 1
    assert {c["type_code"] for c in safety.get("/certificates", family="hazchem").json[
        "items"]} == {"hazchem_chlorination", "hazchem_ops"}
    assert safety.get("/certificates", status="purple").status == 422
    assert [c["person"]["name"] for c in users["contractor_admin"].get(
        "/certificates").json["items"]] == ["马超（承包商焊工）"]


def test_capability_matrix_counts_composite_qualifications(users, plant):
    matrix = users["safety_dept"].get("/analytics/capability-matrix").json
    assert matrix["totals"]["composite_holders"] == 1
    assert matrix["combinations"] == [{"trades": ["electrician", "hazchem"], "holders": 1}]
    [zhou] = [p for p in matrix["people"] if p["composite"]]
    assert zhou["name"] == "周涛（电工/氯化）"
    assert zhou["cells"] == {"electrician_hv": "green", "hazchem_chlorination": "green"}
    holders = {t["code"]: t["holders"] for t in matrix["types"]}
    assert holders["welding_cutting"] == 3  # 张伟, 杨帆 (yellow), 马超; 刘洋's is red
    assert len(matrix["types"]) == 28
    assert users["applicant"].get("/analytics/capability-matrix").status == 403
    firm = users["contractor_admin"].get("/analytics/capability-matrix").json
    assert {p["name"] for p in firm["people"]} == {"马超（承包商焊工）", "何平（承包商管理员）"}


def test_organizations_and_legal_entities(users):
    safety, admin = users["safety_dept"], users["admin"]
    entities = safety.get("/legal-entities").json["items"]
    assert [(e["code"], e["sites"]) for e in entities] == [("HDC", ["NJ1", "SH1"]),
                                                          ("XBP", ["XJ1"])]
    orgs = {o["name"]: o for o in safety.get("/organizations").json["items"]}
    assert orgs["维修一班"]["parent_id"] == orgs["乙烯车间"]["id"]
    r = safety.post("/organizations", json={"name": "维修二班", "kind": "team",
                                            "parent_id": orgs["乙烯车间"]["id"]})
    assert r.status == 201 and (r.json["site"], r.json["legal_entity"]) == ("SH1", "HDC")
    assert safety.post("/organizations", json={"name": "x", "kind": "galaxy"}).status == 422
    assert users["applicant"].post("/organizations", json={
        "name": "y", "kind": "team"}).status == 403
    assert [o["name"] for o in users["contractor_admin"].get("/organizations").json[
        "items"]] == ["华安检修公司"]
    assert safety.post("/legal-entities", json={"code": "NEW", "name": "新公司"}).status == 403
    r = admin.post("/legal-entities", json={"code": "NEW", "name": "新公司", "sites": ["XJ1"]})
    assert r.status == 201 and r.json["sites"] == ["XJ1"]


def test_certificate_catalogue_lists_order_30_types_and_what_they_authorize(users):
    body = users["applicant"].get("/certificate-types").json
    types = {t["code"]: t for t in body["items"]}
    assert {"electrician_hv", "electrician_lv", "electrician_ex", "welding_cutting",
            "pressure_welding", "brazing", "height_work", "height_installation",
            "hazchem_nitration", "crane_operator", "crane_signaller", "watcher"} <= set(types)
    assert (types["welding_cutting"]["review_years"],
            types["welding_cutting"]["extended_review_years"],
            types["welding_cutting"]["review_window_days"]) == (3, 6, 60)
    assert (types["crane_operator"]["validity_years"], types["crane_operator"]["review_years"],
            types["crane_operator"]["category"]) == (4, 0, "special_equipment")
    assert types["brazing"]["authorizes"] == [
        {"permit_type": "hot_work", "role": "worker", "grades": ["grade1", "grade2"]}]
    assert body["permit_requirements"]["confined_space"] == {"worker": True, "watcher": True}
    assert body["permit_requirements"]["excavation"] == {"worker": False, "watcher": True}
