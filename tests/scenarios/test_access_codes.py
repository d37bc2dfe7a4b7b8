"""Contractor access: temporary codes (≤ 72 h, explicit scope, QR), the public phone page,
and firm boundaries for contractor admins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import db
from processes.models import Organization, Person
from tests.api import Api, person_id
from tests.conftest import _fast_hash

SCOPE = "B-3 罐区常压储罐打磨，不得带压堵漏"


@pytest.fixture()
def admin(plant):
    return Api(plant, "contractor_admin")


def issue(admin: Api, plant, hours: float = 72, **extra) -> dict:
    body = {"person_id": person_id(plant, "马超（承包商焊工）"), "scope": SCOPE,
            "permit_types": ["hot_work"], "hours": hours, **extra}
    r = admin.post("/access-codes", json=body)
    assert r.status == 201, r.json
    return r.json


def page(plant, code: str):
    return plant.test_client().get(f"/access/{code}")


def test_code_works_at_hour_71_and_is_gone_at_hour_73(plant, admin, frozen_clock):
    code = issue(admin, plant)
    assert code["qr_svg"].startswith("<svg") and code["url"].endswith(f"/access/{code['code']}")
    r = page(plant, code["code"])
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "马超（承包商焊工）" in html and SCOPE in html and "熔化焊接与热切割作业" in html
    assert "华安检修公司" in html and "动火作业" in html
    frozen_clock.advance(hours=71)
    assert page(plant, code["code"]).status_code == 200
    frozen_clock.advance(hours=2)
    r = page(plant, code["code"])
    assert r.status_code == 410 and "已过期" in r.get_data(as_text=True)


def test_revoked_code_is_gone_and_forged_code_unknown(plant, admin):
    code = issue(admin, plant, hours=8)
    r = admin.post(f"/access-codes/{code['id']}/revoke")
    assert r.status == 200 and r.json["revoked_at"] is not None
    assert page(plant, code["code"]).status_code == 410
    forged = code["code"][:-2] + ("AA" if not code["code"].endswith("AA") else "BB")
    assert page(plant, forged).status_code == 404
    assert page(plant, "nonsense").status_code == 404


def test_photo_shows_on_the_page_only_through_a_valid_code(plant, admin, frozen_clock):
    contractor = person_id(plant, "马超（承包商焊工）")
    photo = admin.upload_photo()
    r = admin.patch(f"/people/{contractor}", json={"photo_id": photo})
    assert r.status == 200 and r.json["photo_id"] == photo
    code = issue(admin, plant, hours=1)
    assert f"/access/{code['code']}/photo" in page(plant, code["code"]).get_data(as_text=True)
    r = plant.test_client().get(f"/access/{code['code']}/photo")
    data = r.data
    r.close()
    assert r.status_code == 200 and data.startswith(b"\x89PNG")
    frozen_clock.advance(hours=2)
    assert plant.test_client().get(f"/access/{code['code']}/photo").status_code == 404


def test_codes_are_limited_to_72_hours_contractors_and_an_explicit_scope(plant, admin):
    contractor = person_id(plant, "马超（承包商焊工）")
    base = {"person_id": contractor, "scope": SCOPE, "permit_types": ["hot_work"]}
    r = admin.post("/access-codes", json={**base, "hours": 73})
    assert r.status == 422 and "72" in r.json["errors"]["fields"]["hours"][0]
    r = admin.post("/access-codes", json={**base, "scope": "  "})
    assert r.status == 422 and "scope" in r.json["errors"]["fields"]
    r = admin.post("/access-codes", json={**base, "permit_types": ["space_walk"]})
    assert r.status == 422 and "permit_types" in r.json["errors"]["fields"]
    safety = Api(plant, "safety_dept")
    r = safety.post("/access-codes", json={**base, "person_id": person_id(plant, "张伟（焊工）")})
    assert r.status == 422 and "contractor" in r.json["errors"]["fields"]["person_id"][0]
    other_firm = person_id(plant, "孙立（承包商防腐）")
    r = admin.post("/access-codes", json={**base, "person_id": other_firm})
    assert r.status == 403


def test_a_contractor_admin_cannot_read_another_firms_people(plant, admin):
    with plant.app_context():
        firm = db.session.execute(select(Organization).where(
            Organization.name == "宏达防腐工程公司")).scalar_one()
        db.session.add(Person(name="宏达管理员", username="hongda_admin", roles=[
            "contractor_admin"], site_code="SH1", organization_id=firm.id,
            password_hash=_fast_hash("demo")))
        db.session.commit()
    hongda = Api(plant, "hongda_admin")
    ours, theirs = person_id(plant, "马超（承包商焊工）"), person_id(plant, "孙立（承包商防腐）")
    assert admin.get(f"/people/{theirs}").status == 403
    assert hongda.get(f"/people/{ours}").status == 403
    assert hongda.get(f"/people/{theirs}").status == 200
    assert [p["name"] for p in hongda.get("/people").json["items"]] == ["孙立（承包商防腐）",
                                                                       "宏达管理员"]
    issue(admin, plant, hours=4)
    assert hongda.get("/access-codes").json["items"] == []
    assert len(admin.get("/access-codes").json["items"]) == 1
    assert hongda.get("/certificates", person_id=ours).json["total"] == 0
    assert hongda.post("/people", json={"name": "外单位", "organization_id": firm_id(
        plant, "华安检修公司")}).status == 403
    r = hongda.post("/people", json={"name": "新防腐工"})
    assert r.status == 201 and r.json["organization"] == "宏达防腐工程公司"


def firm_id(plant, name: str) -> int:
    with plant.app_context():
        return db.session.execute(select(Organization.id).where(Organization.name == name)
                                  ).scalar_one()


def test_valid_code_lists_in_the_profile(plant, admin):
    issue(admin, plant, hours=timedelta(hours=5).total_seconds() / 3600)
    profile = admin.get(f"/people/{person_id(plant, '马超（承包商焊工）')}").json
    assert [c["scope"] for c in profile["access_codes"]] == [SCOPE]
    assert profile["is_contractor"] is True
