"""Excavation and road-closure rules (processes.rules.excavation, .road_closure)."""

from __future__ import annotations

import pytest

from processes.rules import excavation, road_closure


@pytest.mark.parametrize(("depth", "machines", "expected"), [
    (0.49, False, False), (0.5, False, True), (0.0, True, True), (2.0, False, True)])
def test_what_counts_as_excavation(depth: float, machines: bool, expected: bool) -> None:
    assert excavation.is_excavation(depth, machines) is expected


@pytest.mark.parametrize(("depth", "near", "expected"), [
    (1.2, True, False), (1.21, True, True), (5.0, False, False)])
def test_confined_space_rules_deeper_than_1_2_m_near_lines(depth: float, near: bool,
                                                          expected: bool) -> None:
    assert excavation.needs_confined_space_permit(depth, near) is expected


def test_countersigning_departments() -> None:
    assert list(excavation.COUNTERSIGNS) == [
        "water", "power", "steam", "process", "equipment", "fire", "safety"]
    assert excavation.COUNTERSIGNS["power"] == "power_supplier"
    assert road_closure.COUNTERSIGNS == {"fire": "fire_dept", "safety": "safety_dept"}


def test_checklists_and_the_conditions_that_make_items_required() -> None:
    assert len(excavation.CHECKLIST) == 11 and len(road_closure.CHECKLIST) == 4
    assert not excavation.CHECKLIST["power_comm_cables"].is_na_allowed()
    assert excavation.CHECKLIST["sloping_shoring"].is_na_allowed(conditions={"night"})
    deep = {"confined_space_rules"}
    assert not excavation.CHECKLIST["confined_space_measures"].is_na_allowed(conditions=deep)
    assert not excavation.CHECKLIST["other_permits"].is_na_allowed(conditions=deep)
    assert [k for k, i in road_closure.CHECKLIST.items() if not i.na_allowed] == [
        "traffic_plan", "signs_barriers"]
    assert not road_closure.CHECKLIST["night_warning_lights"].is_na_allowed(
        conditions={"night"})
