"""Acts across a trust boundary, tried as an insider would: each is refused and changes
nothing, and the same act within scope still works."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import db
from processes.models import AccessCode, Area, Certificate, Person, ReportJob
from tests.api import Api, hot_work_application, person_id


def _add_person(app, username: str, roles: list[str], site: str, org: str | None = None) -> int:
    from processes.models import Organization
    from tests.conftest import _fast_hash

    with app.app_context():
        org_id = db.session.execute(select(Organization.id).where(
            Organization.name == org)).scalar_one() if org else None
        person = Person(name=username, username=username, roles=roles, site_code=site,
                        organization_id=org_id, password_hash=_fast_hash("demo"))
        db.session.add(person)
        db.session.commit()
        return person.id


@pytest.fixture()
def site_b_safety(plant) -> Api:
    _add_person(plant, "nj_safety", ["safety_dept"], "NJ1")
    return Api(plant, "nj_safety")


@pytest.fixture()
def permit_a(plant, frozen_clock) -> int:
    r = Api(plant, "applicant").post("/permits", json=hot_work_application(
        plant, start=frozen_clock.now() + timedelta(minutes=30)))
    assert r.status == 201, r.json
    return r.json["id"]


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)
                                  ).scalar_one()


def test_site_b_safety_officer_cannot_cancel_a_site_a_permit(plant, site_b_safety, permit_a):
    r = site_b_safety.post(f"/permits/{permit_a}/cancel", json={"reason": "试试"})
    assert r.status == 403
    assert "厂区" in r.json["errors"]["permission"][0]
    assert Api(plant, "applicant").get(f"/permits/{permit_a}").json["status"] != "cancelled"
    r = Api(plant, "safety_dept").post(f"/permits/{permit_a}/cancel", json={"reason": "停车检修"})
    assert r.status == 200 and r.json["status"] == "cancelled"


def test_site_b_safety_officer_cannot_change_site_a_people(plant, site_b_safety):
    welder = person_id(plant, "张伟（焊工）")
    certs = _count(plant, Certificate, Certificate.person_id == welder)
    r = site_b_safety.patch(f"/people/{welder}", json={"phone": "13900000000", "active": False})
    assert r.status == 403
    r = site_b_safety.post(f"/people/{welder}/certificates", json={
        "type_code": "welding_cutting", "number": "T-FAKE-1", "issued_on": "2026-01-01"})
    assert r.status == 403
    r = site_b_safety.post("/access-codes", json={
        "person_id": person_id(plant, "马超（承包商焊工）"), "scope": "检修",
        "permit_types": ["hot_work"], "hours": 8})
    assert r.status == 403
    with plant.app_context():
        person = db.session.get(Person, welder)
        assert person.active and person.phone != "13900000000"
    assert _count(plant, Certificate, Certificate.person_id == welder) == certs
    assert _count(plant, AccessCode) == 0
    # the site's own safety officer may
    r = Api(plant, "safety_dept").patch(f"/people/{welder}", json={"phone": "13900000000"})
    assert r.status == 200


def test_site_b_safety_officer_cannot_add_a_site_a_area(plant, site_b_safety):
    before = _count(plant, Area)
    square = {"type": "Polygon", "coordinates": [[[121.0, 31.0], [121.001, 31.0],
                                                  [121.001, 31.001], [121.0, 31.0]]]}
    body = {"site": "SH1", "code": "X-9", "name": "新罐区", "hazard_class": "general",
            "polygon": square}
    assert site_b_safety.post("/areas", json=body).status == 403
    assert _count(plant, Area) == before
    assert site_b_safety.post("/areas", json={**body, "site": "NJ1"}).status == 201


def test_site_b_safety_officer_cannot_download_a_site_a_report(plant, site_b_safety, tmp_path):
    from engine import clock

    report = tmp_path / "q.pdf"
    report.write_bytes(b"%PDF-1.4 site A")
    with plant.app_context():
        job = ReportJob(kind="quarterly", params={"site": "SH1", "year": 2026, "quarter": 2},
                        status="done", result_path=str(report),
                        requested_by=person_id(plant, "safety_dept"), created_at=clock.now())
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    nj_leader = _add_person(plant, "nj_leader", ["plant_leader"], "NJ1")
    assert nj_leader
    for api in (site_b_safety, Api(plant, "nj_leader")):
        assert api.get(f"/reports/jobs/{job_id}").status == 403
        r = api.client.get(f"/api/v1/reports/jobs/{job_id}/file", headers=api._headers())
        assert r.status_code == 403 and b"%PDF" not in r.data
    r = Api(plant, "safety_dept").get(f"/reports/jobs/{job_id}")
    assert r.status == 200


def test_safety_department_cannot_deactivate_an_admin(plant):
    admin = person_id(plant, "admin")
    r = Api(plant, "safety_dept").patch(f"/people/{admin}", json={"active": False})
    assert r.status == 403
    with plant.app_context():
        assert db.session.get(Person, admin).active


def test_contractor_admin_cannot_create_an_admin_or_grant_what_they_do_not_hold(plant):
    api = Api(plant, "contractor_admin")
    before = _count(plant, Person)
    for roles in (["admin"], ["safety_dept"], ["contractor_admin"]):
        r = api.post("/people", json={"name": "新人", "username": f"x-{roles[0]}",
                                      "roles": roles})
        assert r.status == 403, (roles, r.json)
        assert "授予" in r.json["errors"]["permission"][0]
    assert _count(plant, Person) == before
    r = api.post("/people", json={"name": "新焊工", "roles": ["applicant"]})
    assert r.status == 201, r.json


def test_a_site_safety_officer_grants_only_roles_they_hold_or_worker_roles(plant):
    api = Api(plant, "safety_dept")
    assert api.post("/people", json={"name": "甲", "roles": ["plant_leader"]}).status == 403
    assert api.post("/people", json={"name": "乙", "roles": ["safety_dept"]}).status == 201
    r = api.post("/people", json={"name": "丙", "roles": ["watcher"], "site": "NJ1"})
    assert r.status == 403


def test_a_person_without_a_site_is_not_plant_wide(plant, permit_a):
    _add_person(plant, "nowhere", ["safety_dept"], None)  # type: ignore[arg-type]
    api = Api(plant, "nowhere")
    assert api.get(f"/permits/{permit_a}").status == 403
    assert api.post(f"/permits/{permit_a}/cancel", json={"reason": "x"}).status == 403


def test_a_5000_deep_json_body_is_a_400_not_a_500(plant, permit_a):
    api = Api(plant, "safety_dept")
    deep = "[" * 5000 + "]" * 5000
    r = api.client.post(f"/api/v1/permits/{permit_a}/cancel", data=deep,
                        content_type="application/json", headers=api._headers())
    assert r.status_code == 400
    assert "嵌套" in r.get_json()["errors"]["body"][0]
    r = api.client.post(f"/api/v1/permits/{permit_a}/cancel", data='{"reason": ',
                        content_type="application/json", headers=api._headers())
    assert r.status_code == 400 and "JSON" in r.get_json()["errors"]["body"][0]
    r = api.client.post(f"/api/v1/permits/{permit_a}/cancel",
                        data='{"reason": "' + "x" * (2 * 1024 * 1024) + '"}',
                        content_type="application/json", headers=api._headers())
    assert r.status_code == 400
    assert Api(plant, "applicant").get(f"/permits/{permit_a}").json["status"] != "cancelled"


def test_page_actions_go_through_the_same_policy(plant, site_b_safety, permit_a):
    from tests.web.conftest import Browser

    page = Browser(plant, "nj_safety")
    r = page.post(f"/permits/{permit_a}/cancel", data={"reason": "试试"})
    assert r.status_code == 403
    assert "厂区" in r.get_data(as_text=True)
    assert page.get(f"/permits/{permit_a}").status_code == 403
    assert page.get(f"/people/{person_id(plant, '张伟（焊工）')}").status_code == 403
    assert Api(plant, "applicant").get(f"/permits/{permit_a}").json["status"] != "cancelled"
    assert Browser(plant, "safety_dept").get(f"/permits/{permit_a}").status_code == 200


def test_a_wide_but_shallow_json_body_is_not_refused_as_deep(plant, permit_a):
    api = Api(plant, "safety_dept")
    r = api.post(f"/permits/{permit_a}/cancel", json={"reason": "停车检修",
                                                      "readings": [{"v": [1]}] * 200})
    assert r.status == 422 and "readings" in str(r.json)  # the schema's answer, not a 400
