"""Names, areas and comments are text everywhere, in scripts too, and the CSP holds.

An area, a person and a permit's description and approval comment carry markup that would
run script if any page or script put it in as HTML (Leaflet popups, ECharts tooltips,
bpmn-js overlays, innerHTML). The pages are opened in Chromium: nothing runs, no dialog
opens, the text shows as typed, and the browser reports no Content-Security-Policy
violation (an inline handler the policy blocked would be one).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from engine import db
from processes.demo import _box
from tests.api import Api, gas, hot_work_application, measures, person_id

HOSTILE = '<img src=x onerror="window.__pwned=1">'
HOSTILE_2 = '"><svg onload="window.__pwned=2">'

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " +
                    (e.sourceFile || "") + ":" + (e.lineNumber || ""));
});
"""


@pytest.fixture()
def hostile(plant, frozen_clock) -> dict[str, Any]:
    """A fire-risk area, a watcher and a permit (description, approval comment) whose
    text is markup; the permit is past its first approval."""
    from processes.models import Permit, Person

    admin = Api(plant, "admin")
    r = admin.post("/areas", json={"site": "SH1", "code": "X-9", "name": f"{HOSTILE} 区",
                                   "hazard_class": "fire_explosion",
                                   "polygon": _box(30.7225, 121.3385)})
    assert r.status == 201, r.json
    with plant.app_context():
        watcher = db.session.execute(select(Person).where(Person.username == "watcher")
                                     ).scalar_one()
        watcher.name = f"{HOSTILE_2}监护人"
        db.session.commit()
    applicant = Api(plant, "applicant")
    start = frozen_clock.now() + timedelta(minutes=20)
    body = hot_work_application(plant, area="X-9", start=start)
    body["description"] = f"{HOSTILE} 更换法兰 {HOSTILE_2}"
    r = applicant.post("/permits", json=body)
    assert r.status == 201, r.json
    permit = r.json
    applicant.complete(permit["id"], "safety_measures", measures(person_id(plant, "applicant")))
    applicant.complete(permit["id"], "gas_test",
                       gas(applicant, 8.0, sampled_at=start - timedelta(minutes=21)))
    Api(plant, "unit_approver").complete(permit["id"], "approve_1", {
        "decision": "approve", "comment": f"同意 {HOSTILE}"})
    with plant.app_context():
        instance_id = db.session.get(Permit, permit["id"]).instance_id
    return {"permit": permit, "instance_id": instance_id, "app": plant}


def opened(person: Any, path: str) -> Any:
    page = person.open(path)
    page.wait_for_load_state("networkidle")
    return page


def assert_harmless(person: Any, page: Any, where: str) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined", f"{where}: script ran"
    assert page.evaluate("window.__csp") == [], f"{where}: CSP violation"
    assert not page.query_selector("img[src='x'], svg[onload]"), f"{where}: markup inserted"
    person.check()


def watched(person: Any) -> list[str]:
    dialogs: list[str] = []
    person.page.context.add_init_script(WATCH)

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    person.page.on("dialog", dismiss)
    return dialogs


def test_hostile_text_stays_text_on_map_heatmap_console_and_permit(people, hostile):
    permit = hostile["permit"]
    analyst = people("safety_dept")
    dialogs = watched(analyst)

    page = opened(analyst, "/analytics/map")
    page.wait_for_selector('#map[data-rendered="true"]', state="attached")
    # every area's popup open at once: the names go in as text
    shown = page.evaluate("""() => {
        const texts = [];
        window.permitflowMap.eachLayer(function (layer) {
          if (layer.getPopup && layer.getPopup() && layer.feature) {
            layer.openPopup();
            texts.push(layer.getPopup().getElement().textContent);
          }
        });
        return texts;
    }""")
    assert any(f"{HOSTILE} 区" in text for text in shown), shown
    assert HOSTILE in page.inner_text("table")
    assert_harmless(analyst, page, "map")

    page = opened(analyst, "/analytics/?by=area,type")
    page.wait_for_selector('#chart[data-rendered="true"]', state="attached")
    tips = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById("chart"));
        const count = chart.getOption().series[0].data.length, seen = [];
        for (let i = 0; i < count; i++) {
          chart.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: i});
          const tip = document.querySelector("#chart > div:last-child");
          seen.push(tip ? tip.textContent : "");
        }
        return seen;
    }""")
    assert any(HOSTILE in tip for tip in tips), tips
    assert_harmless(analyst, page, "heatmap")

    page = opened(analyst, "/analytics/compliance?group_by=type")
    assert_harmless(analyst, page, "compliance")

    page = opened(analyst, f"/permits/{permit['id']}")
    text = page.inner_text("main")
    assert f"{HOSTILE} 区" in text and f"{HOSTILE} 更换法兰" in text, text[:2000]
    assert f"{HOSTILE_2}监护人" in text and f"同意 {HOSTILE}" in text
    assert_harmless(analyst, page, "permit page")
    page = opened(analyst, f"/people/{person_id(hostile['app'], 'watcher')}")
    assert f"{HOSTILE_2}监护人" in page.inner_text("main")
    assert_harmless(analyst, page, "person profile")
    assert dialogs == []

    designer = people("admin")
    dialogs = watched(designer)
    page = opened(designer, f"/console/instances/{hostile['instance_id']}")
    page.wait_for_selector('.bpmn-canvas[data-rendered="true"]', state="attached")
    assert page.query_selector(".pf-badge"), "the current step's overlay is drawn"
    # the approval's data (with the comment) is shown as JSON text
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    data = page.inner_text("main")
    assert "\\u003cimg src=x onerror" in data and "window.__pwned=1" in data, data[-3000:]
    assert_harmless(designer, page, "console instance")

    approver = people("applicant")
    approver_dialogs = watched(approver)
    page = opened(approver, "/inbox")
    assert_harmless(approver, page, "inbox")
    page = opened(approver, f"/permits/{permit['id']}")
    assert_harmless(approver, page, "permit page (applicant)")
    assert dialogs == [] and approver_dialogs == []


def test_the_checks_notice_markup_that_does_get_in(people, plant):
    """The harness itself: markup inserted as HTML is caught (CSP report, inserted node)."""
    person = people("safety_dept")
    watched(person)
    page = opened(person, "/notifications")
    page.evaluate(f"document.querySelector('main').insertAdjacentHTML('beforeend', {HOSTILE!r})")
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("typeof window.__pwned") == "undefined"  # the CSP stopped it
    assert page.query_selector("img[src='x']")
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
    person.problems.clear()  # the broken image and the refused handler were expected here
