"""Work-at-height rules (processes.rules.work_at_height): bands, risk factors, validity,
the Form A.4 checklist."""

from __future__ import annotations

from datetime import timedelta

import pytest

from processes.rules import data, errors
from processes.rules import work_at_height as height


@pytest.mark.parametrize(("metres", "band"), [
    (2.0, 1), (3.5, 1), (5.0, 1), (5.01, 2), (15.0, 2), (15.01, 3), (30.0, 3), (30.01, 4),
    (120.0, 4)])
def test_height_bands_of_gb_t_3608(metres: float, band: int) -> None:
    assert height.height_band(metres) == band


@pytest.mark.parametrize("metres", [0.0, 1.0, 1.99])
def test_below_two_metres_is_not_work_at_height(metres: float) -> None:
    assert not height.is_work_at_height(metres)
    with pytest.raises(errors.InvalidValueError) as info:
        height.height_band(metres)
    assert info.value.field == "working_height_m"


def test_declared_factors_come_back_in_the_standards_order() -> None:
    assert height.risk_factors(["poor_light", "slippery"]) == ["slippery", "poor_light"]
    assert height.risk_factors([]) == []
    with pytest.raises(errors.InvalidValueError):
        height.risk_factors(["lunar_eclipse"])


@pytest.mark.parametrize(("measured", "factor"), [
    ({"mean_temperature_c": 5.0}, "cold_environment"),
    ({"water_temperature_c": 12.0}, "cold_water"),
    ({"footing_min_mm": 499}, "narrow_footing"),
    ({"oxygen_percent": 19.4}, "toxic_or_low_oxygen"),
    ({"live_voltage_kv": 35, "live_distance_m": 1.9}, "near_live_conductor"),
    ({"live_voltage_kv": 220, "live_distance_m": 3.9}, "near_live_conductor"),
    ({"live_voltage_kv": 800, "live_distance_m": 50.0}, "near_live_conductor"),
])
def test_measured_values_add_the_factor_they_imply(measured: dict, factor: str) -> None:
    assert height.risk_factors([], **measured) == [factor]


@pytest.mark.parametrize("measured", [
    {"mean_temperature_c": 5.1}, {"water_temperature_c": 12.5}, {"footing_min_mm": 500},
    {"oxygen_percent": 19.5}, {"live_voltage_kv": 10, "live_distance_m": 1.7},
    {"live_voltage_kv": 110, "live_distance_m": 2.5}, {"live_voltage_kv": 10},
])
def test_values_within_the_limits_add_nothing(measured: dict) -> None:
    assert height.risk_factors([], **measured) == []


def test_live_conductor_distances_use_the_next_voltage_class() -> None:
    assert height.min_live_distance(10) == 1.7
    assert height.min_live_distance(20) == 2.0
    assert height.min_live_distance(66) == 2.5
    assert height.min_live_distance(500) == 6.0
    assert height.min_live_distance(750) is None


def test_validity_is_seven_days_by_clause_8_2_11() -> None:
    assert timedelta(days=7) == height.VALIDITY
    assert height.VALIDITY_CLAUSE == "8.2.11"


def test_the_nine_factors_of_8_1_2_and_four_grades() -> None:
    assert len(height.RISK_FACTORS) == 9
    assert list(height.GRADES) == ["I", "II", "III", "IV"]
    assert data.load("work_at_height.json")["risk_factors"]["clause"] == "8.1.2"


def test_form_a4_checklist() -> None:
    items = height.CHECKLIST
    assert len(items) == 15
    assert [i.form_item for i in items.values()] == list(range(1, 16))
    assert not items["helmet_harness"].is_na_allowed()
    assert items["comms_above_30m"].is_na_allowed(conditions={"night"})
    assert not items["comms_above_30m"].is_na_allowed(conditions={"above_30m"})
    assert not items["lighting"].is_na_allowed(conditions={"night"})
    assert items["scaffold_nets_rails"].is_na_allowed(conditions={"above_30m"})
