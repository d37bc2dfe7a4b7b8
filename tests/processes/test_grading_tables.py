"""The grading and routing tables (DMN beside the diagrams in bpmn/) of work at height,
lifting, excavation and road closure, evaluated row by row with the engine's restricted
script engine, the one that runs them in production."""

from __future__ import annotations

from itertools import product
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from SpiffWorkflow.dmn.parser.BpmnDmnParser import BpmnDmnParser

from engine.scripting import ScriptEngine
from processes.rules import lifting, work_at_height

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
SCRIPTS = ScriptEngine(lambda *_: None)


def decide(decision: str, data: dict[str, Any]) -> dict[str, Any]:
    parser = BpmnDmnParser()
    parser.add_dmn_file(str(BPMN / f"{decision}.dmn"))
    table = parser.get_engine(decision, None)
    task = SimpleNamespace(data=data, workflow=SimpleNamespace(script_engine=SCRIPTS))
    return table.result(task)


#: method A (no objective risk factor) and method B (at least one), GB 30871 8.1
HEIGHT_TABLE = {(1, False): "I", (2, False): "II", (3, False): "III", (4, False): "IV",
                (1, True): "II", (2, True): "III", (3, True): "IV", (4, True): "IV"}


@pytest.mark.parametrize(("band", "factor"), list(product((1, 2, 3, 4), (False, True))))
def test_height_grade_table(band: int, factor: bool) -> None:
    facts = {"height_band": band, "has_risk_factor": factor}
    assert decide("work_at_height_grade", {"facts": facts}) == {
        "grade": HEIGHT_TABLE[band, factor]}


def test_height_grade_table_fails_safe_on_missing_data() -> None:
    assert decide("work_at_height_grade", {"facts": {"height_band": None,
                                                     "has_risk_factor": None}}) == {
        "grade": "IV"}


@pytest.mark.parametrize(("height", "factors", "grade"), [
    (2.0, [], "I"), (5.0, [], "I"), (5.01, [], "II"), (15.0, [], "II"), (15.5, [], "III"),
    (30.0, [], "III"), (30.5, [], "IV"), (3.0, ["slippery"], "II"),
    (29.0, ["cold_water"], "IV"), (60.0, ["poor_light"], "IV"),
])
def test_height_from_metres_to_grade(height: float, factors: list[str], grade: str) -> None:
    facts = {"height_band": work_at_height.height_band(height),
             "has_risk_factor": bool(work_at_height.risk_factors(factors))}
    assert decide("work_at_height_grade", {"facts": facts})["grade"] == grade


@pytest.mark.parametrize(("grade", "risk", "approvals"), [
    ("I", "low", 1), ("II", "medium", 2), ("III", "high", 2), ("IV", "high", 3),
    ("V", "high", 3)])
def test_height_routing_table(grade: str, risk: str, approvals: int) -> None:
    assert decide("work_at_height_routing", {"grade": grade}) == {
        "risk": risk, "approvals": approvals}


@pytest.mark.parametrize(("load_t", "grade"), [
    (0.5, "grade3"), (9.99, "grade3"), (39.99, "grade3"), (40.0, "grade2"),
    (100.0, "grade2"), (100.01, "grade1"), (450.0, "grade1")])
def test_lifting_grade_by_mass(load_t: float, grade: str) -> None:
    facts = {"mass_band": lifting.mass_band(load_t)}
    assert decide("lifting_grade", {"facts": facts}) == {"grade": grade}
    assert decide("lifting_grade", {"facts": {"mass_band": "?"}}) == {"grade": "grade1"}


@pytest.mark.parametrize(("grade", "minor", "risk", "approvals"), [
    ("grade3", True, "low", 0), ("grade3", False, "medium", 2), ("grade2", False, "high", 2),
    ("grade1", False, "high", 3), ("grade2", True, "high", 2), (None, False, "high", 3)])
def test_lifting_routing_table(grade: str | None, minor: bool, risk: str,
                               approvals: int) -> None:
    data = {"grade": grade, "facts": {"risk_analysis_only": minor}}
    assert decide("lifting_routing", data) == {"risk": risk, "approvals": approvals}


@pytest.mark.parametrize(("confined", "machines", "hazard", "risk"), [
    (True, False, "general", "high"), (False, False, "fire_explosion", "medium"),
    (False, False, "toxic", "medium"), (False, True, "general", "medium"),
    (False, False, "general", "low"), (None, None, None, "high")])
def test_excavation_routing_table(confined: bool, machines: bool, hazard: str,
                                  risk: str) -> None:
    facts = {"confined_space_rules": confined, "machines": machines, "hazard_class": hazard}
    assert decide("excavation_routing", {"facts": facts}) == {"risk": risk, "approvals": 2}


@pytest.mark.parametrize(("night", "units", "risk"), [
    (True, 1, "high"), (False, 3, "medium"), (False, 2, "low"), (None, 0, "high")])
def test_road_closure_routing_table(night: bool, units: int, risk: str) -> None:
    facts = {"night_work": night, "affected_unit_count": units}
    assert decide("road_closure_routing", {"facts": facts}) == {"risk": risk, "approvals": 2}
