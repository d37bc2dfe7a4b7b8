"""The designer's tools: operator list, drafts, decision tables, in zh-CN and English."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from sqlalchemy import func, select

from engine import Draft, ProcessDefinition, db
from tests.api import Api
from tests.scenarios.test_migration import BRIEF_FORM, with_fire_brief
from tests.web.test_modeler import post_files, versions

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
ROUTING = (BPMN_DIR / "hot_work_routing.dmn").read_text(encoding="utf-8")
BRIEF = {"hot_work.bpmn": with_fire_brief(), "hot_work.fire_brief.schema.json": BRIEF_FORM}


def put_draft(api: Api, key: str, files: dict[str, bytes], **form):
    return api.client.put(f"/api/v1/process-definitions/{key}/draft", headers=api._headers(),
                          data={"files": [(io.BytesIO(c), n) for n, c in files.items()],
                                **form}, content_type="multipart/form-data")


def drafts_stored(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Draft.id))).scalar_one()


def page_data(html: str) -> dict:
    raw = re.search(r'<script type="application/json" id="modeler-data">(.*?)</script>', html,
                    re.S).group(1)
    return json.loads(raw)


def test_operator_and_role_lists_come_from_the_server(plant):
    designer = Api(plant, "designer")
    items = designer.get("/operators").json["items"]
    by_name = {o["name"]: o for o in items}
    # the handlers' signatures, after the service context
    assert by_name["gas.validate"]["parameters"] == ["permit_id", "readings", "instrument_id",
                                                     "photo"]
    assert "permit.set_grade" in by_name and "routing.auto_approve" in by_name
    assert "safety_dept" in designer.get("/roles").json["items"]
    assert Api(plant, "applicant").get("/operators").status == 403


def test_draft_api_saves_replaces_and_discards_the_callers_draft(plant):
    designer = Api(plant, "designer")
    r = put_draft(designer, "hot_work", BRIEF, notes="交底步骤", based_on_version="1")
    assert r.status_code == 200, r.get_json()
    saved = r.get_json()
    assert (saved["based_on_version"], saved["latest_version"], saved["stale"]) == (1, 1, False)
    assert saved["author"] == "designer" and len(saved["sha256"]) == 64
    body = designer.get("/process-definitions/hot_work/draft").json
    assert {s["name"] for s in body["sources"]} == set(BRIEF)
    assert "fire_brief" in next(s["content"] for s in body["sources"] if s["kind"] == "bpmn")
    # someone else's draft is theirs alone
    assert Api(plant, "admin").get("/process-definitions/hot_work/draft").status == 404
    # saving again replaces it
    r = put_draft(designer, "hot_work", {"hot_work.bpmn": with_fire_brief()})
    assert r.status_code == 200 and r.get_json()["notes"] is None
    assert drafts_stored(plant) == 1
    before = versions(plant)
    assert designer.client.delete("/api/v1/process-definitions/hot_work/draft",
                                  headers=designer._headers()).status_code == 204
    assert designer.get("/process-definitions/hot_work/draft").status == 404
    assert drafts_stored(plant) == 0 and versions(plant) == before


def test_a_broken_or_oversized_draft_is_refused_located_and_nothing_is_stored(plant):
    designer = Api(plant, "designer")
    broken = with_fire_brief().replace(b"</bpmn:process>", b"</bpmn:proces>")
    r = put_draft(designer, "hot_work", {"hot_work.bpmn": broken})
    assert r.status_code == 422
    [problem] = r.get_json()["errors"]["problems"]
    assert problem["file"] == "hot_work.bpmn" and problem["line"] > 1
    assert "not well-formed XML" in problem["message"]
    # a hand-made multipart body: the test client's own encoder leaks its temporary file
    big = (b'--B\r\nContent-Disposition: form-data; name="files"; filename="hot_work.bpmn"'
           b"\r\nContent-Type: application/xml\r\n\r\n" + b" " * (6 * 1024 * 1024)
           + b"\r\n--B--\r\n")
    r = designer.client.put("/api/v1/process-definitions/hot_work/draft", data=big,
                            headers=designer._headers(),
                            content_type="multipart/form-data; boundary=B")
    assert r.status_code == 422
    assert "larger than 5 MiB" in r.get_json()["errors"]["problems"][0]["message"]
    r = put_draft(designer, "hot_work", {"hot_work.bpmn": with_fire_brief()},
                  based_on_version="zero")
    assert r.status_code == 422 and "based_on_version" in r.get_json()["errors"]
    assert drafts_stored(plant) == 0
    # the page answers the modeler's fetch with the same located problem, never a 500
    page = plant.test_client()
    page.post("/login", data={"username": "designer", "password": "demo"})
    r = post_files(page, "/console/modeler/hot_work/draft", {"hot_work.bpmn": broken},
                   headers={"Accept": "application/json"})
    assert r.status_code == 422 and r.get_json()["problems"][0]["line"] == problem["line"]
    r = post_files(page, "/console/modeler/hot_work/draft", {"hot_work.bpmn": broken})
    assert r.status_code == 422 and "not well-formed XML" in r.get_data(as_text=True)
    assert drafts_stored(plant) == 0


def test_the_modeler_opens_your_draft_warns_when_stale_and_deploy_clears_it(browser, plant):
    designer = browser("designer")
    r = post_files(designer.client, "/console/modeler/hot_work/draft", BRIEF,
                   notes="交底步骤", based_on_version="1")
    assert r.status_code == 302
    html = designer.text("/console/modeler/hot_work")
    assert 'id="modeler-draft"' in html and "基于第 1 版" in html and "交底步骤" in html
    assert 'id="modeler-draft-stale"' not in html
    data = page_data(html)
    assert "fire_brief" in data["xml"]  # the draft's diagram, not the deployed one
    assert [c["name"] for c in data["companions"]] == ["hot_work.fire_brief.schema.json"]
    assert "hot_work.fire_brief.schema.json" in data["permitflow"]["forms"]
    english = designer.text("/console/modeler/hot_work?lang=en")
    assert "You are editing your draft" in english and "based on version 1" in english

    # the admin deploys another change meanwhile: the designer's draft is now behind
    admin = browser("admin")
    edited = (BPMN_DIR / "hot_work.bpmn").read_bytes().replace(
        "安全措施确认".encode(), "安全措施逐项确认".encode())
    assert post_files(admin.client, "/console/modeler/hot_work/deploy",
                      {"hot_work.bpmn": edited}).status_code == 302
    html = designer.text("/console/modeler/hot_work")
    assert 'id="modeler-draft-stale"' in html and "已部署了第 2 版" in html
    assert "version 2 was deployed after" in designer.text("/console/modeler/hot_work?lang=en")
    assert Api(plant, "designer").get("/process-definitions/hot_work/draft").json["stale"]

    # deploying (the draft's files) clears it
    r = post_files(designer.client, "/console/modeler/hot_work/deploy", BRIEF,
                   headers={"Accept": "application/json"})
    assert r.get_json() == {"ok": True, "versions": {"hot_work": 3}}
    assert 'id="modeler-draft"' not in designer.text("/console/modeler/hot_work")
    assert drafts_stored(plant) == 0


def test_discarding_from_the_page(browser, plant):
    designer = browser("designer")
    post_files(designer.client, "/console/modeler/hot_work/draft", BRIEF)
    assert drafts_stored(plant) == 1
    r = designer.post("/console/modeler/hot_work/draft/discard")
    assert r.status_code == 302 and drafts_stored(plant) == 0
    assert "fire_brief" not in page_data(designer.text("/console/modeler/hot_work"))["xml"]


def test_the_panel_gets_operators_roles_decisions_and_labels_in_the_pages_language(browser):
    designer = browser("designer")
    zh = page_data(designer.text("/console/modeler/hot_work"))["permitflow"]
    en = page_data(designer.text("/console/modeler/hot_work?lang=en"))["permitflow"]
    assert {"gas.validate", "permit.assess"} <= {o["name"] for o in zh["operators"]}
    assert "unit_approver" in zh["roles"]
    assert {"hot_work_grade", "hot_work_routing"} <= {d["id"] for d in zh["decisions"]}
    assert "hot_work.gas_test.schema.json" in zh["forms"]
    assert zh["strings"]["Operator"] == "服务操作标识" and en["strings"]["Operator"] == "Operator"
    assert zh["strings"]["Mandatory"] == "必做步骤" and en["strings"]["Mandatory"] == "Mandatory"
    assert en["strings"].keys() == zh["strings"].keys()


def test_the_descriptor_covers_every_extension_element_the_diagrams_use():
    """The panel's moddle descriptor must know each spiffworkflow element, or bpmn-js keeps
    it as an untyped element the panel cannot edit."""
    descriptor = json.loads((Path(__file__).resolve().parents[2] / "web" / "static" / "js"
                             / "src" / "spiffworkflow.json").read_text())
    known = {t["name"][0].lower() + t["name"][1:] for t in descriptor["types"]}
    used = set()
    for path in BPMN_DIR.glob("*.bpmn"):
        used |= set(re.findall(r"<spiffworkflow:(\w+)", path.read_text(encoding="utf-8")))
    assert used and used <= known, used - known


def test_decision_tables_list_edit_validate_and_deploy(browser, plant):
    designer = browser("designer")
    listing = designer.text("/console/decisions")
    assert 'data-file="hot_work_routing.dmn"' in listing and "hot_work v1" in listing
    assert "/console/decisions" in designer.text("/console")  # linked from the console
    modeler = designer.text("/console/modeler/hot_work")
    assert 'href="/console/decisions/hot_work_routing.dmn"' in modeler
    page = designer.text("/console/decisions/hot_work_routing.dmn")
    assert "动火审批路由" in page and 'id="decision-form"' in page
    assert "Used by:" in designer.text("/console/decisions/hot_work_routing.dmn?lang=en")
    download = designer.get("/console/decisions/hot_work_routing.dmn/download")
    assert download.get_data(as_text=True) == ROUTING

    before = versions(plant)
    evil = ROUTING.replace("<text>grade</text>", "<text>__import__('os')</text>", 1)
    r = post_files(designer.client, "/console/decisions/hot_work_routing.dmn/validate",
                   {"hot_work_routing.dmn": evil.encode()})
    body = r.get_json()
    assert body["ok"] is False
    assert any(p["file"] == "hot_work_routing.dmn" and p["line"] for p in body["problems"])
    r = post_files(designer.client, "/console/decisions/hot_work_routing.dmn/deploy",
                   {"hot_work_routing.dmn": evil.encode()})
    assert r.status_code == 422 and "DMN input expression" in r.get_data(as_text=True)
    assert versions(plant) == before

    changed = ROUTING.replace("动火审批路由", "动火审批路由（修订）")
    r = post_files(designer.client, "/console/decisions/hot_work_routing.dmn/deploy",
                   {"hot_work_routing.dmn": changed.encode()}, notes="路由修订",
                   headers={"Accept": "application/json"})
    assert r.get_json() == {"ok": True, "versions": {"hot_work": 2}}
    with plant.app_context():
        rows = {d.version: d for d in db.session.execute(select(ProcessDefinition).where(
            ProcessDefinition.key == "hot_work")).scalars()}
        assert "（修订）" in rows[2].file("hot_work_routing.dmn")["content"]
        assert "（修订）" not in rows[1].file("hot_work_routing.dmn")["content"]
        assert rows[2].bpmn_xml == rows[1].bpmn_xml and rows[2].notes == "路由修订"
    assert "hot_work v2" in designer.text("/console/decisions")


def test_decision_api(plant):
    designer = Api(plant, "designer")
    names = [d["name"] for d in designer.get("/decisions").json["items"]]
    assert {"hot_work_grade.dmn", "hot_work_routing.dmn"} <= set(names)
    one = designer.get("/decisions/hot_work_grade.dmn").json
    assert one["used_by"] == [{"key": "hot_work", "version": 1}] and "<decision" in one["xml"]
    assert designer.get("/decisions/nothing.dmn").status == 404
    r = designer.client.post("/api/v1/decisions/hot_work_grade.dmn",
                             headers=designer._headers(),
                             data={"files": [(io.BytesIO(b"<definitions"), "x.dmn")]},
                             content_type="multipart/form-data")
    assert r.status_code == 422
    assert "not well-formed XML" in r.get_json()["errors"]["problems"][0]["message"]
    grade = one["xml"].replace('hitPolicy="UNIQUE"', 'hitPolicy="COLLECT"')
    assert grade != one["xml"]
    r = designer.client.post("/api/v1/decisions/hot_work_grade.dmn",
                             headers=designer._headers(),
                             data={"files": [(io.BytesIO(grade.encode()), "x.dmn")]},
                             content_type="multipart/form-data")
    assert r.status_code == 201 and [i["version"] for i in r.get_json()["items"]] == [2]


def test_pages_work_without_the_front_end_bundles(browser, monkeypatch):
    from web.pages import console

    missing = {k: f"vendor/missing/{v}" for k, v in console.VENDOR.items()}
    monkeypatch.setattr(console, "VENDOR", missing)
    designer = browser("designer")
    page = designer.text("/console/decisions/hot_work_routing.dmn")
    assert "scripts/vendor.sh" in page and 'id="decision-file"' in page
    assert 'id="decision-editor"' not in page
    # without the panel bundle the plain bpmn-js modeler (any file that exists) is used
    monkeypatch.setattr(console, "VENDOR", {**missing, "modeler": "css/console.css"})
    page = designer.text("/console/modeler/hot_work")
    assert 'src="/static/css/console.css"' in page and 'id="modeler-properties"' not in page
    monkeypatch.setattr(console, "VENDOR", {**missing, "panel": "css/console.css"})
    page = designer.text("/console/modeler/hot_work")
    assert 'id="modeler-properties"' in page and 'id="modeler-save-draft"' in page


def test_saving_a_draft_from_the_page_without_a_file_asks_for_one(browser, plant):
    designer = browser("designer")
    r = designer.post("/console/modeler/hot_work/draft", data={"notes": "x"})
    assert r.status_code == 422 and "请选择 .bpmn 文件" in r.get_data(as_text=True)
    assert drafts_stored(plant) == 0
