"""Lifting rules (processes.rules.lifting): mass bands, risk analysis under 10 t, lift
plans, crane capacity and tandem lifts, the Form A.5 checklist."""

from __future__ import annotations

import pytest

from processes.rules import lifting


@pytest.mark.parametrize(("load_t", "band"), [
    (0.1, "light"), (39.99, "light"), (40.0, "medium"), (100.0, "medium"),
    (100.01, "heavy"), (800.0, "heavy")])
def test_mass_bands_of_9_1(load_t: float, band: str) -> None:
    assert lifting.mass_band(load_t) == band


def test_under_ten_tonnes_only_a_risk_analysis() -> None:
    assert lifting.is_risk_analysis_only(9.99)
    assert not lifting.is_risk_analysis_only(10.0)


def test_lift_plan_from_forty_tonnes_or_for_complex_loads() -> None:
    assert not lifting.needs_lift_plan(39.9)
    assert lifting.needs_lift_plan(40.0)
    assert lifting.needs_lift_plan(2.0, complex_load=True)


def crane(rated: float, share: float | None = None, name: str = "A") -> lifting.Crane:
    return lifting.Crane(name=name, rated_capacity_t=rated, load_share_t=share)


def test_one_crane_carries_the_load_within_its_rating() -> None:
    assert lifting.crane_problems(25.0, [crane(25.0)]) == {}
    assert list(lifting.crane_problems(25.1, [crane(25.0)])) == ["cranes.0.rated_capacity_t"]


def test_tandem_lift_at_most_eighty_percent_per_crane() -> None:
    assert lifting.TANDEM_MAX_SHARE == 0.8
    assert lifting.crane_problems(80.0, [crane(50.0, 40.0), crane(50.0, 40.0, "B")]) == {}
    over = lifting.crane_problems(80.0, [crane(50.0, 40.5), crane(50.0, 39.5, "B")])
    assert list(over) == ["cranes.0.load_share_t"] and "80%" in over["cranes.0.load_share_t"]
    missing = lifting.crane_problems(60.0, [crane(50.0), crane(50.0, 30.0, "B")])
    assert list(missing) == ["cranes.0.load_share_t"]
    short = lifting.crane_problems(80.0, [crane(50.0, 30.0), crane(50.0, 30.0, "B")])
    assert list(short) == ["cranes"]


def test_form_a5_checklist() -> None:
    items = lifting.CHECKLIST
    assert len(items) == 20
    assert items["lift_plan_approved"].is_na_allowed()
    assert not items["lift_plan_approved"].is_na_allowed(conditions={"lift_plan_required"})
    assert not items["operator_certificates"].is_na_allowed()
    assert items["spark_arrestor"].is_na_allowed(conditions={"outdoor"})
    assert not items["spark_arrestor"].is_na_allowed(conditions={"hazardous_area"})
