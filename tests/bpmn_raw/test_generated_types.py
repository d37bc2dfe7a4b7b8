"""The generated diagrams of confined space, blind plate and temporary power.

They deploy without a single lint problem, match their generators, draw every element
inside its lane without overlaps (bpmn-js shows them as laid out), mark the mandatory
nodes, and their checklist forms are exactly the items of ``checklists.json``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
BPMN = ROOT / "bpmn"
TOOLS = BPMN / "tools"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "di": "http://www.omg.org/spec/DD/20100524/DI",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}

TYPES = {
    "confined_space": {
        "lanes": ["applicant", "watcher", "unit_approver"],
        "mandatory": {"ventilation", "lighting_check", "communication_test",
                      "emergency_preparation", "gas_test", "watcher_sign_in", "entry_log",
                      "gas_retest"},
        "skippable": {"ventilation", "lighting_check", "communication_test",
                      "emergency_preparation", "entry_log"},
        "approver": "unit_approver",
    },
    "blind_plate": {
        "lanes": ["applicant", "watcher", "unit_approver"],
        "mandatory": {"safety_measures", "approve_1", "watcher_sign_in", "close"},
        "skippable": {"safety_measures"},
        "approver": "unit_approver",
    },
    "temporary_power": {
        "lanes": ["applicant", "watcher", "power_supplier"],
        "mandatory": {"safety_measures", "gas_test", "approve_1", "watcher_sign_in", "close"},
        "skippable": {"safety_measures"},
        "approver": "power_supplier",
    },
}


def generator(key: str):
    sys.path.insert(0, str(TOOLS))
    try:
        spec = importlib.util.spec_from_file_location(f"gen_{key}", TOOLS / f"gen_{key}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(TOOLS))


def tree(key: str):
    return etree.parse(str(BPMN / f"{key}.bpmn")).getroot()


def props(node) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in node.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


@pytest.mark.parametrize("key", TYPES)
def test_files_are_what_the_generator_writes(key, tmp_path):
    for path in generator(key).generate(tmp_path):
        committed = BPMN / path.relative_to(tmp_path)
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"{committed.name} is stale: run python bpmn/tools/gen_{key}.py")


@pytest.mark.parametrize("key", TYPES)
def test_deploys_without_any_problem(app, key):
    from engine.deploy import collect_related
    from web import get_engine

    with app.app_context():
        problems = get_engine().check(collect_related(BPMN / f"{key}.bpmn"))
    assert [p.as_dict() for p in problems] == []


@pytest.mark.parametrize("key", TYPES)
def test_lanes_roles_mandatory_and_validity_timer(key):
    root = tree(key)
    process = root.find("bpmn:process", NS)
    assert process.get("id") == key and process.get("isExecutable") == "true"
    lanes = [lane.get("name") for lane in process.iterfind("bpmn:laneSet/bpmn:lane", NS)]
    assert lanes == TYPES[key]["lanes"]
    tasks = {t.get("id"): t for t in process.iterfind("bpmn:userTask", NS)}
    assert {i for i, t in tasks.items() if props(t).get("mandatory") == "true"} \
        == TYPES[key]["mandatory"]
    assert {i for i, t in tasks.items() if props(t).get("skippable") == "true"} \
        == TYPES[key]["skippable"]
    lane_of = {ref.text: lane.get("name") for lane in process.iterfind(
        "bpmn:laneSet/bpmn:lane", NS) for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    assert lane_of["approve_1"] == lane_of["close"] == TYPES[key]["approver"]
    assert lane_of["watcher_sign_in"] == "watcher"
    timer = process.find("bpmn:boundaryEvent[@id='validity_expired']", NS)
    assert timer.get("attachedToRef") == "work" and timer.get("cancelActivity") == "true"
    assert timer.find(".//bpmn:timeDate", NS).text == 'activation["valid_until"]'
    flows = {f.get("sourceRef"): f.get("targetRef")
             for f in process.iterfind("bpmn:sequenceFlow", NS)}
    assert flows["validity_expired"] == "gw_expired" and flows["gw_expired"] == "expire"
    left = process.find("bpmn:boundaryEvent[@id='watcher_left']", NS)
    assert left.get("attachedToRef") == "work"


@pytest.mark.parametrize("key", TYPES)
def test_every_element_is_drawn_inside_its_lane_without_overlaps(key):
    root = tree(key)
    process = root.find("bpmn:process", NS)
    shapes = {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("dc:Bounds", NS)
        shapes[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in
                                                 ("x", "y", "width", "height"))
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    nodes = [n for n in process if n.get("id") and etree.QName(n).localname not in (
        "laneSet", "sequenceFlow", "documentation")]
    for node in nodes:
        assert node.get("id") in shapes, node.get("id")
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        assert len(edges[flow.get("id")].findall("di:waypoint", NS)) >= 2, flow.get("id")
    lanes = {lane.get("id"): shapes[lane.get("id")] for lane in process.iterfind(
        "bpmn:laneSet/bpmn:lane", NS)}
    for lane in process.iterfind("bpmn:laneSet/bpmn:lane", NS):
        lx, ly, lw, lh = lanes[lane.get("id")]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = shapes[ref.text]
            assert lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh, ref.text
    boxes = [(n.get("id"), shapes[n.get("id")]) for n in nodes
             if etree.QName(n).localname != "boundaryEvent"]
    for i, (a, (ax, ay, aw, ah)) in enumerate(boxes):
        for b, (bx, by, bw, bh) in boxes[i + 1:]:
            apart = ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay
            assert apart, f"{a} overlaps {b}"


@pytest.mark.parametrize("key", TYPES)
def test_forms_are_strict_and_checklists_match_the_rule_data(key):
    checklists = json.loads((ROOT / "processes" / "rules" / "data" / "checklists.json")
                            .read_text(encoding="utf-8"))[key]["items"]
    root = tree(key)
    for task in root.iterfind(".//bpmn:userTask", NS):
        name = props(task)["formJsonSchemaFilename"]
        schema = json.loads((BPMN / "forms" / name).read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False, name
        items = schema["properties"].get("items")
        if items is None:
            continue
        wanted = [i for i in checklists if i["step"] == task.get("id")]
        assert list(items["properties"]) == [i["key"] for i in wanted]
        for item in wanted:
            offered = items["properties"][item["key"]]["enum"]
            assert ("na" in offered) == item["na_allowed"], item["key"]
    steps = {i["step"] for i in checklists}
    ids = {t.get("id") for t in root.iterfind(".//bpmn:userTask", NS)}
    assert steps <= ids, steps - ids
