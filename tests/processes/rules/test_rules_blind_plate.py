"""Line-blinding rules (processes.rules.blind_plate): GB 30871-2022 7.7–7.10."""

from __future__ import annotations

import pytest

from processes.rules import blind_plate as rules


@pytest.mark.parametrize("typed", ["P-101-DN100", " p-101-dn100 ", "P－101－DN100",
                                   "P-101 - DN100", "P–101–DN100"])
def test_lines_compare_as_typed_on_a_phone(typed):
    assert rules.line_key(typed) == "P-101-DN100"


def test_different_lines_stay_different():
    assert rules.line_key("P-101") != rules.line_key("P-1010")


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"hazard_class": "general", "temperature_c": 20, "toxic": False, "corrosive": False},
     set()),
    ({"hazard_class": "fire_explosion", "temperature_c": 20, "toxic": True,
      "corrosive": False}, {"hazardous_area", "toxic_medium"}),
    ({"hazard_class": "general", "temperature_c": 60, "toxic": False, "corrosive": True},
     {"hot_medium", "corrosive_medium"}),
    ({"hazard_class": "toxic", "temperature_c": -10, "toxic": False, "corrosive": False},
     {"cold_medium"}),
    ({"hazard_class": "general", "temperature_c": None, "toxic": False, "corrosive": False},
     set()),
])
def test_conditions_follow_the_medium(kwargs, expected):
    assert rules.conditions(**kwargs) == expected


def test_actions_and_detector_gases():
    assert rules.ACTIONS == {"insert": "堵", "remove": "抽"}
    assert set(rules.TOXIC_DETECTOR_GASES) == {"h2s", "cl2", "nh3", "co", "hcn"}
