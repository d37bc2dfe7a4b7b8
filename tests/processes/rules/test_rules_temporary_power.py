"""Temporary-power rules (processes.rules.temporary_power): GB 30871-2022 10.1–10.8."""

from __future__ import annotations

import pytest

from processes.rules import temporary_power as rules


@pytest.mark.parametrize(("days", "reason", "problem"), [
    (15, None, None), (16, None, "needs_reason"), (16, "  ", "needs_reason"),
    (30, "大修", None), (31, "大修", "too_long"),
])
def test_duration(days, reason, problem):
    assert rules.duration_problem(days, reason) == problem


def test_max_days():
    assert (rules.max_days(False), rules.max_days(True)) == (15, 30)


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"laying": ["surface"], "burial_depth_m": None, "overhead_height_m": None,
      "over_road": False}, {}),
    ({"laying": ["buried"], "burial_depth_m": 0.7, "overhead_height_m": None,
      "over_road": False}, {}),
    ({"laying": ["buried"], "burial_depth_m": 0.69, "overhead_height_m": None,
      "over_road": False}, {"cable_burial_depth_m": "too_shallow"}),
    ({"laying": ["buried", "overhead"], "burial_depth_m": None, "overhead_height_m": 2.5,
      "over_road": False}, {"cable_burial_depth_m": "missing"}),
    ({"laying": ["overhead"], "burial_depth_m": None, "overhead_height_m": 4.9,
      "over_road": True}, {"overhead_height_m": "too_low"}),
    ({"laying": ["overhead"], "burial_depth_m": None, "overhead_height_m": 5.0,
      "over_road": True}, {}),
])
def test_cables(kwargs, expected):
    assert rules.cable_problems(**kwargs) == expected


def test_load_and_hazardous_area():
    equipment = [{"name": "电焊机", "rated_kw": 12}, {"name": "风机", "rated_kw": 8.5}]
    assert rules.total_rated_kw(equipment) == 20.5
    assert rules.is_overloaded(20, equipment) and not rules.is_overloaded(20.5, equipment)
    assert rules.is_hazardous_area("fire_explosion") and not rules.is_hazardous_area("toxic")
