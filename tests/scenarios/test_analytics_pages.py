"""The analytics pages render their numbers as tables, with charts and the map on top
only when the vendored libraries are there."""

from __future__ import annotations

import pytest

from engine import db
from tests.processes.analytics.hotspot import generate


def logged_in(app, username: str):
    client = app.test_client()
    r = client.post("/login", data={"username": username, "password": "demo"})
    assert r.status_code == 302, r.get_data(as_text=True)
    return client


@pytest.fixture()
def data(plant):
    with plant.app_context():
        generate(db.session)
        db.session.remove()
    return plant


@pytest.fixture(params=[True, False], ids=["vendor", "no-vendor"])
def vendor(request, monkeypatch):
    from web.pages import analytics

    if not request.param:
        monkeypatch.setattr(analytics, "VENDOR", {k: "vendor/missing/" + v.rsplit("/", 1)[1]
                                                  for k, v in analytics.VENDOR.items()})
    return request.param


def test_heatmap_page_shows_the_hot_spot_as_a_table(data, vendor):
    page = logged_in(data, "safety_dept").get("/analytics/?by=slot")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "周五 15:00–16:00" in html and 'id="grid"' in html
    assert "outline:2px solid #000" in html  # the flagged cell is outlined
    assert ("echarts.min.js" in html) is (vendor and _installed(data, "echarts"))


def test_map_and_compliance_pages_render(data, vendor):
    client = logged_in(data, "safety_dept")
    html = client.get("/analytics/map").get_data(as_text=True)
    assert "B-3 罐区" in html and "map-data" in html
    assert ("leaflet.js" in html) is (vendor and _installed(data, "leaflet"))
    page = client.get("/analytics/compliance?group_by=type")
    assert page.status_code == 200 and "流程合规率" in page.get_data(as_text=True)


def test_a_report_started_from_the_page_shows_its_progress(plant):
    client = logged_in(plant, "safety_dept")
    r = client.post("/analytics/reports", data={"year": "2026", "quarter": "1"})
    assert r.status_code == 302 and "/analytics/reports/" in r.location
    page = client.get(r.location).get_data(as_text=True)
    assert "<progress" in page and "queued" in page
    assert client.get("/analytics/reports").status_code == 200


def test_pages_need_a_login_and_a_role(plant):
    assert plant.test_client().get("/analytics/").status_code == 302
    assert logged_in(plant, "applicant").get("/analytics/").status_code == 403
    assert logged_in(plant, "safety_dept").get("/analytics/?by=moon").status_code == 422


def _installed(app, name: str) -> bool:
    from pathlib import Path

    return (Path(app.static_folder) / "vendor" / name).exists()
