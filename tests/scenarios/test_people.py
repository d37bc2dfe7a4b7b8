"""People and certificates through the API, as far as the credential check needs them."""

from __future__ import annotations

from tests.api import Api, person_id


def test_safety_dept_registers_a_welder_whose_new_certificate_lets_him_work(plant):
    safety = Api(plant, "safety_dept")
    r = safety.post("/people", json={"name": "钱多（新焊工）", "site": "SH1",
                                     "employee_no": "W1099"})
    assert r.status == 201, r.json
    pid = r.json["id"]
    r = safety.post(f"/people/{pid}/certificates", json={
        "type_code": "welding_cutting", "number": "T999", "issued_on": "2026-01-10",
        "expires_on": "2032-01-10"})
    assert r.status == 201, r.json
    assert r.json["status"] == "green" and r.json["review_due_on"] == "2029-01-10"
    profile = safety.get(f"/people/{pid}").json
    assert [c["number"] for c in profile["certificates"]] == ["T999"]
    history = Api(plant, "admin").get("/permits")
    assert history.status == 200


def test_certificate_dates_and_types_are_validated(plant):
    safety = Api(plant, "safety_dept")
    pid = person_id(plant, "张伟（焊工）")
    r = safety.post(f"/people/{pid}/certificates", json={
        "type_code": "welding_cutting", "number": "T1", "issued_on": "2026-01-10",
        "expires_on": "2025-01-10"})
    assert r.status == 422 and "expires_on" in r.json["errors"]
    r = safety.post(f"/people/{pid}/certificates", json={
        "type_code": "astronaut", "number": "T1", "issued_on": "2026-01-10",
        "expires_on": "2027-01-10"})
    assert r.status == 422 and "type_code" in r.json["errors"]["fields"]


def test_applicants_cannot_register_people_and_contractors_see_only_their_firm(plant):
    assert Api(plant, "applicant").post("/people", json={"name": "x"}).status == 403
    contractor = Api(plant, "contractor_admin")
    names = [p["name"] for p in contractor.get("/people").json["items"]]
    assert "马超（承包商焊工）" in names and "张伟（焊工）" not in names
    assert contractor.get(f"/people/{person_id(plant, '张伟（焊工）')}").status == 403


def test_certificate_catalogue_is_listed(plant):
    items = Api(plant, "applicant").get("/certificate-types").json["items"]
    welding = next(t for t in items if t["code"] == "welding_cutting")
    assert (welding["validity_years"], welding["review_years"]) == (6, 3)
