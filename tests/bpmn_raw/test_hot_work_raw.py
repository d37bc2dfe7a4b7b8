"""Raw SpiffWorkflow tests for the hot-work process (bpmn/hot_work.bpmn).

No service layer: the diagram, the DMN tables and the form schemas are driven by
plain in-memory SpiffWorkflow with a stub script engine whose ``call_service``
returns canned handler results.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_module
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask, UserTask
from SpiffWorkflow.util.task import TaskState

REPO = Path(__file__).resolve().parents[2]
BPMN_DIR = REPO / "bpmn"
BPMN_FILE = BPMN_DIR / "hot_work.bpmn"
DMN_FILES = [BPMN_DIR / "hot_work_grade.dmn", BPMN_DIR / "hot_work_routing.dmn"]
FORMS_DIR = BPMN_DIR / "forms"
PROCESS_ID = "hot_work"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
CJK = re.compile(r"[\u4e00-\u9fff]")
CST = dt.timezone(dt.timedelta(hours=8))

ROLES = {"applicant", "watcher", "unit_approver", "safety_dept", "plant_leader", "team_leader"}
USER_TASK_LANES = {
    "safety_measures": "applicant",
    "gas_test": "applicant",
    "approve_1": "unit_approver",
    "approve_2": "safety_dept",
    "approve_3": "plant_leader",
    "watcher_sign_in": "watcher",
    "watcher_resume": "watcher",
    "work": "applicant",
    "gas_retest": "applicant",
    "close": "unit_approver",
    "fatigue_review": "team_leader",
}
MANDATORY = set(USER_TASK_LANES) - {"work"}
GAS_PARAMS = {
    "permit_id": "permit_id",
    "readings": "readings",
    "instrument_id": "instrument_id",
    "photo": "photo",
}
SERVICE_TASKS = {  # id: (operator, resultVariable, {param: expression})
    "check_credentials": ("credentials.check", "credentials", {"permit_id": "permit_id"}),
    "assess": ("permit.assess", "facts", {"permit_id": "permit_id"}),
    "record_grade": (
        "permit.set_grade",
        "grading",
        {"permit_id": "permit_id", "permit_grade": "grade", "risk": "risk", "approvals": "approvals"},
    ),
    "validate_gas": ("gas.validate", "gas_check", GAS_PARAMS),
    "auto_approve": (
        "routing.auto_approve",
        "auto_approval",
        {"permit_id": "permit_id", "risk": "risk"},
    ),
    "mark_rejected": ("permit.reject", "rejection", {"permit_id": "permit_id"}),
    "activate": ("permit.activate", "activation", {"permit_id": "permit_id"}),
    "expire": ("permit.expire", "expiry", {"permit_id": "permit_id"}),
    "validate_retest": ("gas.validate", "retest_check", GAS_PARAMS),
    "mark_closed": ("permit.close", "closure", {"permit_id": "permit_id"}),
    "check_fatigue": ("credentials.fatigue_check", "fatigue_check", {"permit_id": "permit_id"}),
    "release_hold": (
        "credentials.release_hold",
        "fatigue_release",
        {"permit_id": "permit_id", "decision": "decision", "comment": "comment"},
    ),
    "suspend": ("watch.suspend", "suspension", {"permit_id": "permit_id"}),
    "resume": ("watch.resume", "resumption", {"permit_id": "permit_id"}),
}
CHECKLIST_KEYS = [
    "purged",
    "blinds_fitted",
    "drains_covered",
    "no_dike_draining",
    "spark_control_at_height",
    "lining_fire_barrier",
    "cylinders",
    "fire_kit",
    "welder_sited_earthed",
    "no_hazardous_ops_nearby",
    "distance_rules",
    "jha_done",
    "continuous_detector",
    "ex_camera",
    "other_permits",
    "other_measures",
]

PERMIT_ID = 42
START_DATA = {
    "permit_id": PERMIT_ID,
    "permit_type": "hot_work",
    "site": "SH-01",
    "area_code": "U-200",
    "planned_start": "2025-06-02T08:00:00+08:00",
    "planned_end": "2025-06-02T16:00:00+08:00",
    "applicant": 101,
    "watcher": 102,
    "workers": [103, 104],
}
LOW_RISK_FACTS = {
    "hazard_class": "general",
    "running_equipment": False,
    "tank_farm_dike": False,
    "pipe_rack": False,
    "upgrade": False,
    "upgrade_reasons": [],
    "crew_incidents": 0,
    "night": False,
}
SPECIAL_FACTS = {  # running equipment in a fire/explosion area, at night
    "hazard_class": "fire_explosion",
    "running_equipment": True,
    "upgrade": True,
    "upgrade_reasons": ["night"],
    "night": True,
}
GRADE1_FACTS = {"pipe_rack": True}
MEDIUM_FACTS = {"crew_incidents": 1}

# --- form payloads (validated against the schemas before submission) -----------
MEASURES = {
    "items": {key: True for key in CHECKLIST_KEYS}
    | {"ex_camera": "na", "lining_fire_barrier": "na"},
    "blind_count": 2,
    "confirmed_by": 101,
}
GAS = {
    "readings": [
        {
            "gas": "CH4",
            "value": 0.1,
            "unit": "%VOL",
            "sampled_at": "2025-06-02T07:40:00+08:00",
            "point": "罐顶",
        },
        {
            "gas": "CH4",
            "value": 0.0,
            "unit": "%VOL",
            "sampled_at": "2025-06-02T07:42:00+08:00",
            "point": "罐底",
        },
    ],
    "instrument_id": "GD-17",
    "photo": "upl_0001",
}
RETEST = {
    "readings": [
        {
            "gas": "CH4",
            "value": 0.2,
            "unit": "%VOL",
            "sampled_at": "2025-06-03T08:10:00+08:00",
            "point": "罐顶",
        }
    ],
    "instrument_id": "GD-17",
    "photo": "upl_0002",
}
APPROVE = {"decision": "approve", "comment": "同意"}
REJECT = {"decision": "reject", "comment": "盲板未加到位"}
SIGN_IN = {"present": True}
WORK_DONE = {"finished": True, "comment": "焊接完成"}
ACCEPT = {"accepted": True, "comment": "现场已清理"}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def load_form(task_id: str) -> dict:
    return json.loads((FORMS_DIR / f"{PROCESS_ID}.{task_id}.schema.json").read_text("utf-8"))


def iso(delta: dt.timedelta) -> str:
    return (dt.datetime.now(dt.UTC) + delta).astimezone(CST).isoformat(timespec="seconds")


def stub_results(
    facts: dict | None = None, activation: dict | None = None, fatigue: bool = False
) -> dict[str, Any]:
    return {
        "credentials.check": {"ok": True, "checked": [103, 104]},
        "credentials.fatigue_check": {"fatigue": fatigue, "count": 7 if fatigue else 1},
        "credentials.release_hold": lambda **params: {"decision": params["decision"]},
        "permit.assess": {**LOW_RISK_FACTS, **(facts or {})},
        "permit.set_grade": {"ok": True},
        "gas.validate": {"ok": True, "max_vol_pct": 0.2, "limit_vol_pct": 0.5},
        "routing.auto_approve": {"approved": True},
        "permit.reject": {"status": "rejected"},
        "permit.activate": activation
        or {"valid_until": iso(dt.timedelta(hours=72)), "retest_cycle": "R/PT24H"},
        "permit.expire": {"status": "expired"},
        "permit.close": {"status": "closed"},
        "watch.suspend": {"status": "suspended"},
        "watch.resume": {"status": "active"},
    }


class StubEngine(PythonScriptEngine):
    """Script engine whose service calls return canned results (or call a stub)."""

    def __init__(self, results: dict[str, Any | Callable[..., Any]]):
        super().__init__(environment=TaskDataEnvironment({}))
        self.results = results
        self.calls: list[tuple[str, dict]] = []

    def call_service(self, task, operation_name, operation_params):
        params = {name: p["value"] for name, p in operation_params.items()}
        self.calls.append((operation_name, params))
        result = self.results[operation_name]
        if callable(result):
            result = result(**params)
        return json.dumps(result)

    def ops(self) -> list[str]:
        return [op for op, _ in self.calls]

    def params(self, operation: str) -> list[dict]:
        return [params for op, params in self.calls if op == operation]


@pytest.fixture(scope="module")
def specs():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(BPMN_FILE)])
    parser.add_dmn_files([str(f) for f in DMN_FILES])
    return parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID)


@pytest.fixture(scope="module")
def bpmn_doc():
    return etree.parse(str(BPMN_FILE))


@pytest.fixture
def clock(monkeypatch):
    """Shift the clock SpiffWorkflow's timers read (``clock.advance(hours=9)``)."""

    class Clock:
        offset = dt.timedelta(0)

        def advance(self, **kwargs):
            self.offset += dt.timedelta(**kwargs)

    state = Clock()

    class ShiftedDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime.now(tz) + state.offset

    monkeypatch.setattr(timer_module, "datetime", ShiftedDatetime)
    return state


def start(specs, engine: StubEngine) -> BpmnWorkflow:
    spec, subprocess_specs = specs
    wf = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
    [start_task] = wf.get_tasks(state=TaskState.READY)
    start_task.data.update(copy.deepcopy(START_DATA))
    wf.do_engine_steps()
    return wf


def ready(wf: BpmnWorkflow) -> dict[str, Any]:
    tasks = wf.get_tasks(state=TaskState.READY, manual=True)
    ids = [t.task_spec.bpmn_id for t in tasks]
    assert len(ids) == len(set(ids)), ids
    return {t.task_spec.bpmn_id: t for t in tasks}


def finished_ids(wf: BpmnWorkflow) -> set[str]:
    # Not get_tasks(state=COMPLETED): that iterator does not descend below unfinished
    # tasks, so a finished re-test branch under the WAITING boundary event is missed.
    return {
        t.task_spec.bpmn_id
        for t in wf.get_tasks()
        if t.state == TaskState.COMPLETED and t.task_spec.bpmn_id
    }


def complete(wf: BpmnWorkflow, task_id: str, form: dict, lane: str | None = None):
    tasks = ready(wf)
    assert task_id in tasks, f"{task_id} not READY; READY: {sorted(tasks)}"
    task = tasks[task_id]
    assert task.task_spec.lane == (lane or USER_TASK_LANES[task_id])
    Draft202012Validator(load_form(task_id)).validate(form)
    task.task_spec.add_data_from_form(task, copy.deepcopy(form))
    task.run()
    wf.do_engine_steps()
    return task


def prepare(wf: BpmnWorkflow) -> None:
    complete(wf, "safety_measures", MEASURES)
    complete(wf, "gas_test", GAS)


def run_to_sign_in(specs, facts: dict | None = None, activation: dict | None = None):
    engine = StubEngine(stub_results(facts, activation))
    wf = start(specs, engine)
    prepare(wf)
    [task] = ready(wf).values()  # approve_1 or watcher_sign_in
    for level in range(1, task.data["approvals"] + 1):
        complete(wf, f"approve_{level}", APPROVE)
    complete(wf, "watcher_sign_in", SIGN_IN)
    return wf, engine


def finish(wf: BpmnWorkflow) -> None:
    complete(wf, "work", WORK_DONE)
    complete(wf, "close", ACCEPT)
    assert wf.is_completed()


def roundtrip(wf: BpmnWorkflow, engine: StubEngine) -> BpmnWorkflow:
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    blob = serializer.serialize_json(wf)
    assert isinstance(blob, str)
    json.loads(blob)
    restored = serializer.deserialize_json(blob)
    restored.script_engine = engine  # the engine is not serialized
    return restored


# ---------------------------------------------------------------------------
# (a) low risk: grade2 -> auto approval
# ---------------------------------------------------------------------------
def test_low_risk_is_auto_approved_and_completes(specs):
    engine = StubEngine(stub_results())
    wf = start(specs, engine)

    assert set(ready(wf)) == {"safety_measures"}
    data = ready(wf)["safety_measures"].data
    assert (data["grade"], data["risk"], data["approvals"]) == ("grade2", "low", 0)
    assert data["facts"] == LOW_RISK_FACTS
    assert engine.params("permit.set_grade") == [
        {"permit_id": PERMIT_ID, "permit_grade": "grade2", "risk": "low", "approvals": 0}
    ]

    prepare(wf)
    assert engine.params("gas.validate") == [{"permit_id": PERMIT_ID, **GAS}]
    assert engine.params("routing.auto_approve") == [{"permit_id": PERMIT_ID, "risk": "low"}]
    assert set(ready(wf)) == {"watcher_sign_in"}

    complete(wf, "watcher_sign_in", SIGN_IN)
    assert set(ready(wf)) == {"work"}
    assert ready(wf)["work"].data["activation"]["retest_cycle"] == "R/PT24H"

    complete(wf, "work", WORK_DONE)
    assert set(ready(wf)) == {"close"}
    complete(wf, "close", ACCEPT)

    assert wf.is_completed()
    done = finished_ids(wf)
    assert {"auto_approve", "end_closed"} <= done
    assert not done & {
        "approve_1",
        "approve_2",
        "approve_3",
        "mark_rejected",
        "end_rejected",
        "expire",
        "gas_retest",
    }
    assert engine.ops() == [
        "credentials.check",
        "permit.assess",
        "permit.set_grade",
        "credentials.fatigue_check",
        "gas.validate",
        "routing.auto_approve",
        "permit.activate",
        "permit.close",
    ]
    assert wf.data["closure"] == {"status": "closed"}
    assert wf.data["accepted"] is True


# ---------------------------------------------------------------------------
# (b) approval chains: special -> 3 levels, grade1 -> 2, grade2 (medium) -> 1
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "grade", "chain"),
    [
        (SPECIAL_FACTS, "special", ["approve_1", "approve_2", "approve_3"]),
        (GRADE1_FACTS, "grade1", ["approve_1", "approve_2"]),
        (MEDIUM_FACTS, "grade2", ["approve_1"]),
    ],
    ids=["special", "grade1", "grade2-medium"],
)
def test_approval_chain_by_grade(specs, facts, grade, chain):
    engine = StubEngine(stub_results(facts))
    wf = start(specs, engine)
    assert ready(wf)["safety_measures"].data["grade"] == grade
    [params] = engine.params("permit.set_grade")
    assert (params["permit_id"], params["permit_grade"]) == (PERMIT_ID, grade)
    prepare(wf)

    for task_id in chain:
        assert set(ready(wf)) == {task_id}
        complete(wf, task_id, APPROVE)  # asserts the lane (unit/safety/plant)
    assert set(ready(wf)) == {"watcher_sign_in"}
    complete(wf, "watcher_sign_in", SIGN_IN)
    finish(wf)

    done = finished_ids(wf)
    assert set(chain) <= done
    assert not done & ({"approve_1", "approve_2", "approve_3"} - set(chain))
    assert "routing.auto_approve" not in engine.ops()
    assert "permit.reject" not in engine.ops()
    assert "end_closed" in done


def test_special_path_lanes_and_routing(specs):
    engine = StubEngine(stub_results(SPECIAL_FACTS))
    wf = start(specs, engine)
    data = ready(wf)["safety_measures"].data
    assert (data["grade"], data["risk"], data["approvals"]) == ("special", "high", 3)
    prepare(wf)
    lanes = []
    for level in (1, 2, 3):
        task = complete(wf, f"approve_{level}", APPROVE)
        lanes.append(task.task_spec.lane)
    assert lanes == ["unit_approver", "safety_dept", "plant_leader"]
    assert ready(wf)["watcher_sign_in"].task_spec.lane == "watcher"


# ---------------------------------------------------------------------------
# (c) rejection at any level
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("reject_at", [1, 2, 3])
def test_reject_ends_in_end_rejected(specs, reject_at):
    engine = StubEngine(stub_results(SPECIAL_FACTS))
    wf = start(specs, engine)
    prepare(wf)
    for level in range(1, reject_at):
        complete(wf, f"approve_{level}", APPROVE)
    complete(wf, f"approve_{reject_at}", REJECT)

    assert wf.is_completed()
    done = finished_ids(wf)
    assert {"mark_rejected", "end_rejected"} <= done
    assert not done & {"watcher_sign_in", "activate", "work", "close", "end_closed"}
    assert engine.params("permit.reject") == [{"permit_id": PERMIT_ID}]
    assert "permit.activate" not in engine.ops()
    assert wf.data["rejection"] == {"status": "rejected"}
    for level in range(reject_at + 1, 4):
        assert f"approve_{level}" not in done


# ---------------------------------------------------------------------------
# (d) grading (GB 30871 5.1) and routing tables
# ---------------------------------------------------------------------------
GRADING_CASES = [
    # id, facts overrides, grade, risk, approvals
    ("general", {}, "grade2", "low", 0),
    ("general-crew-incident", {"crew_incidents": 2}, "grade2", "medium", 1),
    ("toxic", {"hazard_class": "toxic"}, "grade2", "medium", 1),
    ("running-outside-fire-area", {"running_equipment": True}, "grade2", "low", 0),
    ("pipe-rack", {"pipe_rack": True}, "grade1", "high", 2),
    ("fire-area", {"hazard_class": "fire_explosion"}, "grade1", "high", 2),
    ("general-upgrade", {"upgrade": True, "upgrade_reasons": ["holiday"]}, "grade1", "high", 2),
    ("tank-dike", {"tank_farm_dike": True}, "special", "high", 3),
    (
        "tank-dike-general-area",
        {"tank_farm_dike": True, "hazard_class": "general"},
        "special",
        "high",
        3,
    ),
    (
        "fire-area-running",
        {"hazard_class": "fire_explosion", "running_equipment": True},
        "special",
        "high",
        3,
    ),
    ("fire-area-running-upgrade", SPECIAL_FACTS, "special", "high", 3),
    (
        "fire-area-upgrade",
        {"hazard_class": "fire_explosion", "upgrade": True},
        "special",
        "high",
        3,
    ),
    ("pipe-rack-upgrade", {"pipe_rack": True, "upgrade": True}, "special", "high", 3),
    ("incomplete-facts-fail-safe", {"upgrade": None}, "special", "high", 3),
]


@pytest.mark.parametrize(
    ("facts", "grade", "risk", "approvals"),
    [case[1:] for case in GRADING_CASES],
    ids=[case[0] for case in GRADING_CASES],
)
def test_grading_and_routing(specs, facts, grade, risk, approvals):
    engine = StubEngine(stub_results(facts))
    wf = start(specs, engine)
    data = ready(wf)["safety_measures"].data
    assert (data["grade"], data["risk"], data["approvals"]) == (grade, risk, approvals)
    assert engine.params("permit.set_grade") == [
        {"permit_id": PERMIT_ID, "permit_grade": grade, "risk": risk, "approvals": approvals}
    ]
    assert data["grading"] == {"ok": True}


# ---------------------------------------------------------------------------
# (e) timers on `work`: validity expiry (interrupting) and gas re-test (cycle)
# ---------------------------------------------------------------------------
def test_expired_validity_interrupts_work_and_goes_to_close(specs):
    activation = {"valid_until": iso(-dt.timedelta(minutes=5)), "retest_cycle": "R/PT24H"}
    wf, engine = run_to_sign_in(specs, activation=activation)

    wf.refresh_timers()
    wf.do_engine_steps()

    assert engine.params("permit.expire") == [{"permit_id": PERMIT_ID}]
    assert set(ready(wf)) == {"close"}
    assert "work" not in finished_ids(wf)
    complete(wf, "close", {"accepted": False, "comment": "超期，未完成"})
    assert wf.is_completed()
    assert {"expire", "end_closed"} <= finished_ids(wf)
    assert engine.ops()[-2:] == ["permit.expire", "permit.close"]


def test_validity_timer_fires_only_after_valid_until(specs, clock):
    activation = {"valid_until": iso(dt.timedelta(hours=8)), "retest_cycle": "R/PT24H"}
    wf, engine = run_to_sign_in(specs, GRADE1_FACTS, activation)
    assert set(ready(wf)) == {"work"}
    # PendingBpmnEvent.name is the event's *name* attribute (Chinese), not its id
    waiting = {e.name: e for e in wf.waiting_events()}
    assert set(waiting) == {"有效期满", "复测周期", "watcher_absent"}
    assert waiting["有效期满"].value == activation["valid_until"]
    assert waiting["有效期满"].event_type == "TimeDateEventDefinition"

    clock.advance(hours=7, minutes=59)
    wf.refresh_timers()
    wf.do_engine_steps()
    assert set(ready(wf)) == {"work"}
    assert "permit.expire" not in engine.ops()

    clock.advance(minutes=2)
    wf.refresh_timers()
    wf.do_engine_steps()
    assert set(ready(wf)) == {"close"}  # no re-test yet: the 24 h cycle has not elapsed
    assert engine.params("permit.expire") == [{"permit_id": PERMIT_ID}]


def test_gas_retest_cycle_runs_beside_work(specs, clock):
    wf, engine = run_to_sign_in(specs)  # grade2: valid 72 h, re-test every 24 h
    clock.advance(hours=25)
    wf.refresh_timers()
    wf.do_engine_steps()

    assert set(ready(wf)) == {"work", "gas_retest"}
    complete(wf, "gas_retest", RETEST)
    assert engine.params("gas.validate")[-1] == {"permit_id": PERMIT_ID, **RETEST}
    assert {"validate_retest", "end_retest"} <= finished_ids(wf)
    assert set(ready(wf)) == {"work"}
    assert not wf.is_completed()

    finish(wf)
    assert "permit.expire" not in engine.ops()


# ---------------------------------------------------------------------------
# (e2) the watcher leaves: a message suspends work until a fresh sign-in
# ---------------------------------------------------------------------------
def absent(wf: BpmnWorkflow) -> None:
    from SpiffWorkflow.bpmn import BpmnEvent
    from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

    wf.send_event(BpmnEvent(MessageEventDefinition("watcher_absent"), {"reason": "missed"}))
    wf.do_engine_steps()


def test_watcher_absence_suspends_work_and_a_fresh_sign_in_resumes_it(specs, clock):
    wf, engine = run_to_sign_in(specs)
    clock.advance(hours=25)  # a re-test is open when the watcher goes missing
    wf.refresh_timers()
    wf.do_engine_steps()
    assert set(ready(wf)) == {"work", "gas_retest"}

    absent(wf)
    assert engine.params("watch.suspend") == [{"permit_id": PERMIT_ID}]
    assert set(ready(wf)) == {"watcher_resume"}  # work and the open re-test are withdrawn
    wf = roundtrip(wf, engine)
    complete(wf, "watcher_resume", SIGN_IN)
    assert engine.params("watch.resume") == [{"permit_id": PERMIT_ID}]
    assert set(ready(wf)) == {"work"}
    absent(wf)  # it can happen again
    complete(wf, "watcher_resume", SIGN_IN)
    finish(wf)
    assert engine.ops().count("watch.suspend") == 2
    assert "permit.expire" not in engine.ops()


def test_validity_runs_out_while_suspended(specs, clock):
    activation = {"valid_until": iso(dt.timedelta(hours=8)), "retest_cycle": "R/PT24H"}
    wf, engine = run_to_sign_in(specs, GRADE1_FACTS, activation)
    absent(wf)
    clock.advance(hours=9)
    wf.refresh_timers()
    wf.do_engine_steps()
    assert set(ready(wf)) == {"close"}
    assert engine.params("permit.expire") == [{"permit_id": PERMIT_ID}]
    assert "watch.resume" not in engine.ops()


def test_work_is_not_waiting_for_absence_before_it_starts(specs):
    engine = StubEngine(stub_results())
    wf = start(specs, engine)
    with pytest.raises(Exception, match="not waiting"):
        absent(wf)


# ---------------------------------------------------------------------------
# (f) serializer round trips
# ---------------------------------------------------------------------------
def test_serializer_roundtrip_mid_approval(specs):
    engine = StubEngine(stub_results(SPECIAL_FACTS))
    wf = start(specs, engine)
    prepare(wf)
    complete(wf, "approve_1", APPROVE)

    wf = roundtrip(wf, engine)
    assert set(ready(wf)) == {"approve_2"}
    assert ready(wf)["approve_2"].task_spec.extensions["properties"] == {
        "formJsonSchemaFilename": "hot_work.approve_2.schema.json",
        "mandatory": "true",
    }
    complete(wf, "approve_2", APPROVE)
    complete(wf, "approve_3", APPROVE)
    complete(wf, "watcher_sign_in", SIGN_IN)
    wf = roundtrip(wf, engine)
    finish(wf)
    assert engine.ops().count("permit.activate") == 1


def test_serializer_roundtrip_keeps_pending_timers(specs, clock):
    activation = {"valid_until": iso(dt.timedelta(hours=8)), "retest_cycle": "R/PT24H"}
    wf, engine = run_to_sign_in(specs, GRADE1_FACTS, activation)
    wf = roundtrip(wf, engine)
    clock.advance(hours=9)
    wf.refresh_timers()
    wf.do_engine_steps()
    assert set(ready(wf)) == {"close"}
    assert engine.params("permit.expire") == [{"permit_id": PERMIT_ID}]


# ---------------------------------------------------------------------------
# refusals by handlers
# ---------------------------------------------------------------------------
class CredentialsRefused(Exception):
    pass


def test_credentials_refusal_stops_the_process(specs):
    def refuse(permit_id):
        raise CredentialsRefused(f"permit {permit_id}: welder certificate expired")

    engine = StubEngine(stub_results() | {"credentials.check": refuse})
    spec, subprocess_specs = specs
    wf = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
    wf.get_tasks(state=TaskState.READY)[0].data.update(copy.deepcopy(START_DATA))
    with pytest.raises(CredentialsRefused, match="certificate expired"):
        wf.do_engine_steps()
    # the handler's own exception propagates; the task is left in ERROR
    assert [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.ERROR)] == [
        "check_credentials"
    ]
    assert "permit.assess" not in engine.ops()


# ---------------------------------------------------------------------------
# forms
# ---------------------------------------------------------------------------
def test_every_form_file_is_a_valid_draft_2020_12_schema():
    files = sorted(FORMS_DIR.glob(f"{PROCESS_ID}.*.schema.json"))
    assert {f.name.split(".")[1] for f in files} == set(USER_TASK_LANES)
    for path in files:
        schema = json.loads(path.read_text("utf-8"))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", path.name
        Draft202012Validator.check_schema(schema)
        assert CJK.search(schema["title"]), path.name
        assert schema["additionalProperties"] is False, path.name


def test_user_task_form_properties(specs):
    spec, _ = specs
    user_tasks = {name: ts for name, ts in spec.task_specs.items() if isinstance(ts, UserTask)}
    assert set(user_tasks) == set(USER_TASK_LANES)
    for name, ts in user_tasks.items():
        props = ts.extensions["properties"]
        assert props["formJsonSchemaFilename"] == f"{PROCESS_ID}.{name}.schema.json"
        assert (FORMS_DIR / props["formJsonSchemaFilename"]).is_file()
        assert (props.get("mandatory") == "true") == (name in MANDATORY), name
        assert ts.lane == USER_TASK_LANES[name], name


def test_safety_measures_form():
    schema = load_form("safety_measures")
    items = schema["properties"]["items"]
    assert list(items["properties"]) == CHECKLIST_KEYS
    assert sorted(items["required"]) == sorted(CHECKLIST_KEYS)
    assert set(schema["required"]) == {"items", "confirmed_by"}
    for key, prop in items["properties"].items():
        assert CJK.search(prop["title"]), key
        assert prop["description"].isascii(), key
        assert prop["enum"] == [True, False, "na"]
    validator = Draft202012Validator(schema)
    validator.validate(MEASURES)
    missing = copy.deepcopy(MEASURES)
    del missing["items"]["cylinders"]
    bad_value = copy.deepcopy(MEASURES)
    bad_value["items"]["purged"] = "yes"
    for bad in (missing, bad_value, {**MEASURES, "blind_count": -1}, {"items": MEASURES["items"]}):
        assert not validator.is_valid(bad), bad


@pytest.mark.parametrize("task_id", ["gas_test", "gas_retest"])
def test_gas_forms(task_id):
    validator = Draft202012Validator(load_form(task_id))
    validator.validate(GAS)
    reading = GAS["readings"][0]
    for bad in (
        {**GAS, "readings": []},
        {**GAS, "instrument_id": ""},
        {k: v for k, v in GAS.items() if k != "photo"},
        {**GAS, "readings": [{**reading, "unit": "%"}]},
        {**GAS, "readings": [{**reading, "value": -0.1}]},
        {**GAS, "readings": [{k: v for k, v in reading.items() if k != "point"}]},
    ):
        assert not validator.is_valid(bad), bad


@pytest.mark.parametrize("task_id", ["approve_1", "approve_2", "approve_3"])
def test_approval_forms(task_id):
    validator = Draft202012Validator(load_form(task_id))
    validator.validate(APPROVE)
    validator.validate(REJECT)
    validator.validate({"decision": "approve"})
    for bad in (
        {},
        {"decision": "maybe"},
        {"decision": "reject"},
        {"decision": "reject", "comment": ""},
        {"decision": "approve", "approvals": 0},
    ):  # no smuggled process variables
        assert not validator.is_valid(bad), bad


def test_sign_in_work_close_forms():
    for task_id, good, bads in (
        ("watcher_sign_in", SIGN_IN, [{}, {"present": False}]),
        ("watcher_resume", SIGN_IN, [{}, {"present": False}, {"present": True, "x": 1}]),
        ("work", WORK_DONE, [{}, {"finished": False}]),
        ("close", ACCEPT, [{}, {"accepted": "yes"}]),
    ):
        validator = Draft202012Validator(load_form(task_id))
        validator.validate(good)
        for bad in bads:
            with pytest.raises(ValidationError):
                validator.validate(bad)


# ---------------------------------------------------------------------------
# model structure and conventions
# ---------------------------------------------------------------------------
FLOW_NODE_TAGS = {
    "startEvent",
    "endEvent",
    "boundaryEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "task",
    "userTask",
    "serviceTask",
    "businessRuleTask",
    "scriptTask",
    "manualTask",
    "sendTask",
    "receiveTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
}


def process_el(doc):
    [process] = doc.xpath(f"//bpmn:process[@id='{PROCESS_ID}']", namespaces=NS)
    return process


def flow_nodes(doc) -> dict[str, etree._Element]:
    return {
        el.get("id"): el
        for el in process_el(doc)
        if isinstance(el.tag, str) and etree.QName(el).localname in FLOW_NODE_TAGS
    }


def localname(el) -> str:
    return etree.QName(el).localname


def test_process_conventions(bpmn_doc, specs):
    process = process_el(bpmn_doc)
    assert process.get("isExecutable") == "true"
    nodes = flow_nodes(bpmn_doc)
    kinds = {nid: localname(el) for nid, el in nodes.items()}
    assert "scriptTask" not in kinds.values()
    assert {n for n, k in kinds.items() if k == "userTask"} == set(USER_TASK_LANES)
    for nid, el in nodes.items():
        assert re.fullmatch(r"[a-z0-9_]+", nid), nid
        assert CJK.search(el.get("name", "")), f"{nid} needs a Chinese name"
    for el in (
        process,
        *bpmn_doc.xpath("//bpmn:participant | //bpmn:collaboration", namespaces=NS),
    ):
        assert CJK.search(el.get("name", "")), el.get("id")

    flows = process.xpath("bpmn:sequenceFlow", namespaces=NS)
    for gw_id in (n for n, k in kinds.items() if k == "exclusiveGateway"):
        default = nodes[gw_id].get("default")
        outgoing = [f for f in flows if f.get("sourceRef") == gw_id]
        assert default in {f.get("id") for f in outgoing}, gw_id
        for flow in outgoing:
            has_condition = bool(flow.xpath("bpmn:conditionExpression", namespaces=NS))
            assert has_condition == (flow.get("id") != default), flow.get("id")
    for flow in flows:  # conditions only on gateway branches
        if flow.xpath("bpmn:conditionExpression", namespaces=NS):
            assert kinds[flow.get("sourceRef")] == "exclusiveGateway"

    spec, _ = specs
    assert isinstance(spec.task_specs["grade"], BusinessRuleTask)
    assert isinstance(spec.task_specs["route"], BusinessRuleTask)
    for task_id, (operator, result, params) in SERVICE_TASKS.items():
        ts = spec.task_specs[task_id]
        assert ts.operation_name == operator, task_id
        assert ts.result_variable == result, task_id
        assert {k: v["value"] for k, v in ts.operation_params.items()} == params, task_id
    service_ids = {n for n, k in kinds.items() if k == "serviceTask"}
    assert service_ids == set(SERVICE_TASKS)

    work = [el for el in nodes.values() if el.get("attachedToRef") == "work"]
    timers = {
        el.get("id"): (
            el.get("cancelActivity"),
            localname((el.xpath(".//bpmn:timerEventDefinition/*", namespaces=NS)
                   or el.xpath("bpmn:messageEventDefinition", namespaces=NS))[0]),
        )
        for el in work
    }
    assert timers == {
        "validity_expired": ("true", "timeDate"),
        "retest_due": ("false", "timeCycle"),
        "watcher_absent": ("true", "messageEventDefinition"),
    }
    [resume_timer] = [el for el in nodes.values() if el.get("attachedToRef") == "watcher_resume"]
    assert resume_timer.get("id") == "resume_expired"
    assert resume_timer.get("cancelActivity") == "true"


def test_no_more_than_four_approvals_in_a_row(bpmn_doc):
    nodes = flow_nodes(bpmn_doc)
    flows = process_el(bpmn_doc).xpath("bpmn:sequenceFlow", namespaces=NS)
    succ: dict[str, list[str]] = {}
    for f in flows:
        succ.setdefault(f.get("sourceRef"), []).append(f.get("targetRef"))
    approvals = {n for n in nodes if n.startswith("approve_")}

    def longest(node: str, seen: frozenset) -> int:
        if node in seen:
            return 0
        here = 1 if node in approvals else 0
        best = max((longest(n, seen | {node}) for n in succ.get(node, [])), default=0)
        return here + best

    assert longest("start", frozenset()) == 3 <= 4


def test_lanes(bpmn_doc, specs):
    lanes = bpmn_doc.xpath("//bpmn:laneSet/bpmn:lane", namespaces=NS)
    assert {lane.get("name") for lane in lanes} == ROLES
    nodes = flow_nodes(bpmn_doc)
    assigned = []
    for lane in lanes:
        assert lane.get("id") == f"lane_{lane.get('name')}"
        doc = lane.xpath("bpmn:documentation/text()", namespaces=NS)
        assert doc and CJK.search(doc[0]), lane.get("id")
        assigned += lane.xpath("bpmn:flowNodeRef/text()", namespaces=NS)
    assert sorted(assigned) == sorted(nodes)  # every node in exactly one lane
    spec, _ = specs
    for name, lane in USER_TASK_LANES.items():
        assert spec.task_specs[name].lane == lane


def test_dmn_tables_end_with_catch_all():
    for path in DMN_FILES:
        doc = etree.parse(str(path))
        [decision] = doc.xpath("//dmn:decision", namespaces=NS)
        assert decision.get("id") == path.stem
        assert CJK.search(decision.get("name"))
        [table] = decision.xpath("dmn:decisionTable", namespaces=NS)
        assert table.get("hitPolicy") == "UNIQUE"
        for io in table.xpath("dmn:input | dmn:output", namespaces=NS):
            assert CJK.search(io.get("label")), io.get("id")
        last = table.xpath("dmn:rule", namespaces=NS)[-1]
        cells = last.xpath("dmn:inputEntry/dmn:text", namespaces=NS)
        assert all(not (c.text or "").strip() for c in cells), path.name


# ---------------------------------------------------------------------------
# diagram interchange (BPMNDI) - what bpmn-js needs to render cleanly
# ---------------------------------------------------------------------------
Box = tuple[float, float, float, float]


def box_of(el) -> Box:
    [b] = el.xpath("dc:Bounds", namespaces=NS)
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def shapes(doc) -> dict[str, etree._Element]:
    return {s.get("bpmnElement"): s for s in doc.xpath("//bpmndi:BPMNShape", namespaces=NS)}


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def inside(inner: Box, outer: Box) -> bool:
    return (
        outer[0] <= inner[0]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and outer[1] <= inner[1]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def on_border(point, box: Box) -> bool:
    x, y = point
    bx, by, w, h = box
    return (bx <= x <= bx + w and y in (by, by + h)) or (by <= y <= by + h and x in (bx, bx + w))


def segment_hits(p, q, box: Box) -> bool:
    """Does the axis-parallel segment p-q pass through the interior of box?"""
    (x1, y1), (x2, y2) = p, q
    bx, by, w, h = box
    return min(x1, x2) < bx + w and max(x1, x2) > bx and min(y1, y2) < by + h and max(y1, y2) > by


def edges(doc) -> dict[str, list[tuple[float, float]]]:
    return {
        e.get("bpmnElement"): [
            (float(w.get("x")), float(w.get("y"))) for w in e.xpath("di:waypoint", namespaces=NS)
        ]
        for e in doc.xpath("//bpmndi:BPMNEdge", namespaces=NS)
    }


def test_every_element_has_di(bpmn_doc):
    nodes = flow_nodes(bpmn_doc)
    shp = shapes(bpmn_doc)
    for nid in nodes:
        assert nid in shp, f"no BPMNShape for {nid}"
        assert box_of(shp[nid])[2] > 0
    for lane in bpmn_doc.xpath("//bpmn:lane", namespaces=NS):
        assert shp[lane.get("id")].get("isHorizontal") == "true"
    [participant] = bpmn_doc.xpath("//bpmn:participant", namespaces=NS)
    assert shp[participant.get("id")].get("isHorizontal") == "true"
    [plane] = bpmn_doc.xpath("//bpmndi:BPMNPlane", namespaces=NS)
    assert plane.get("bpmnElement") == "collab_hot_work"
    flows = process_el(bpmn_doc).xpath("bpmn:sequenceFlow", namespaces=NS)
    edg = edges(bpmn_doc)
    assert set(edg) == {f.get("id") for f in flows}
    assert set(shp) == set(nodes) | {participant.get("id")} | {
        lane.get("id") for lane in bpmn_doc.xpath("//bpmn:lane", namespaces=NS)
    }


def test_layout_is_clean(bpmn_doc):
    nodes = flow_nodes(bpmn_doc)
    shp = shapes(bpmn_doc)
    boxes = {nid: box_of(shp[nid]) for nid in nodes}
    host = {nid: el.get("attachedToRef") for nid, el in nodes.items() if el.get("attachedToRef")}

    # lanes stack inside the pool without gaps or overlaps
    [participant] = bpmn_doc.xpath("//bpmn:participant", namespaces=NS)
    pool = box_of(shp[participant.get("id")])
    lanes = bpmn_doc.xpath("//bpmn:laneSet/bpmn:lane", namespaces=NS)
    lane_boxes = sorted(
        ((box_of(shp[lane.get("id")]), lane) for lane in lanes), key=lambda item: item[0][1]
    )
    assert lane_boxes[0][0][1] == pool[1]
    assert lane_boxes[-1][0][1] + lane_boxes[-1][0][3] == pool[1] + pool[3]
    for (upper, _), (lower, _) in pairwise(lane_boxes):
        assert upper[1] + upper[3] == lower[1]
    for box, lane in lane_boxes:
        assert inside(box, pool)
        for ref in lane.xpath("bpmn:flowNodeRef/text()", namespaces=NS):
            assert inside(boxes[ref], box), f"{ref} outside {lane.get('id')}"

    # no overlapping shapes (a boundary event sits on its host's border)
    for a, b in combinations(boxes, 2):
        if host.get(a) == b or host.get(b) == a:
            continue
        assert not overlaps(boxes[a], boxes[b]), (a, b)
    for event, task in host.items():
        cx = boxes[event][0] + boxes[event][2] / 2
        cy = boxes[event][1] + boxes[event][3] / 2
        assert on_border((cx, cy), boxes[task]), event

    # external labels do not cover shapes
    labels = {}
    for el in bpmn_doc.xpath("//bpmndi:BPMNShape | //bpmndi:BPMNEdge", namespaces=NS):
        for label in el.xpath("bpmndi:BPMNLabel", namespaces=NS):
            labels[el.get("bpmnElement")] = box_of(label)
    for owner, label in labels.items():
        for nid, box in boxes.items():
            assert not overlaps(label, box), (owner, nid)

    # edges: orthogonal, docked on source/target borders, not crossing other shapes
    flows = {f.get("id"): f for f in process_el(bpmn_doc).xpath("bpmn:sequenceFlow", namespaces=NS)}
    edg = edges(bpmn_doc)
    for fid, points in edg.items():
        src, tgt = flows[fid].get("sourceRef"), flows[fid].get("targetRef")
        assert len(points) >= 2, fid
        assert on_border(points[0], boxes[src]), fid
        assert on_border(points[-1], boxes[tgt]), fid
        for p, q in pairwise(points):
            assert p[0] == q[0] or p[1] == q[1], f"{fid} not orthogonal"
            for nid, box in boxes.items():
                if nid in (src, tgt) or host.get(src) == nid:
                    continue
                assert not segment_hits(p, q, box), (fid, nid)
            for owner, label in labels.items():
                if owner != fid:
                    assert not segment_hits(p, q, label), (fid, owner)

    # edges only share a stretch when they converge on the same docking point
    def segments(fid):
        pts = edg[fid]
        return [(pts[i], pts[i + 1], i == len(pts) - 2) for i in range(len(pts) - 1)]

    for a, b in combinations(edg, 2):
        for p1, q1, last1 in segments(a):
            for p2, q2, last2 in segments(b):
                same_x = p1[0] == q1[0] == p2[0] == q2[0]
                same_y = p1[1] == q1[1] == p2[1] == q2[1]
                if same_x:
                    lo, hi = (
                        max(min(p1[1], q1[1]), min(p2[1], q2[1])),
                        min(max(p1[1], q1[1]), max(p2[1], q2[1])),
                    )
                elif same_y:
                    lo, hi = (
                        max(min(p1[0], q1[0]), min(p2[0], q2[0])),
                        min(max(p1[0], q1[0]), max(p2[0], q2[0])),
                    )
                else:
                    continue
                if hi > lo:
                    assert last1 and last2 and edg[a][-1] == edg[b][-1], (a, b)
