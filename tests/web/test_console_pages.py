"""The operations console pages: versions, diff, instance view, incidents (Flask client)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.api import Api, gas, hot_work_application, measures, person_id
from tests.scenarios.test_migration import BRIEF_FORM, upload, with_fire_brief
from tests.web.conftest import new_permit

VENDOR = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor" / "bpmn-js"


@pytest.fixture()
def no_bpmn_js(monkeypatch):
    """Pretend scripts/vendor.sh was never run."""
    from web.pages import console

    monkeypatch.setattr(console, "VENDOR", {k: f"vendor/missing/{v}"
                                            for k, v in console.VENDOR.items()})


def test_process_list_shows_versions_who_when_and_hash(browser, plant):
    Api(plant, "designer")
    upload(Api(plant, "designer"), {"hot_work.bpmn": with_fire_brief(),
                                    "hot_work.fire_brief.schema.json": BRIEF_FORM})
    html = browser("designer").text("/console")
    assert "hot_work" in html and "v2" in html and "v1" in html
    assert "designer" in html and "test" in html  # deployed by, notes
    assert "/console/processes/hot_work/diff?to=2&amp;from=1" in html
    assert "/console/processes/hot_work/versions/1/redeploy" in html
    assert browser("applicant").get("/console").status_code == 403
    assert browser().get("/console").status_code == 302  # to login


def test_diff_page_lists_changes_and_degrades_without_bpmn_js(browser, plant, no_bpmn_js):
    upload(Api(plant, "designer"), {"hot_work.bpmn": with_fire_brief(),
                                    "hot_work.fire_brief.schema.json": BRIEF_FORM})
    html = browser("designer").text("/console/processes/hot_work/diff?from=1&to=2")
    assert 'class="diff-added"' in html and "fire_brief" in html
    assert "hot_work.fire_brief.schema.json" in html  # the new form file
    assert "bpmn-canvas" not in html and "scripts/vendor.sh" in html
    r = browser("designer").get("/console/processes/hot_work/diff?from=x")
    assert r.status_code == 422


def test_diff_page_draws_both_versions_when_bpmn_js_is_installed(browser, plant):
    if not (VENDOR / "bpmn-navigated-viewer.production.min.js").exists():
        pytest.skip("bpmn-js not vendored (scripts/vendor.sh)")
    upload(Api(plant, "designer"), {"hot_work.bpmn": with_fire_brief(),
                                    "hot_work.fire_brief.schema.json": BRIEF_FORM})
    html = browser("designer").text("/console/processes/hot_work/diff?from=1&to=2")
    assert html.count('class="bpmn-canvas"') == 2
    assert "bpmn-navigated-viewer.production.min.js" in html and "js/console.js" in html
    assert '"added": ["f_brief_gw", "fire_brief"]' in html or '"fire_brief"' in html


def test_roll_back_from_the_page(browser, plant):
    upload(Api(plant, "designer"), {"hot_work.bpmn": with_fire_brief(),
                                    "hot_work.fire_brief.schema.json": BRIEF_FORM})
    designer = browser("designer")
    r = designer.post("/console/processes/hot_work/versions/1/redeploy",
                      {"notes": "交底步骤暂缓"})
    assert r.status_code == 302
    html = designer.text("/console")
    assert "v3" in html and "交底步骤暂缓" in html
    r = designer.get("/console/processes/hot_work/versions/1/bpmn")
    assert r.status_code == 200 and b'id="hot_work"' in r.data
    assert "attachment" in r.headers["Content-Disposition"]


def test_instance_view_marks_the_current_step_and_who_it_waits_for(browser, plant,
                                                                    frozen_clock, no_bpmn_js):
    permit = new_permit(plant, frozen_clock, area="PR-1", prepared=True)
    instance = permit["process"]["instance_id"]
    html = browser("designer").text(f"/console/instances/{instance}")
    assert 'class="node-current"' in html and "approve_1" in html
    assert '<tr class="node-current"><td><code>approve_1</code>' in html
    assert '<tr class="node-executed"><td><code>gas_test</code>' in html
    assert "孙丽（基层单位负责人）" in html or "unit_approver" in html
    assert "bpmn-canvas" not in html  # degraded: the node table stands in
    # the applicant may look at their own permit's instance, without the console menu
    own = browser("applicant").text(f"/console/instances/{instance}")
    assert "approve_1" in own and "console-nav" not in own


def test_instance_view_offers_migration_to_the_latest_version(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock, area="PR-1", prepared=True)
    instance = permit["process"]["instance_id"]
    upload(Api(plant, "designer"), {"hot_work.bpmn": with_fire_brief(),
                                    "hot_work.fire_brief.schema.json": BRIEF_FORM})
    designer = browser("designer")
    html = designer.text(f"/console/instances/{instance}")
    assert f"/console/instances/{instance}/migrate" in html and "fire_brief" in html
    r = designer.post(f"/console/instances/{instance}/migrate", {"to_version": "2"})
    assert r.status_code == 302
    html = designer.text(f"/console/instances/{instance}")
    assert "v2" in html and f"/console/instances/{instance}/migrate" not in html


def test_incidents_page_retries_and_cancels(browser, plant, frozen_clock, monkeypatch):
    from handlers import gas as gas_handler

    applicant = Api(plant, "applicant")
    start = frozen_clock.now() + timedelta(minutes=20)
    permit = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    applicant.complete(permit["id"], "safety_measures",
                       measures(person_id(plant, "applicant")))

    def broken(*args, **kwargs):
        raise ConnectionError("gas detector gateway unreachable")

    monkeypatch.setattr(gas_handler.gas, "record_test", broken)
    r = applicant.complete(permit["id"], "gas_test",
                           gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    assert r.json["process"]["has_incident"] is True
    admin = browser("admin")
    html = admin.text("/console/incidents")
    assert "validate_gas" in html and "unreachable" in html
    incident_id = int(html.split('id="incident-')[1].split('"')[0])
    assert browser("designer").get("/console/incidents").status_code == 403
    assert "不能跳过" in html and f"/console/incidents/{incident_id}/skip" not in html
    assert admin.post(f"/console/incidents/{incident_id}/skip",
                      {"reason": "先放行"}).status_code == 422

    r = admin.post(f"/console/incidents/{incident_id}/retry", {})
    assert r.status_code == 302
    assert "重试仍然失败" in admin.text("/console/incidents")  # still broken
    assert admin.post(f"/console/incidents/{incident_id}/cancel",
                      {"reason": ""}).status_code == 422
    r = admin.post(f"/console/incidents/{incident_id}/cancel", {"reason": "探测器网关停用"})
    assert r.status_code == 302
    assert "没有未处理的故障" in admin.text("/console/incidents")
    assert applicant.get(f"/permits/{permit['id']}").json["status"] == "cancelled"


def test_console_speaks_english_too(browser, plant):
    designer = browser("designer")
    designer.get("/lang/en?next=/console")
    html = designer.text("/console")
    assert "Processes and versions" in html and "Deployed by" in html


def test_console_is_in_the_menu_and_linked_from_the_permit_for_designers_only(browser, plant,
                                                                             frozen_clock):
    start = frozen_clock.now() + timedelta(minutes=20)
    permit = Api(plant, "applicant").post(
        "/permits", json=hot_work_application(plant, start=start)).json
    designer, applicant = browser("designer"), browser("applicant")
    assert 'href="/console"' in designer.text("/")
    assert 'href="/console"' not in applicant.text("/")
    page = f"/permits/{permit['id']}"
    assert "/console/instances/" in designer.text(page)
    assert "/console/instances/" not in applicant.text(page)


def test_versions_show_their_running_instances_and_where_they_wait(browser, plant,
                                                                   frozen_clock):
    applicant = Api(plant, "applicant")
    start = frozen_clock.now() + timedelta(minutes=20)
    old = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    upload(Api(plant, "designer"), {"hot_work.bpmn": with_fire_brief(),
                                    "hot_work.fire_brief.schema.json": BRIEF_FORM})
    new = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    designer = browser("designer")
    html = designer.text("/console")
    assert "/console/processes/hot_work/instances?version=1" in html
    assert "/console/processes/hot_work/instances?version=2" in html
    listing = designer.text("/console/processes/hot_work/instances?version=1")
    assert old["number"] in listing and new["number"] not in listing
    assert "safety_measures" in listing and "旧版本" in listing
    assert new["number"] in designer.text("/console/processes/hot_work/instances")
    assert designer.get("/console/processes/hot_work/instances?status=x").status_code == 422
    assert designer.get("/console/processes/nope/instances").status_code == 404
    assert browser("applicant").get("/console/processes/hot_work/instances").status_code == 403

    api = Api(plant, "designer")
    items = api.get("/process-definitions/hot_work/instances", version=2).json["items"]
    assert [i["version"] for i in items] == [2]
    assert items[0]["waiting_at"][0]["task"] == "safety_measures"
    assert api.get("/process-definitions/hot_work/instances", version=0).status == 422
