"""Moving a live hot-work permit to a new process version: preview, migrate, refuse, roll back."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from lxml import etree

from tests.api import Api, gas, hot_work_application, measures, person_id

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
B = f"{{{NS['bpmn']}}}"
BRIEF_FORM = (b'{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",'
              b' "properties": {"briefed": {"type": "boolean"}}, "required": ["briefed"],'
              b' "additionalProperties": false}')


def _tree():
    return etree.fromstring((BPMN_DIR / "hot_work.bpmn").read_bytes())


def _one(root, xpath):
    [node] = root.xpath(xpath, namespaces=NS)
    return node


def with_fire_brief() -> bytes:
    """v2: after the unit's approval the approver briefs the fire watcher (a new user task)."""
    root = _tree()
    flow = _one(root, "//bpmn:sequenceFlow[@id='f_approve_1_gw']")
    flow.set("targetRef", "fire_brief")
    approve = _one(root, "//bpmn:userTask[@id='approve_1']")
    task = etree.fromstring(
        f'<bpmn:userTask xmlns:bpmn="{NS["bpmn"]}" xmlns:spiffworkflow="{NS["spiffworkflow"]}"'
        ' id="fire_brief" name="向监火人交底"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="formJsonSchemaFilename" '
        'value="hot_work.fire_brief.schema.json"/></spiffworkflow:properties>'
        '</bpmn:extensionElements><bpmn:incoming>f_approve_1_gw</bpmn:incoming>'
        '<bpmn:outgoing>f_brief_gw</bpmn:outgoing></bpmn:userTask>')
    approve.addnext(task)
    new_flow = etree.SubElement(approve.getparent(), B + "sequenceFlow")
    new_flow.attrib.update({"id": "f_brief_gw", "sourceRef": "fire_brief",
                            "targetRef": "gw_approve_1"})
    gateway = _one(root, "//bpmn:exclusiveGateway[@id='gw_approve_1']")
    _one(gateway, "bpmn:incoming").text = "f_brief_gw"
    ref = _one(root, "//bpmn:lane[@id='lane_unit_approver']/bpmn:flowNodeRef[.='approve_1']")
    ref.addnext(etree.fromstring(f'<bpmn:flowNodeRef xmlns:bpmn="{NS["bpmn"]}">fire_brief'
                                 '</bpmn:flowNodeRef>'))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def without_unit_approval() -> bytes:
    """v2': the unit's approval is dropped (the route goes straight to its gateway)."""
    root = _tree()
    _one(root, "//bpmn:sequenceFlow[@id='f_route_approve_1']").set("targetRef", "gw_approve_1")
    gateway = _one(root, "//bpmn:exclusiveGateway[@id='gw_approve_1']")
    _one(gateway, "bpmn:incoming").text = "f_route_approve_1"
    for xpath in ("//bpmn:userTask[@id='approve_1']", "//bpmn:sequenceFlow[@id='f_approve_1_gw']",
                  "//bpmn:flowNodeRef[.='approve_1']",
                  "//bpmndi:BPMNShape[@bpmnElement='approve_1']",
                  "//bpmndi:BPMNEdge[@bpmnElement='f_approve_1_gw']"):
        for node in root.xpath(xpath, namespaces=NS):
            node.getparent().remove(node)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def upload(api: Api, files: dict[str, bytes]) -> dict:
    r = api.client.post("/api/v1/process-definitions", headers=api._headers(),
                        data={"files": [(io.BytesIO(c), n) for n, c in files.items()],
                              "notes": "test"},
                        content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    return r.get_json()["items"][0]


def waiting_at_approval(plant, frozen_clock) -> dict:
    applicant = Api(plant, "applicant")
    start = frozen_clock.now() + timedelta(minutes=20)
    permit = applicant.post("/permits", json=hot_work_application(plant, area="PR-1",
                                                                  start=start)).json
    applicant.complete(permit["id"], "safety_measures", measures(person_id(plant, "applicant")))
    applicant.complete(permit["id"], "gas_test",
                       gas(applicant, 8.0, sampled_at=start - timedelta(minutes=21)))
    permit = applicant.get(f"/permits/{permit['id']}").json
    assert "approve_1" in [t["bpmn_id"] for t in permit["open_tasks"]], permit["open_tasks"]
    return permit


def test_a_waiting_permit_moves_to_a_version_with_a_new_task(plant, frozen_clock):
    designer, unit = Api(plant, "designer"), Api(plant, "unit_approver")
    permit = waiting_at_approval(plant, frozen_clock)
    instance = permit["process"]["instance_id"]
    assert upload(designer, {"hot_work.bpmn": with_fire_brief(),
                             "hot_work.fire_brief.schema.json": BRIEF_FORM})["version"] == 2

    diff = designer.get("/process-definitions/hot_work/diff", **{"from": 1, "to": 2}).json
    assert {e["id"] for e in diff["added"]} == {"fire_brief", "f_brief_gw"}
    preview = designer.get(f"/instances/{instance}/migration").json
    assert preview["possible"] and preview["to_version"] == 2
    assert "fire_brief" in preview["added"] and preview["orphaned"] == []
    assert Api(plant, "applicant").get(f"/instances/{instance}/migration").status == 403

    r = designer.post(f"/instances/{instance}/migrate",
                      json={"to_version": 2, "revision": preview["revision"]})
    assert r.status == 200, r.json
    assert r.json["version"] == 2
    again = designer.post(f"/instances/{instance}/migrate",
                          json={"to_version": 2, "revision": preview["revision"]})
    assert again.status == 409  # the revision moved on

    unit.complete(permit["id"], "approve_1", {"decision": "approve"})
    after = unit.complete(permit["id"], "fire_brief", {"briefed": True}).json
    assert after["process"]["version"] == 2 and after["status"] == "approved"
    [moved] = [e for e in after["history"] if e["action"] == "instance.migrated"]
    assert moved["actor"] == "designer" and moved["data"]["from_version"] == 1


def test_removing_the_task_a_permit_waits_on_is_refused(plant, frozen_clock):
    designer = Api(plant, "designer")
    permit = waiting_at_approval(plant, frozen_clock)
    instance = permit["process"]["instance_id"]
    upload(designer, {"hot_work.bpmn": without_unit_approval()})
    preview = designer.get(f"/instances/{instance}/migration", to=2).json
    assert not preview["possible"]
    assert [t["bpmn_id"] for t in preview["orphaned"]] == ["approve_1"]
    r = designer.post(f"/instances/{instance}/migrate", json={"to_version": 2})
    assert r.status == 422
    assert "approve_1" in r.json["errors"]["migration"][0]
    after = designer.get(f"/permits/{permit['id']}").json
    assert after["process"]["version"] == 1
    assert not [e for e in after["history"] if e["action"] == "instance.migrated"]


def test_roll_back_deploys_the_old_version_again(plant, frozen_clock):
    designer = Api(plant, "designer")
    upload(designer, {"hot_work.bpmn": with_fire_brief(),
                      "hot_work.fire_brief.schema.json": BRIEF_FORM})
    r = designer.post("/process-definitions/hot_work/versions/1/redeploy",
                      json={"notes": "交底步骤暂缓"})
    assert r.status == 201, r.json
    assert r.json["version"] == 3 and "交底步骤暂缓" in r.json["notes"]
    diff = designer.get("/process-definitions/hot_work/diff", **{"from": 2, "to": 3}).json
    assert {e["id"] for e in diff["removed"]} == {"fire_brief", "f_brief_gw"}
    assert designer.get("/process-definitions/hot_work/diff",
                        **{"from": 1, "to": 3}).json["identical"]
    assert designer.get("/process-definitions/hot_work/diff", **{"from": "x"}).status == 422
    assert designer.get("/process-definitions/hot_work/diff", **{"from": 9}).status == 404
    assert Api(plant, "applicant").post(
        "/process-definitions/hot_work/versions/1/redeploy", json={}).status == 403


def test_instance_view_shows_where_a_permit_waits_and_for_whom(plant, frozen_clock):
    permit = waiting_at_approval(plant, frozen_clock)
    instance = permit["process"]["instance_id"]
    view = Api(plant, "designer").get(f"/instances/{instance}").json
    assert (view["key"], view["version"], view["status"]) == ("hot_work", 1, "running")
    assert {"start", "safety_measures", "gas_test"} <= set(view["executed"])
    assert "approve_1" in [c["id"] for c in view["current"]]
    assert "f_route_approve_1" in view["flows_taken"]
    [waiting] = view["waiting_for"]
    assert waiting["lane"] == "unit_approver"
    assert "unit_approver" in [p["username"] for p in waiting["people"]]
    assert "applicant" not in [p["username"] for p in waiting["people"]]  # four eyes
    assert {t["bpmn_id"] for t in view["tasks"]} >= {"safety_measures", "gas_test",
                                                       "approve_1"}
    assert view["path"][0]["action"] == "instance.started"
    assert any(n["id"] == "approve_1" and n["lane"] == "unit_approver" for n in view["nodes"])
    assert view["permit"]["id"] == permit["id"]
    # the applicant may see their permit's view, a stranger may not
    assert Api(plant, "applicant").get(f"/instances/{instance}").status == 200
    assert Api(plant, "designer").get("/instances/999999").status == 404


def test_instance_view_lists_pending_timers(plant, frozen_clock):
    applicant, watcher = Api(plant, "applicant"), Api(plant, "watcher")
    start = frozen_clock.now() + timedelta(minutes=20)
    permit = applicant.post("/permits", json=hot_work_application(plant, start=start)).json
    applicant.complete(permit["id"], "safety_measures", measures(person_id(plant, "applicant")))
    applicant.complete(permit["id"], "gas_test",
                       gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    watcher.complete(permit["id"], "watcher_sign_in", {"present": True})
    view = Api(plant, "designer").get(f"/instances/{permit['process']['instance_id']}").json
    assert "work" in [c["id"] for c in view["current"]]
    timers = {t["id"]: t for t in view["timers"]}
    assert "validity_expired" in timers and timers["validity_expired"]["due"]
