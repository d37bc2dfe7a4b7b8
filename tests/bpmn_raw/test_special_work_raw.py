"""The diagrams of work at height, lifting, excavation and road closure, without the
service layer: conventions (ids, lanes, forms, mandatory nodes, the validity timer), full
BPMNDI, generator freshness, lint on every diagram in bpmn/, and paths driven through
plain SpiffWorkflow with canned service results."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine.deploy import check, collect_related
from processes.people import ROLES

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
TOOLS = BPMN_DIR / "tools"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
TYPES = {
    "work_at_height": {"approve_1": "unit_approver", "approve_2": "specialist",
                       "approve_3": "plant_leader"},
    "lifting": {"approve_1": "unit_approver", "approve_2": "specialist",
                "approve_3": "plant_leader", "risk_analysis": "applicant"},
    "excavation": {"approve_1": "unit_approver", "approve_2": "specialist",
                   "countersign_water": "water_dept", "countersign_power": "power_supplier",
                   "countersign_steam": "steam_dept", "countersign_process": "process_dept",
                   "countersign_equipment": "equipment_dept",
                   "countersign_fire": "fire_dept", "countersign_safety": "safety_dept"},
    "road_closure": {"approve_1": "unit_approver", "approve_2": "specialist",
                     "countersign_fire": "fire_dept", "countersign_safety": "safety_dept"},
}
COMMON = {"safety_measures": "applicant", "watcher_sign_in": "watcher", "work": "applicant",
          "close": "unit_approver"}


def doc(key: str) -> Any:
    return etree.parse(str(BPMN_DIR / f"{key}.bpmn"))


def user_tasks(tree: Any) -> dict[str, Any]:
    return {t.get("id"): t for t in tree.iterfind(".//bpmn:userTask", NS)}


def props(task: Any) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in task.iterfind(".//spiffworkflow:property", NS)}


def lanes_of(tree: Any) -> dict[str, str]:
    return {ref.text: lane.get("name") for lane in tree.iterfind(".//bpmn:lane", NS)
            for ref in lane.iterfind("bpmn:flowNodeRef", NS)}


@pytest.mark.parametrize("key", TYPES)
def test_process_conventions(key: str) -> None:
    tree = doc(key)
    [process] = tree.findall("bpmn:process", NS)
    assert process.get("id") == key and process.get("isExecutable") == "true"
    tasks = user_tasks(tree)
    lanes = lanes_of(tree)
    expected = {**COMMON, **TYPES[key]}
    assert {t: lanes[t] for t in tasks} == expected
    assert set(lanes.values()) <= set(ROLES)
    mandatory = {t for t, el in tasks.items() if props(el).get("mandatory") == "true"}
    assert mandatory == set(expected) - {"work"}
    for task_id, el in tasks.items():
        form = props(el)["formJsonSchemaFilename"]
        assert form == f"{key}.{task_id}.schema.json"
        schema = json.loads((BPMN_DIR / "forms" / form).read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False
    for task_id in (t for t in tasks if t.startswith("countersign_")):
        assert props(tasks[task_id])["approval"] == "true"
        assert props(tasks[task_id])["department"] == task_id.removeprefix("countersign_")


@pytest.mark.parametrize("key", TYPES)
def test_validity_timer_interrupts_work_and_rejection_terminates(key: str) -> None:
    tree = doc(key)
    [timer] = tree.findall(".//bpmn:boundaryEvent[@attachedToRef='work']", NS)
    assert timer.get("cancelActivity") == "true"
    assert timer.findtext(".//bpmn:timeDate", namespaces=NS) == 'activation["valid_until"]'
    flows = {f.get("sourceRef"): f.get("targetRef")
             for f in tree.iterfind(".//bpmn:sequenceFlow", NS)}
    assert flows[timer.get("id")] == "expire"
    [end] = tree.findall(".//bpmn:endEvent[@id='end_rejected']", NS)
    assert end.find("bpmn:terminateEventDefinition", NS) is not None


@pytest.mark.parametrize("key", TYPES)
def test_every_element_has_di_and_no_shapes_overlap(key: str) -> None:
    tree = doc(key)
    [process] = tree.findall("bpmn:process", NS)
    ids = {el.get("id") for el in process if el.get("id")
           and etree.QName(el).localname not in ("laneSet", "documentation")}
    shapes = {s.get("bpmnElement"): s for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement") for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert ids <= set(shapes) | edges
    assert {ln.get("id") for ln in tree.iterfind(".//bpmn:lane", NS)} <= set(shapes)
    boxes = {}
    for el_id in ids & set(shapes):
        if process.find(f"bpmn:boundaryEvent[@id='{el_id}']", NS) is not None:
            continue
        b = shapes[el_id].find("dc:Bounds", NS)
        boxes[el_id] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    items = sorted(boxes.items())
    for i, (a, (ax, ay, aw, ah)) in enumerate(items):
        for b, (bx, by, bw, bh) in items[i + 1:]:
            assert not (ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah), (a, b)


@pytest.mark.parametrize("key", TYPES)
def test_files_are_what_the_generator_writes(key: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(TOOLS))
    gen = importlib.import_module(f"gen_{key}")
    for path in gen.generate(tmp_path):
        committed = BPMN_DIR / path.relative_to(tmp_path)
        assert path.read_text(encoding="utf-8") == committed.read_text(encoding="utf-8"), (
            f"{committed.name} differs from bpmn/tools/gen_{key}.py: re-run the generator")


def test_every_diagram_in_bpmn_deploys_lint_clean() -> None:
    from engine import OperatorRegistry
    from handlers import register

    registry = OperatorRegistry()
    register(registry)
    found = sorted(BPMN_DIR.glob("*.bpmn"))
    assert {p.stem for p in found} >= set(TYPES) | {"hot_work"}
    for path in found:
        problems = check(collect_related(path), has_operator=registry.__contains__)
        assert [p.as_dict() for p in problems] == [], path.name


# -- paths through plain SpiffWorkflow -------------------------------------------------------
class Stub(PythonScriptEngine):
    def __init__(self, results: dict[str, Any]):
        super().__init__(environment=TaskDataEnvironment({}))
        self.results, self.calls = results, []

    def call_service(self, task, operation_name, operation_params):  # type: ignore[no-untyped-def]
        self.calls.append(operation_name)
        return json.dumps(self.results.get(operation_name, {"ok": True}))


def start(key: str, facts: dict[str, Any]) -> tuple[BpmnWorkflow, Stub]:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(BPMN_DIR / f"{key}.bpmn")])
    parser.add_dmn_files([str(p) for p in BPMN_DIR.glob(f"{key}_*.dmn")])
    stub = Stub({"permit.assess": facts,
                 "permit.activate": {"valid_until": "2099-01-01T00:00:00+00:00"}})
    wf = BpmnWorkflow(parser.get_spec(key), parser.get_subprocess_specs(key),
                      script_engine=stub)
    wf.get_tasks(state=TaskState.READY)[0].data.update({"permit_id": 1})
    wf.do_engine_steps()
    return wf, stub


def ready(wf: BpmnWorkflow) -> dict[str, Any]:
    return {t.task_spec.bpmn_id: t for t in wf.get_tasks(state=TaskState.READY, manual=True)}


def run(wf: BpmnWorkflow, task_id: str, data: dict[str, Any]) -> None:
    task = ready(wf)[task_id]
    task.data.update(data)
    task.run()
    wf.do_engine_steps()


def test_lift_under_ten_tonnes_skips_approval_after_the_risk_analysis() -> None:
    wf, stub = start("lifting", {"mass_band": "light", "risk_analysis_only": True})
    run(wf, "safety_measures", {"items": {}})
    assert list(ready(wf)) == ["risk_analysis"]
    run(wf, "risk_analysis", {"confirmed": True})
    assert list(ready(wf)) == ["watcher_sign_in"] and "routing.auto_approve" in stub.calls


def test_grade_four_height_climbs_three_approvals() -> None:
    wf, _ = start("work_at_height", {"height_band": 4, "has_risk_factor": False})
    assert ready(wf)["safety_measures"].data["grade"] == "IV"
    run(wf, "safety_measures", {"items": {}})
    for step in ("approve_1", "approve_2", "approve_3"):
        assert list(ready(wf)) == [step]
        run(wf, step, {"decision": "approve"})
    assert list(ready(wf)) == ["watcher_sign_in"]


def test_a_countersign_refusal_terminates_the_other_branches() -> None:
    wf, stub = start("excavation", {"confined_space_rules": False, "machines": False,
                                    "hazard_class": "general"})
    run(wf, "safety_measures", {"items": {}})
    run(wf, "approve_1", {"decision": "approve"})
    assert len(ready(wf)) == 7
    run(wf, "countersign_water", {"decision": "approve"})
    run(wf, "countersign_fire", {"decision": "reject", "comment": "no fire lane"})
    assert ready(wf) == {} and wf.is_completed()
    assert stub.calls[-1] == "permit.reject"


def test_all_countersigns_join_before_the_approval() -> None:
    wf, _ = start("road_closure", {"night_work": False, "affected_unit_count": 1})
    run(wf, "safety_measures", {"items": {}})
    run(wf, "approve_1", {"decision": "approve"})
    run(wf, "countersign_fire", {"decision": "approve"})
    assert list(ready(wf)) == ["countersign_safety"]
    run(wf, "countersign_safety", {"decision": "approve"})
    assert list(ready(wf)) == ["approve_2"]
    run(wf, "approve_2", {"decision": "approve"})
    run(wf, "watcher_sign_in", {"present": True})
    run(wf, "work", {"finished": True})
    run(wf, "close", {"accepted": True})
    assert wf.is_completed()
