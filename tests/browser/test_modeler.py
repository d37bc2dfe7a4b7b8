"""The modeler in a real browser: edit hot_work and deploy; a sandbox escape is refused."""

from __future__ import annotations

from sqlalchemy import select

from engine import ProcessDefinition, db
from tests.api import Api
from tests.browser.conftest import wait_rendered
from tests.scenarios.test_migration import BRIEF_FORM
from tests.web.conftest import new_permit

# Adds the user task "fire_brief" (unit approver briefs the fire watcher) between the unit's
# approval and its gateway, the way a designer would with the palette: a shape in the
# unit approver's lane, the approval's outgoing flow re-pointed at it, a new flow onwards.
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
  const created = modeling.createShape(
    shape, { x: approve.x + approve.width / 2 + 20, y: approve.y + approve.height / 2 + 20 },
    registry.get("participant_hot_work"));
  modeling.reconnectEnd(registry.get("f_approve_1_gw"), created,
                        { x: created.x, y: created.y + created.height / 2 });
  modeling.connect(created, registry.get("gw_approve_1"));
  return created.businessObject.$parent.id;
}
"""

# tests/web/test_modeler.py's evil.bpmn, drawn (a file without a diagram cannot be shown).
EVIL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
    id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="evil" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="sneaky" name="Sneaky">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>os = __import__('os')</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sneaky"/>
    <bpmn:sequenceFlow id="f2" sourceRef="sneaky" targetRef="end"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="evil">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="sneaky_di" bpmnElement="sneaky">
        <dc:Bounds x="190" y="78" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end">
        <dc:Bounds x="350" y="100" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1">
        <di:waypoint x="136" y="118"/><di:waypoint x="190" y="118"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2">
        <di:waypoint x="290" y="118"/><di:waypoint x="350" y="118"/></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def latest_versions(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(ProcessDefinition.key, ProcessDefinition.version))
        found: dict[str, int] = {}
        for key, version in rows:
            found[key] = max(found.get(key, 0), version)
        db.session.remove()
        return found


def test_a_task_added_in_the_modeler_runs_on_the_new_version_old_permits_stay(
        people, plant, frozen_clock):
    old = new_permit(plant, frozen_clock, area="W-1", prepared=True)
    assert old["process"]["version"] == 1
    designer = people("designer")
    page = designer.open("/console/modeler/hot_work")
    wait_rendered(page, "#modeler")
    assert page.evaluate(ADD_FIRE_BRIEF, {"form": "hot_work.fire_brief.schema.json"}) \
        == "hot_work"
    page.set_input_files("#modeler-file", files=[{
        "name": "hot_work.fire_brief.schema.json", "mimeType": "application/json",
        "buffer": BRIEF_FORM}])
    page.fill("#modeler-notes", "审批后向监火人交底")
    page.click("#modeler-validate")
    page.wait_for_function(
        "() => document.getElementById('modeler-status').textContent.includes('校验通过')")
    with page.expect_response(lambda r: r.url.endswith("/deploy")) as answer:
        page.click("#modeler-deploy")
    assert answer.value.status == 200, answer.value.text()
    page.wait_for_function(
        "() => document.getElementById('modeler-status').textContent.includes('hot_work v2')")
    assert page.locator("#modeler-problems li.problem").count() == 0

    page = designer.open("/console")
    latest = page.locator("#process-hot_work tbody tr").first
    assert latest.locator("td").first.inner_text().startswith("v2")
    assert "审批后向监火人交底" in latest.inner_text() and "designer" in latest.inner_text()
    page.click("#process-hot_work a:has-text('与上一版比较')")
    wait_rendered(page, "#diff-new")
    assert page.locator('#diff-new [data-element-id="fire_brief"].pf-added').count() == 1

    # a permit applied now runs on v2 and reaches the new task after the unit's approval
    new = new_permit(plant, frozen_clock, area="PR-1", prepared=True)
    assert new["process"]["version"] == 2
    unit = Api(plant, "unit_approver")
    unit.complete(new["id"], "approve_1", {"decision": "approve"})
    after = unit.complete(new["id"], "fire_brief", {"briefed": True}).json
    assert after["process"]["version"] == 2 and after["status"] == "approved"

    # the permit started before the deploy finishes on v1, never meeting the new task
    applicant, watcher = old["api"], Api(plant, "watcher")
    watcher.complete(old["id"], "watcher_sign_in", {"present": True})
    applicant.complete(old["id"], "work", {"finished": True})
    done = unit.complete(old["id"], "close", {"accepted": True}).json
    assert done["status"] == "closed" and done["process"]["version"] == 1
    assert "fire_brief" not in [t["bpmn_id"] for t in done["tasks"]]


def test_a_script_calling_import_is_shown_on_its_element_and_nothing_is_deployed(
        people, plant):
    before = latest_versions(plant)
    designer = people("designer")
    page = designer.open("/console/modeler/hot_work")
    wait_rendered(page, "#modeler")
    page.set_input_files("#modeler-file", files=[{
        "name": "evil.bpmn", "mimeType": "application/xml", "buffer": EVIL}])
    wait_rendered(page, "#modeler", "evil.bpmn")
    with page.expect_response(lambda r: r.url.endswith("/deploy")) as answer:
        page.click("#modeler-deploy")
    assert answer.value.status == 422
    problem = page.locator('#modeler-problems li.problem[data-element="sneaky"]')
    problem.wait_for()
    assert "__import__" in problem.inner_text()
    assert problem.inner_text().startswith("evil.bpmn")  # the designer's own file name
    marked = page.locator('#modeler [data-element-id="sneaky"].pf-problem')
    assert marked.count() == 1 and marked.is_visible()
    assert page.locator("#modeler .pf-problem").count() == \
        page.locator("#modeler-problems li.problem:not([data-element=''])").count()
    assert "已部署" not in page.inner_text("#modeler-status")
    assert latest_versions(plant) == before == {"hot_work": 1}


def test_deploying_an_unchanged_diagram_from_the_modeler_shows_no_changes(people, plant):
    """bpmn-js rewrites the XML on save (defaults written out, lists reordered); the diff
    must still say that nothing about the process changed."""
    designer = people("designer")
    page = designer.open("/console/modeler/hot_work")
    wait_rendered(page, "#modeler")
    with page.expect_response(lambda r: r.url.endswith("/deploy")) as answer:
        page.click("#modeler-deploy")
    assert answer.value.status == 200, answer.value.text()
    diff = Api(plant, "designer").get("/process-definitions/hot_work/diff",
                                      **{"from": 1, "to": 2}).json
    assert diff["identical"], (diff["added"], diff["removed"], diff["changed"])
