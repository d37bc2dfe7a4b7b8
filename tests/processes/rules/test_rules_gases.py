"""Gas table and unit conversion (processes.rules.gases)."""

from __future__ import annotations

import contextlib
import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processes.rules import gases
from processes.rules.errors import InvalidValueError, RuleError, UnitError, UnknownGasError

LEL = {
    "ch4": 5.0,
    "h2": 4.0,
    "c3h8": 2.1,
    "c2h2": 2.5,
    "c2h4": 2.7,
    "co": 12.5,
    "h2s": 4.0,
    "nh3": 15.0,
    "c6h6": 1.2,
    "c4h10": 1.8,
    "c2h5oh": 3.3,
    "ch3oh": 6.0,
    "c7h8": 1.1,
    "c8h10": 1.0,
    "gasoline": 1.3,
}

# mg/m3 limits of the brief (GBZ 2.1, indicative): (MAC, PC-TWA, PC-STEL)
TOXIC = {
    "h2s": (10, None, None),
    "co": (None, 20, 30),
    "cl2": (1, None, None),
    "nh3": (None, 20, 30),
    "so2": (None, 5, 10),
    "no2": (None, 5, 10),
    "c6h6": (None, 6, 10),
    "hcn": (1, None, None),
    "hcl": (7.5, None, None),
    "cocl2": (0.5, None, None),
}


@pytest.mark.parametrize(("key", "lel"), LEL.items())
def test_lel_table(key: str, lel: float) -> None:
    assert gases.GASES[key].lel_percent_vol == lel
    assert gases.GASES[key].is_flammable


@pytest.mark.parametrize(("key", "limits"), TOXIC.items())
def test_toxic_limits_are_marked_indicative(key: str, limits: tuple) -> None:
    toxic = gases.GASES[key].toxic
    assert toxic is not None
    assert (toxic.mac, toxic.pc_twa, toxic.pc_stel) == limits
    assert "indicative" in toxic.status
    assert "GBZ 2.1-2019" in toxic.status


def test_non_flammables_have_no_lel() -> None:
    for key in ("o2", "cl2", "so2", "no2", "hcl", "cocl2"):
        assert not gases.GASES[key].is_flammable


def test_every_gas_but_the_mixture_has_a_molecular_weight() -> None:
    missing = [g.key for g in gases.GASES.values() if g.molecular_weight is None]
    assert missing == ["gasoline"]


def test_reference_conditions() -> None:
    assert gases.MOLAR_VOLUME_L_PER_MOL == 24.04
    assert gases.REFERENCE_TEMPERATURE_C == 20
    assert gases.REFERENCE_PRESSURE_KPA == 101.325


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("CH4", "ch4"),
        ("ch4", "ch4"),
        ("Methane", "ch4"),
        ("甲烷", "ch4"),
        (" hydrogen  sulfide ", "h2s"),
        ("H2S", "h2s"),
        ("硫化氢", "h2s"),
        ("C3H8", "c3h8"),
        ("propane", "c3h8"),
        ("n-butane", "c4h10"),
        ("O2", "o2"),
        ("氧气", "o2"),
        ("COCl2", "cocl2"),
        ("phosgene", "cocl2"),
    ],
)
def test_resolve_gas_by_any_name(name: str, key: str) -> None:
    assert gases.resolve_gas(name).key == key


def test_resolve_gas_passes_gas_through() -> None:
    assert gases.resolve_gas(gases.OXYGEN) is gases.OXYGEN


@pytest.mark.parametrize("name", ["unobtainium", "", None, 42])
def test_unknown_gas(name: object) -> None:
    with pytest.raises(UnknownGasError) as info:
        gases.resolve_gas(name)  # type: ignore[arg-type]
    assert info.value.gas == name
    assert info.value.code == "unknown_gas"
    assert isinstance(info.value, RuleError)
    assert isinstance(info.value, ValueError)
    assert repr(name) in str(info.value)


@pytest.mark.parametrize(
    ("spelling", "unit"),
    [
        ("%LEL", "%LEL"),
        ("%lel", "%LEL"),
        ("% LEL", "%LEL"),
        ("%VOL", "%VOL"),
        ("%vol", "%VOL"),
        ("%v/v", "%VOL"),
        ("ppm", "ppm"),
        ("PPM", "ppm"),
        ("mg/m3", "mg/m3"),
        ("mg/m³", "mg/m3"),
    ],
)
def test_normalize_unit(spelling: str, unit: str) -> None:
    assert gases.normalize_unit(spelling) == unit


@pytest.mark.parametrize("unit", ["ppb", "%", "", None, "g/m3"])
def test_unknown_unit(unit: object) -> None:
    with pytest.raises(UnitError) as info:
        gases.normalize_unit(unit)  # type: ignore[arg-type]
    assert info.value.unit == unit
    assert info.value.field == "unit"
    assert info.value.code == "bad_unit"


def test_percent_lel_is_value_times_lel() -> None:
    assert gases.to_percent_vol("ch4", 12, "%LEL") == pytest.approx(0.6)
    assert gases.to_percent_vol("ch4", 8, "%LEL") == pytest.approx(0.4)
    assert gases.to_percent_vol("h2", 10, "%LEL") == pytest.approx(0.4)


def test_percent_vol_is_unchanged() -> None:
    assert gases.to_percent_vol("c3h8", 0.3, "%VOL") == 0.3


def test_ppm_divides_by_ten_thousand() -> None:
    assert gases.to_percent_vol("co", 50, "ppm") == pytest.approx(0.005)


def test_mg_m3_uses_molecular_weight_at_20_c() -> None:
    # 10 mg/m3 H2S = 10 * 24.04 / 34.08 ppm = 7.054 ppm
    assert gases.to_percent_vol("h2s", 10, "mg/m3") == pytest.approx(7.0540e-4, rel=1e-4)


def test_lel_of_non_flammable_is_a_unit_error() -> None:
    with pytest.raises(UnitError) as info:
        gases.to_percent_vol("o2", 50, "%LEL")
    assert info.value.gas == "o2"
    assert "LEL" in str(info.value)


def test_mg_m3_of_a_mixture_is_a_unit_error() -> None:
    with pytest.raises(UnitError) as info:
        gases.to_percent_vol("gasoline", 5, "mg/m3")
    assert info.value.gas == "gasoline"


@pytest.mark.parametrize("value", [-0.1, math.nan, math.inf, "1", True, None])
def test_bad_values(value: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        gases.to_percent_vol("ch4", value, "%VOL")  # type: ignore[arg-type]
    assert info.value.field == "value"


def test_more_than_100_percent_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="100"):
        gases.to_percent_vol("ch4", 1_000_001, "ppm", field="readings[3].value")


def test_above_100_percent_lel_is_a_real_reading() -> None:
    assert gases.to_percent_vol("ch4", 150, "%LEL") == pytest.approx(7.5)


_units_for = {
    key: [u for u in gases.UNITS if not (u == "%LEL" and not g.is_flammable)]
    for key, g in gases.GASES.items()
}
_units_for["gasoline"].remove("mg/m3")


@st.composite
def gas_and_unit(draw: st.DrawFn) -> tuple[str, str]:
    key = draw(st.sampled_from(sorted(gases.GASES)))
    return key, draw(st.sampled_from(_units_for[key]))


@given(gas_and_unit(), st.floats(min_value=0, max_value=100))
def test_round_trip(pair: tuple[str, str], percent: float) -> None:
    key, unit = pair
    value = gases.from_percent_vol(key, percent, unit)
    assert gases.to_percent_vol(key, value, unit) == pytest.approx(percent, rel=1e-12, abs=1e-15)


@given(gas_and_unit(), st.floats(min_value=0, max_value=1e4), st.floats(min_value=0, max_value=1e4))
def test_conversion_is_monotonic(pair: tuple[str, str], a: float, b: float) -> None:
    key, unit = pair
    low, high = sorted((a, b))
    with contextlib.suppress(InvalidValueError):  # above 100 %VOL
        assert gases.to_percent_vol(key, low, unit) <= gases.to_percent_vol(key, high, unit)


@given(st.sampled_from(sorted(k for k, g in gases.GASES.items() if g.molecular_weight)))
def test_ppm_and_mg_m3_agree(key: str) -> None:
    weight = gases.GASES[key].molecular_weight
    ppm = 100.0
    mg_m3 = ppm * weight / 24.04
    assert gases.to_percent_vol(key, mg_m3, "mg/m3") == pytest.approx(
        gases.to_percent_vol(key, ppm, "ppm")
    )


def test_a_name_used_by_two_gases_is_a_data_error() -> None:
    clash = dataclasses.replace(gases.GASES["h2"], aliases=("Methane",))
    with pytest.raises(RuntimeError, match="Methane"):
        gases._index([gases.GASES["ch4"], clash])
