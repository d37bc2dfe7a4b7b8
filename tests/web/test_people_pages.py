"""The people and certificate pages: profile, ledger, alert board, contractor portal,
capability matrix — each for its users only, with the API's scope rules."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine import db
from processes.models import CertificateAlert, Organization, Person
from tests.api import person_id
from tests.conftest import _fast_hash

SCOPE = "B-3 罐区常压储罐打磨，不得带压堵漏"


@pytest.mark.parametrize(("path", "user", "needle"), [
    ("/certificates", "safety_dept", "证书台账"),
    ("/certificates/alerts", "safety_dept", "预警看板"),
    ("/capabilities", "safety_director", "能力矩阵"),
    ("/contractor", "contractor_admin", "华安检修公司"),
])
def test_each_page_opens_for_its_user_and_is_refused_to_the_wrong_role(browser, path, user,
                                                                        needle):
    assert needle in browser(user).text(path)
    wrong = "safety_dept" if path == "/contractor" else "applicant"
    assert browser(wrong).get(path).status_code == 403


def test_nav_links_follow_the_role(browser):
    safety = browser("safety_dept").text("/")
    assert "/certificates/alerts" in safety and "/capabilities" in safety
    assert "/contractor" not in safety
    contractor = browser("contractor_admin").text("/")
    assert 'href="/contractor"' in contractor and "/capabilities" not in contractor
    assert "/certificates" not in browser("applicant").text("/")


def test_profile_shows_certificates_jobs_and_equipment(browser, plant):
    html = browser("safety_dept").text(f"/people/{person_id(plant, '刘洋（焊工）')}")
    assert "刘洋（焊工）" in html and "维修一班" in html
    assert "cert cert-red" in html and "熔化焊接与热切割作业" in html
    for heading in ("近三年特殊作业", "监护评价", "使用的检测仪器"):
        assert heading in html


def test_a_contractor_admin_sees_only_their_own_firms_people(browser, plant):
    admin = browser("contractor_admin")
    assert "马超（承包商焊工）" in admin.text(f"/people/{person_id(plant, '马超（承包商焊工）')}")
    assert admin.get(f"/people/{person_id(plant, '孙立（承包商防腐）')}").status_code == 403
    assert admin.get(f"/people/{person_id(plant, '张伟（焊工）')}").status_code == 403
    portal = admin.text("/contractor")
    assert "马超（承包商焊工）" in portal and "孙立（承包商防腐）" not in portal


def test_ledger_filtered_by_red_shows_the_expired_certificate(browser):
    html = browser("safety_dept").text("/certificates?status=red")
    assert "刘洋（焊工）" in html and "T320101199002023456" in html
    assert "cert-edge-red" in html and "cert-edge-green" not in html
    assert "张伟（焊工）" not in html
    assert "张伟（焊工）" in browser("safety_dept").text("/certificates?status=green")
    assert "刘洋（焊工）" in browser("safety_dept").text("/certificates?q=刘洋")
    assert browser("safety_dept").text("/certificates?status=purple")  # ignored, not a 500


def test_issuing_a_code_from_the_portal_shows_the_qr_and_revoking_ends_it(browser, plant):
    admin = browser("contractor_admin")
    r = admin.post("/contractor/access-codes", data={
        "person_id": person_id(plant, "马超（承包商焊工）"), "scope": SCOPE,
        "permit_types": ["hot_work"], "hours": "8"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<svg" in html and SCOPE in html and "/access/" in html
    code_id = int(re.search(r"/contractor/access-codes/(\d+)/revoke", html).group(1))
    r = admin.post(f"/contractor/access-codes/{code_id}/revoke", follow_redirects=True)
    assert r.status_code == 200 and "已撤销" in r.get_data(as_text=True)


def test_portal_forms_show_errors_next_to_the_fields(browser, plant):
    admin = browser("contractor_admin")
    r = admin.post("/contractor/access-codes", data={
        "person_id": person_id(plant, "马超（承包商焊工）"), "scope": SCOPE,
        "permit_types": ["hot_work"], "hours": "73"})
    assert r.status_code == 422 and "72" in r.get_data(as_text=True)
    r = admin.post("/contractor/access-codes", data={
        "person_id": person_id(plant, "孙立（承包商防腐）"), "scope": SCOPE,
        "permit_types": ["hot_work"], "hours": "8"})
    assert r.status_code == 403


def test_portal_adds_a_person_and_a_certificate(browser, plant):
    admin = browser("contractor_admin")
    r = admin.post("/contractor/people", data={"name": "新焊工", "employee_no": "C2009"},
                   follow_redirects=True)
    assert r.status_code == 200 and "新焊工" in r.get_data(as_text=True)
    r = admin.post("/contractor/certificates", data={
        "person_id": person_id(plant, "新焊工"), "type_code": "welding_cutting",
        "number": "T440101199909099999", "issued_on": "2025-01-10",
        "expires_on": "2031-01-10"}, follow_redirects=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "熔化焊接与热切割作业 · 有效" in html
    with plant.app_context():
        person = db.session.execute(select(Person).where(Person.name == "新焊工")).scalar_one()
        firm = db.session.get(Organization, person.organization_id)
        assert firm.name == "华安检修公司"
    r = admin.post("/contractor/certificates", data={
        "person_id": person_id(plant, "新焊工"), "type_code": "welding_cutting",
        "number": "X1", "issued_on": "2025-01-10", "expires_on": "2024-01-10"})
    assert r.status_code == 422 and "issued_on" in r.get_data(as_text=True)


def test_acknowledging_an_alert_removes_it_from_the_open_list(browser, plant):
    safety = browser("safety_dept")
    with plant.app_context():
        alert = db.session.execute(select(CertificateAlert).join(
            Person, Person.id == CertificateAlert.person_id).where(
            Person.name == "刘洋（焊工）")).scalars().first()
        alert_id = alert.id
    html = safety.text("/certificates/alerts")
    open_list = html.split("open-alerts")[1].split("</ul>")[0]
    assert f'id="alert-{alert_id}"' in open_list
    r = safety.post(f"/certificates/alerts/{alert_id}/acknowledge", follow_redirects=True)
    html = r.get_data(as_text=True)
    open_list = html.split("open-alerts")[1].split("</ul>")[0]
    assert r.status_code == 200 and f'id="alert-{alert_id}"' not in open_list
    assert "已确认，待换证或复审" in html


def test_capability_matrix_counts_composite_holders(browser):
    html = browser("safety_director").text("/capabilities")
    assert "复合资质" in html and "周涛（电工/氯化）" in html
    assert "林峰（司索工）" not in html  # no certificate: only with ?all=1
    assert "林峰（司索工）" in browser("safety_director").text("/capabilities?all=1")


def test_another_firms_admin_cannot_see_our_people(browser, plant):
    with plant.app_context():
        firm = db.session.execute(select(Organization).where(
            Organization.name == "宏达防腐工程公司")).scalar_one()
        db.session.add(Person(name="宏达管理员", username="hongda_admin", roles=[
            "contractor_admin"], site_code="SH1", organization_id=firm.id,
            password_hash=_fast_hash("demo")))
        db.session.commit()
    hongda = browser("hongda_admin")
    assert hongda.get(f"/people/{person_id(plant, '马超（承包商焊工）')}").status_code == 403
    portal = hongda.text("/contractor")
    assert "孙立（承包商防腐）" in portal and "马超（承包商焊工）" not in portal
    ledger = hongda.text("/capabilities")
    assert "马超（承包商焊工）" not in ledger
