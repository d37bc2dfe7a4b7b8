"""Applying for hot work through the phone form."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine import db
from tests.api import person_id
from tests.web.conftest import count_permits, field_block
from web.pages.apply import application_body, field_resolver, method_choices

SHANGHAI = ZoneInfo("Asia/Shanghai")


def form_data(app, *, area="W-1", workers=("张伟（焊工）",), **overrides):
    from processes.models import Area

    with app.app_context():
        row = db.session.execute(select(Area).where(Area.code == area)).scalar_one()
        lat, lon, site = row.center_lat, row.center_lon, row.site_code
    data = MultiDict({
        "area": f"{site}|{area}", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
        "description": "更换泵出口法兰垫片，需气割旧螺栓",
        "planned_start": "2026-06-03T10:20", "planned_end": "2026-06-03T14:20",
        "watcher": str(person_id(app, "watcher")), "method": "gas_cutting",
        "wind_force": "0", "equipment": "P-101 出口法兰",
    })
    for name in workers:
        data.add("workers", str(person_id(app, name)))
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_form_offers_areas_people_and_methods(browser):
    html = browser("applicant").text("/permits/new/hot_work")
    assert "申请动火作业" in html
    assert "B-3 罐区（甲类储罐） · 火灾爆炸" in html  # area with its hazard class
    assert 'data-lat="30.7262"' in html  # the area's centre for "use my location"
    assert "使用我的位置" in html
    assert "刘洋（焊工）" in html and "cert-red" in html  # lapsed certificate shown red
    assert 'type="datetime-local"' in html
    for method in method_choices():
        assert f'value="{method}"' in html


def test_applying_creates_the_permit_and_shows_it(browser, plant):
    r = browser("applicant").post("/permits/new/hot_work", form_data(plant))
    assert r.status_code == 302
    assert "/permits/" in r.headers["Location"]
    from processes.models import Permit

    with plant.app_context():
        permit = db.session.execute(select(Permit)).scalar_one()
        # 10:20 typed in Shanghai is 02:20 UTC
        assert permit.planned_start == datetime(2026, 6, 3, 2, 20, tzinfo=UTC)
        assert permit.fields["method"] == "gas_cutting"
        assert permit.fields["outdoor"] is False and permit.fields["equipment"] == "P-101 出口法兰"
        assert permit.worker_ids == [person_id(plant, "张伟（焊工）")]
        number = permit.number
    page = browser("applicant").client.get(r.headers["Location"]).get_data(as_text=True)
    assert number in page and "已提交作业票" not in page  # the flash belongs to the poster
    followed = browser("applicant")
    page = followed.post("/permits/new/hot_work", form_data(plant), follow_redirects=True)
    assert "已提交作业票" in page.get_data(as_text=True)


def test_refused_credential_names_the_worker_and_certificate(browser, plant):
    liu = person_id(plant, "刘洋（焊工）")
    r = browser("applicant").post("/permits/new/hot_work", form_data(
        plant, workers=("张伟（焊工）", "刘洋（焊工）")))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    row = field_block(html, f"worker-{liu}")
    assert "刘洋（焊工）" in row and "T320101199002023456" in row and "expired" in row
    assert "申请未通过系统核验" in html and html.count("T320101199002023456 expired") == 2
    # what was typed is kept: both workers still ticked
    assert f'value="{liu}" checked' in html
    assert count_permits(plant) == 0


def test_missing_and_invalid_fields_are_shown_by_their_fields(browser, plant):
    r = browser("applicant").post("/permits/new/hot_work", form_data(
        plant, method=None, description="短", planned_end="2026-06-03T09:00",
        wind_force="大风"))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "必填" in field_block(html, "method")
    assert "长度应在 4 到 2000 之间" in field_block(html, "description")
    assert "整数" in field_block(html, "wind_force")
    assert count_permits(plant) == 0


def test_domain_errors_land_on_their_fields(browser, plant):
    r = browser("applicant").post("/permits/new/hot_work", form_data(
        plant, planned_end="2026-06-03T10:00", lat="31.5"))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "must be after planned_start" in field_block(html, "planned_end")
    assert "outside area" in field_block(html, "f-location")


def test_wind_ban_is_shown_at_the_wind_field_until_declared_unavoidable(browser, plant):
    r = browser("applicant").post("/permits/new/hot_work", form_data(
        plant, wind_force="6", outdoor="1"))
    assert r.status_code == 422
    assert "GB 30871 5.2.15" in field_block(r.get_data(as_text=True), "wind_force")
    assert count_permits(plant) == 0
    r = browser("applicant").post("/permits/new/hot_work", form_data(
        plant, wind_force="6", outdoor="1", unavoidable="1"))
    assert r.status_code == 302
    html = browser("applicant").text(r.headers["Location"])
    assert "不可推迟" in html and "五级以上风" in html  # declared, and graded up


def test_watcher_cannot_also_work(browser, plant):
    r = browser("applicant").post("/permits/new/hot_work", form_data(
        plant, workers=("张伟（焊工）", "李秀英（监护人）")))
    assert r.status_code == 422
    assert "watcher cannot also be a worker" in field_block(r.get_data(as_text=True), "watcher")


def test_garbage_input_never_gives_a_500(browser, plant):
    b = browser("applicant")
    for data in ({}, {"area": "nowhere", "workers": "x", "watcher": "y", "lat": "north"},
                 {"area": "SH1|W-1", "planned_start": "yesterday", "workers": ["1", "1"]}):
        r = b.post("/permits/new/hot_work", data)
        assert r.status_code == 422, data
    assert count_permits(plant) == 0


def test_only_applicants_may_apply(browser):
    r = browser("unit_approver").get("/permits/new/hot_work")
    assert r.status_code == 403
    assert "没有权限" in r.get_data(as_text=True)
    assert browser("applicant").get("/permits/new/lifting").status_code == 404


def test_application_body_converts_form_to_api_shape():
    form = MultiDict([("area", "SH1|U-1"), ("lat", "30.729"), ("lon", "121.3402"),
                      ("planned_start", "2026-06-03T20:00"), ("workers", "3"),
                      ("workers", "4"), ("watcher", "2"), ("running_equipment", "1"),
                      ("related_permits", "SX-20260603-0001， MB-20260603-0002"),
                      ("wind_force", "")])
    body = application_body(form, SHANGHAI)
    assert body["site"] == "SH1" and body["area_code"] == "U-1"
    assert body["location"] == {"lat": 30.729, "lon": 121.3402}
    assert body["planned_start"] == "2026-06-03T20:00:00+08:00"
    assert "planned_end" not in body and "description" not in body
    assert body["workers"] == [3, 4] and body["watcher"] == 2
    assert body["related_permits"] == ["SX-20260603-0001", "MB-20260603-0002"]
    assert body["fields"]["running_equipment"] is True and body["fields"]["outdoor"] is False
    assert body["fields"]["wind_force"] == 0 and "method" not in body["fields"]


def test_error_paths_resolve_to_fields_and_worker_rows():
    resolve = field_resolver([13, "x"])
    assert resolve("workers.0") == "worker:13"
    assert resolve("workers.1") == "workers"
    assert resolve("workers") == "workers"
    assert resolve("fields.method") == "method"
    assert resolve("location.lat") == "location"
    assert resolve("area_code") == "area" and resolve("site") == "area"
    assert resolve("type") is None and resolve("permit") is None
