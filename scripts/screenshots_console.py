"""Screenshots of the operations console at a desktop viewport, for docs/screenshots/.

Same demo plant, frozen clock and permits as scripts/screenshots.py, then what a process
designer does in the console: open hot_work in the modeler, add a user task (the unit
approver briefs the fire watcher), validate — the missing form is shown on the new task —
pick the form and deploy version 2. One gas test meets a broken detector gateway so the
incidents page has something to show. Headless Chromium is driven by Playwright (its
bundled driver, the Debian ``chromium`` binary); people log in through the login form.

    python scripts/screenshots_console.py [--out docs/screenshots] [--width 1440 --height 900]

Needs ``chromium`` (Debian: apt-get install chromium fonts-noto-cjk) and ``playwright``
(the test extra).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import threading
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import screenshots as base

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
FORM = "hot_work.fire_brief.schema.json"
BRIEF_FORM = (b'{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",'
              b' "title": "\\u5411\\u76d1\\u706b\\u4eba\\u4ea4\\u5e95",'
              b' "properties": {"briefed": {"type": "boolean", "title": "\\u5df2\\u4ea4\\u5e95"}},'
              b' "required": ["briefed"], "additionalProperties": false}')
# The designer's edit, through the bpmn-js API the modeler page exposes: a user task in the
# unit approver's lane (made taller for it) between the approval and its gateway.
ADD_FIRE_BRIEF = """
({ form }) => {
  const modeler = window.permitflowModeler;
  const registry = modeler.get("elementRegistry");
  const modeling = modeler.get("modeling");
  const moddle = modeler.get("moddle");
  const NS = "http://spiffworkflow.org/bpmn/schema/1.0/core";
  const approve = registry.get("approve_1");
  const property = moddle.createAny("spiffworkflow:property", NS,
                                    { name: "formJsonSchemaFilename", value: form });
  const properties = moddle.createAny("spiffworkflow:properties", NS, { $children: [property] });
  const task = moddle.create("bpmn:UserTask", {
    id: "fire_brief", name: "向监火人交底",
    extensionElements: moddle.create("bpmn:ExtensionElements", { values: [properties] }) });
  const shape = modeler.get("elementFactory").createShape(
    { type: "bpmn:UserTask", businessObject: task });
  const lane = registry.get("lane_unit_approver");
  modeling.resizeLane(lane, { x: lane.x, y: lane.y, width: lane.width,
                              height: lane.height + 110 });
  const created = modeling.createShape(
    shape, { x: approve.x + approve.width / 2, y: approve.y + approve.height + 70 },
    registry.get("participant_hot_work"));
  modeling.reconnectEnd(registry.get("f_approve_1_gw"), created,
                        { x: created.x + created.width / 2, y: created.y });
  modeling.connect(created, registry.get("gw_approve_1"));
  // the part of the diagram around the edit, at a readable scale
  modeler.get("canvas").viewbox({ x: approve.x - 700, y: approve.y - 330,
                                  width: 1500, height: 760 });
}
"""


def make_incident(app: Any, ids: dict[str, Any]) -> int:
    """A hot-work permit whose gas test meets an unreachable detector gateway."""
    from handlers import gas as gas_handler

    applicant = base.Api(app, "applicant")
    start = base.NOW + timedelta(minutes=20)
    lat, lon = ids["area:W-1"]
    permit = applicant.call("POST", "/permits", json={
        "type": "hot_work", "site": "SH1", "area_code": "W-1",
        "location": {"lat": lat, "lon": lon}, "description": "机修车间切割废旧支架",
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(hours=2)).isoformat(),
        "workers": [ids["杨帆（焊工）"]], "watcher": ids["watcher"],
        "fields": {"method": "gas_cutting", "outdoor": False}})
    items = {k: True for k in (
        "purged", "blinds_fitted", "drains_covered", "no_dike_draining",
        "spark_control_at_height", "lining_fire_barrier", "cylinders", "fire_kit",
        "welder_sited_earthed", "no_hazardous_ops_nearby", "distance_rules", "jha_done",
        "continuous_detector", "ex_camera", "other_permits", "other_measures")}
    applicant.complete(permit["id"], "safety_measures", {
        "items": items, "blind_count": 0, "confirmed_by": ids["applicant"]})
    photo = applicant.client.post(
        "/api/v1/uploads", headers=applicant.headers, content_type="multipart/form-data",
        data={"file": (io.BytesIO(base.PNG + b"incident"), "screen.png", "image/png")}
    ).get_json()["id"]
    sampled = (start - timedelta(minutes=21)).isoformat()
    real = gas_handler.gas.record_test

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("gas detector gateway 10.20.1.15:502 unreachable (timed out)")

    gas_handler.gas.record_test = unreachable
    try:
        applicant.complete(permit["id"], "gas_test", {
            "readings": [{"gas": "CH4", "value": 5, "unit": "%LEL", "sampled_at": sampled,
                          "point": "支架根部"},
                         {"gas": "O2", "value": 20.9, "unit": "%VOL", "sampled_at": sampled,
                          "point": "支架根部"}],
            "instrument_id": "GD-2026-017", "photo": photo})
    finally:
        gas_handler.gas.record_test = real
    return permit["id"]


def instance_of(app: Any, permit_id: int) -> int:
    from engine import db
    from processes.models import Permit

    with app.app_context():
        return db.session.get(Permit, permit_id).instance_id


def main(argv: Iterable[str] | None = None) -> None:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(base.ROOT / "docs" / "screenshots"))
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args(list(argv) if argv is not None else None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = base.build_app(Path(tmp))
        base.seed(app)
        permits = base.make_permits(app)
        make_incident(app, base.people(app))
        server = make_server("127.0.0.1", 0, app.wsgi_app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        root = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium,
                                                 args=CHROMIUM_ARGS)
            shots = Shots(browser, root, out, args.width, args.height)
            designer = shots.login("designer")
            page = designer.new_page()
            page.goto(root + "/console/modeler/hot_work")
            page.wait_for_selector('#modeler[data-rendered="true"]', state="attached")
            page.evaluate(ADD_FIRE_BRIEF, {"form": FORM})
            page.click("#modeler-validate")
            page.wait_for_selector('#modeler-problems li.problem[data-element="fire_brief"]')
            # select the new task so the properties panel shows its spiffworkflow fields
            page.evaluate("""() => {
              const m = window.permitflowModeler;
              m.get("selection").select(m.get("elementRegistry").get("fire_brief"));
            }""")
            page.wait_for_timeout(300)
            page.click(".bio-properties-panel-group-header:has-text('作业票步骤')")
            page.wait_for_timeout(200)
            shots.take(page, "console-modeler", full=True)
            page.set_input_files("#modeler-file", files=[{
                "name": FORM, "mimeType": "application/json", "buffer": BRIEF_FORM}])
            page.fill("#modeler-notes", "基层单位审批后向监火人交底")
            page.click("#modeler-deploy")
            page.wait_for_function("() => document.getElementById('modeler-status')"
                                   ".textContent.includes('hot_work v2')")
            shots.open(designer, "console-processes", "/console")
            page = designer.new_page()
            page.goto(root + "/console/decisions/hot_work_routing.dmn")
            page.wait_for_selector('#decision-editor[data-rendered="true"]', state="attached")
            shots.take(page, "console-decision", full=True)
            page.close()
            shots.open(designer, "console-diff", "/console/processes/hot_work/diff?from=1&to=2",
                       diagrams=2, full=True)
            admin = shots.login("admin")
            shots.open(admin, "console-instance",
                       f"/console/instances/{instance_of(app, permits['live'])}",
                       diagrams=1)
            shots.open(admin, "console-incidents", "/console/incidents")
            shots.open(shots.login("unit_approver"), "inbox-desktop", "/inbox")
            browser.close()
        server.shutdown()


class Shots:
    def __init__(self, browser: Any, root: str, out: Path, width: int, height: int):
        self.browser, self.root, self.out = browser, root, out
        self.viewport = {"width": width, "height": height}

    def login(self, username: str) -> Any:
        context = self.browser.new_context(viewport=self.viewport, locale="zh-CN",
                                           device_scale_factor=1)
        page = context.new_page()
        page.goto(self.root + "/login")
        page.fill("#username", username)
        page.fill("#password", "demo")
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.close()
        return context

    def open(self, context: Any, name: str, path: str, diagrams: int = 0,
             full: bool = False) -> None:
        page = context.new_page()
        page.goto(self.root + path)
        if diagrams:
            page.wait_for_function(
                "(n) => document.querySelectorAll('.bpmn-canvas[data-rendered]').length >= n",
                arg=diagrams)
        self.take(page, name, full=full)
        page.close()

    def take(self, page: Any, name: str, full: bool = False) -> None:
        target = self.out / f"{name}.png"
        page.evaluate("() => window.scrollTo(0, 0)")  # else the sticky top bar lands mid-page
        page.screenshot(path=str(target), full_page=full)
        print(f"{target}  ←  {page.url}")


if __name__ == "__main__":
    main()
