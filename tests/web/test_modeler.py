"""The modeler: validate shows located problems without storing; deploy from the page."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from engine import ProcessDefinition, db
from tests.api import Api
from tests.scenarios.test_migration import BRIEF_FORM, with_fire_brief

EVIL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="evil" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="sneaky" name="Sneaky"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>os = __import__('os')</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sneaky"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sneaky" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def versions(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(ProcessDefinition.id))).scalar_one()


def post_files(client, path, files, headers=None, **form):
    return client.post(path, headers=headers or {},
                       data={"files": [(io.BytesIO(c), n) for n, c in files.items()], **form},
                       content_type="multipart/form-data")


def test_validate_api_locates_the_problem_and_stores_nothing(plant):
    designer = Api(plant, "designer")
    before = versions(plant)
    r = post_files(designer.client, "/api/v1/process-definitions/validate",
                   {"evil.bpmn": EVIL}, designer._headers())
    assert r.status_code == 200
    body = r.get_json()
    assert body["ok"] is False
    assert "sneaky" in [p["element_id"] for p in body["problems"]]
    assert versions(plant) == before
    # an edited hot_work.bpmn validates on its own: its forms come from the latest version
    r = post_files(designer.client, "/api/v1/process-definitions/validate",
                   {"hot_work.bpmn": with_fire_brief(),
                    "hot_work.fire_brief.schema.json": BRIEF_FORM}, designer._headers())
    assert r.get_json()["ok"] is True, r.get_json()
    applicant = Api(plant, "applicant")
    assert post_files(applicant.client, "/api/v1/process-definitions/validate",
                      {"evil.bpmn": EVIL}, applicant._headers()).status_code == 403


def test_modeler_page_validates_and_deploys(browser, plant, monkeypatch):
    from web.pages import console

    monkeypatch.setattr(console, "VENDOR", {k: f"vendor/missing/{v}"
                                            for k, v in console.VENDOR.items()})
    designer = browser("designer")
    html = designer.text("/console/modeler/hot_work")
    assert 'action="/console/modeler/hot_work/deploy"' in html
    assert "scripts/vendor.sh" in html  # degraded: download, edit on the desktop, upload
    r = post_files(designer.client, "/console/modeler/hot_work/validate", {"evil.bpmn": EVIL})
    assert "sneaky" in [p["element_id"] for p in r.get_json()["problems"]]

    before = versions(plant)
    r = post_files(designer.client, "/console/modeler/hot_work/deploy", {"evil.bpmn": EVIL})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'data-element="sneaky"' in page and versions(plant) == before

    r = post_files(designer.client, "/console/modeler/hot_work/deploy",
                   {"hot_work.bpmn": with_fire_brief(),
                    "hot_work.fire_brief.schema.json": BRIEF_FORM}, notes="交底")
    assert r.status_code == 302
    assert versions(plant) == before + 1
    r = post_files(designer.client, "/console/modeler/hot_work/deploy",
                   {"hot_work.bpmn": with_fire_brief()},
                   headers={"Accept": "application/json"})
    assert r.get_json() == {"ok": True, "versions": {"hot_work": 2}}  # same content
    assert browser("applicant").get("/console/modeler/hot_work").status_code == 403
