"""Incidents and near misses: recorded by the safety department, imported from CSV all or
nothing with every bad row located, listed in the caller's scope."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from engine import db
from processes.models import SafetyIncident
from tests.api import Api, hot_work_application

GOOD = ("occurred_at,site,area_code,kind,category,severity,permit_number,work_type,description\n"
        "2026-05-29T15:20+08:00,SH1,B-3,near_miss,leak,2,,hot_work,法兰渗漏，及时发现\n"
        "2026-05-30 09:05,SH1,U-1,incident,fall,3,,work_at_height,脚手架踏板滑脱\n"
        "2026-05-31T01:00:00Z,SH1,W-1,equipment_failure,equipment,1,,,泵机封泄漏\n")


def count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(SafetyIncident)
                                  ).scalar_one()


def upload(api: Api, text: str, encoding: str = "utf-8"):
    r = api.client.post("/api/v1/safety-incidents/import", headers=api._headers(),
                        data={"file": (io.BytesIO(text.encode(encoding)), "incidents.csv")},
                        content_type="multipart/form-data")
    return r.status_code, r.get_json()


def test_a_good_csv_is_imported_with_local_time_slots(plant):
    api = Api(plant, "safety_dept")
    status, body = upload(api, GOOD)
    assert status == 201, body
    assert body["imported"] == 3
    items = api.get("/safety-incidents").json["items"]
    by_area = {i["area_code"]: i for i in items}
    # 2026-05-29 is a Friday; 15:20 at the site
    assert (by_area["B-3"]["local_weekday"], by_area["B-3"]["local_hour"]) == (4, 15)
    # no offset: read as site-local time
    assert (by_area["U-1"]["local_weekday"], by_area["U-1"]["local_hour"]) == (5, 9)
    # 01:00 UTC is 09:00 in Shanghai
    assert by_area["W-1"]["local_hour"] == 9
    assert by_area["U-1"]["severity_label"].startswith("严重")


def test_a_gb18030_file_from_excel_is_read_too(plant):
    status, body = upload(Api(plant, "safety_dept"), GOOD, encoding="gb18030")
    assert status == 201, body


def test_bad_rows_are_located_and_nothing_is_saved(plant):
    bad = GOOD + ("2026-05-31T10:00+08:00,SH1,Z-9,incident,fire,2,,,\n"
                  "yesterday,SH1,B-3,accident,fire,7,,hot_wrk,\n"
                  "2026-05-31T10:00+08:00,SH1,B-3,incident,fire,1,DH-20990101-0001,,\n"
                  "2030-01-01T10:00+08:00,SH1,B-3,incident,fire,1,,,\n")
    status, body = upload(Api(plant, "safety_dept"), bad)
    assert status == 422
    fields = body["errors"]["fields"]
    assert "line 5: area_code" in fields
    assert {"line 6: occurred_at", "line 6: kind", "line 6: severity",
            "line 6: work_type"} <= set(fields)
    assert "line 7: permit_number" in fields
    assert fields["line 8: occurred_at"] == ["is in the future"]
    assert not any(k.startswith(("line 2", "line 3", "line 4")) for k in fields)
    assert count(plant) == 0


def test_a_wrong_header_names_the_missing_and_unknown_columns(plant):
    status, body = upload(Api(plant, "safety_dept"), "when,site,area\n2026-05-01,SH1,B-3\n")
    assert status == 422
    problems = " ".join(body["errors"]["fields"]["line 1"])
    assert "missing column(s): occurred_at" in problems and "unknown column(s): when" in problems


def test_an_incident_linked_to_a_permit_takes_its_work_type(plant, frozen_clock):
    applicant = Api(plant, "applicant")
    start = frozen_clock.now() + timedelta(hours=1)
    permit = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    safety = Api(plant, "safety_dept")
    r = safety.post("/safety-incidents", json={
        "occurred_at": frozen_clock.now().isoformat(), "site": "SH1", "area_code": "W-1",
        "kind": "near_miss", "category": "fire", "severity": 1,
        "permit_number": permit["number"], "description": "焊渣飞溅引燃纸箱，已扑灭"})
    assert r.status == 201, r.json
    assert r.json["work_type"] == "hot_work" and r.json["permit_id"] == permit["id"]
    again = safety.post("/safety-incidents", json={
        "occurred_at": frozen_clock.now().isoformat(), "site": "SH1", "area_code": "B-3",
        "kind": "near_miss", "category": "fire", "severity": 1,
        "permit_number": permit["number"]})
    assert again.status == 422
    assert "area_code" in again.json["errors"]["fields"]


def test_only_the_safety_department_records_and_contractors_see_no_list(plant):
    r = Api(plant, "applicant").post("/safety-incidents", json={"site": "SH1"})
    assert r.status == 403
    assert Api(plant, "contractor_admin").get("/safety-incidents").status == 403
    r = Api(plant, "safety_dept").post("/safety-incidents", json=[1, 2])
    assert r.status == 422
