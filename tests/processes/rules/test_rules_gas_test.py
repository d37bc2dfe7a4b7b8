"""Gas-test verdicts (processes.rules.gas_test): GB 30871-2022 5.3.2, 5.3.4, 6.3, 6.4."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processes.rules import gas_test
from processes.rules.errors import InvalidValueError, NaiveDatetimeError, UnknownPermitTypeError
from processes.rules.gas_test import GasContext, evaluate_readings
from processes.rules.gases import GASES

CST = timezone(timedelta(hours=8))
START = datetime(2025, 5, 6, 9, 0, tzinfo=CST)


def reading(gas: str, value: float, unit: str = "%VOL", *, minutes_before: float = 10, **extra):
    return {
        "gas": gas,
        "value": value,
        "unit": unit,
        "sampled_at": START - timedelta(minutes=minutes_before),
        "point": "top",
        **extra,
    }


def context(permit_type: str = "hot_work", *, now: datetime = START, **extra) -> dict:
    return {"permit_type": permit_type, "planned_start": START, "now": now, **extra}


def one(permit_type: str, r: dict, **ctx) -> gas_test.ReadingResult:
    return evaluate_readings([r], context=context(permit_type, **ctx)).results[0]


def oxygen(value: float, **ctx) -> gas_test.ReadingResult:
    return one("confined_space", reading("O2", value), **ctx)


# Examples of the brief ---------------------------------------------------------------------


def test_methane_12_percent_lel_fails_hot_work() -> None:
    result = one("hot_work", reading("CH4", 12, "%LEL"))
    assert not result.passed
    assert result.reason == "flammable_above_limit"
    assert result.value_percent_vol == pytest.approx(0.6)
    assert result.limit is not None and result.limit.high == 0.5


def test_methane_8_percent_lel_passes_hot_work() -> None:
    result = one("hot_work", reading("CH4", 8, "%LEL"))
    assert result.passed
    assert result.reason is None
    assert result.value_percent_vol == pytest.approx(0.4)


def test_propane_0_3_fails_and_0_15_passes() -> None:
    failed = one("hot_work", reading("propane", 0.3))
    assert failed.reason == "flammable_above_limit"
    assert failed.limit is not None and failed.limit.high == 0.2
    assert one("hot_work", reading("propane", 0.15)).passed


def test_sampled_45_min_before_start_is_refused() -> None:
    result = one("hot_work", reading("CH4", 0.1, minutes_before=45))
    assert result.reason == "sampled_too_early"
    assert "45 min" in result.message


def test_sampled_29_min_before_start_passes() -> None:
    assert one("hot_work", reading("CH4", 0.1, minutes_before=29)).passed


def test_confined_space_oxygen() -> None:
    assert oxygen(19.0).reason == "oxygen_low"
    assert oxygen(22.0).reason == "oxygen_high"
    assert oxygen(22.0, oxygen_enriched=True).passed
    assert oxygen(20.9).passed
    assert oxygen(23.6, oxygen_enriched=True).reason == "oxygen_high"


# Limits ------------------------------------------------------------------------------------


def test_limit_boundaries_pass() -> None:
    assert one("hot_work", reading("CH4", 10, "%LEL")).passed  # exactly 0.5 %VOL
    assert one("hot_work", reading("propane", 0.2 / 2.1 * 100, "%LEL")).passed  # 0.2 %VOL
    assert oxygen(19.5).passed
    assert oxygen(21.0).passed
    assert oxygen(23.5, oxygen_enriched=True).passed


@pytest.mark.parametrize(
    ("gas", "high"),
    [
        *[(gas, 0.5) for gas in ("ch4", "h2", "h2s", "co", "nh3", "ch3oh", "hcn")],
        *[(gas, 0.2) for gas in ("c3h8", "c2h2", "c2h4", "c6h6", "c8h10", "gasoline")],
        *[(gas, 0.2) for gas in ("c2h5oh", "c4h10", "c7h8")],
    ],
)
def test_flammable_tiers(gas: str, high: float) -> None:
    limit = gas_test.flammable_limit(gas)
    assert limit is not None
    assert limit.high == high
    assert "5.3.2" in limit.basis


def test_non_flammable_has_no_flammable_limit() -> None:
    assert gas_test.flammable_limit("cl2") is None


def test_toxic_spot_limit_prefers_mac_then_stel() -> None:
    h2s = gas_test.toxic_limit("h2s")
    co = gas_test.toxic_limit("co")
    assert h2s is not None and "MAC 10 mg/m3" in h2s.basis
    assert co is not None and "PC-STEL 30 mg/m3" in co.basis
    assert "indicative" in co.basis
    assert gas_test.toxic_limit("ch4") is None


def test_hydrogen_sulfide_in_confined_space_uses_gbz_limit() -> None:
    failed = one("confined_space", reading("H2S", 15, "mg/m3"))
    assert failed.reason == "toxic_above_limit"
    assert "GBZ 2.1" in failed.message
    assert one("confined_space", reading("H2S", 5, "mg/m3")).passed


def test_toxic_limit_is_reported_as_the_binding_one() -> None:
    passed = one("confined_space", reading("H2S", 5, "ppm"))  # 6.9 mg/m3
    assert passed.passed
    assert passed.limit is not None and "GBZ 2.1" in passed.limit.basis
    failed = one("confined_space", reading("H2S", 8, "ppm"))  # 11.3 mg/m3
    assert failed.reasons == ("toxic_above_limit",)
    assert failed.limit == passed.limit


def test_toxic_and_flammable_both_exceeded() -> None:
    result = one("confined_space", reading("H2S", 0.6))
    assert result.reasons == ("flammable_above_limit", "toxic_above_limit")


def test_carbon_monoxide_spot_reading_against_stel() -> None:
    assert one("confined_space", reading("CO", 25, "mg/m3")).passed  # above TWA, below STEL
    assert one("confined_space", reading("CO", 31, "mg/m3")).reason == "toxic_above_limit"
    # 30 ppm = 34.95 mg/m3
    assert one("confined_space", reading("CO", 30, "ppm")).reason == "toxic_above_limit"


def test_hot_work_judges_toxics_only_as_flammables() -> None:
    result = one("hot_work", reading("H2S", 15, "mg/m3"))
    assert result.passed
    assert result.limit is not None and result.limit.high == 0.5


def test_hot_work_oxygen_ceiling_of_5_2_7() -> None:
    high = one("hot_work", reading("O2", 24.0))
    assert high.reason == "oxygen_high"
    assert "5.2.7" in high.message
    assert one("hot_work", reading("O2", 19.0)).passed


def test_temporary_power_uses_flammable_limits_only() -> None:
    assert one("temporary_power", reading("CH4", 12, "%LEL")).reason == "flammable_above_limit"
    result = one("temporary_power", reading("O2", 18.0))
    assert result.passed
    assert result.limit is None
    assert "no temporary_power limit" in result.message


def test_non_flammable_gas_in_hot_work_has_no_limit() -> None:
    result = one("hot_work", reading("Cl2", 5, "ppm"))
    assert result.passed and result.limit is None


# Sampling time -----------------------------------------------------------------------------


def test_sampled_exactly_30_min_before_passes() -> None:
    assert one("hot_work", reading("CH4", 0.1, minutes_before=30)).passed


def test_sampled_after_start_is_fine_up_to_now() -> None:
    later = START + timedelta(hours=2)
    assert one("hot_work", reading("CH4", 0.1, minutes_before=-90), now=later).passed


def test_sampled_after_start_and_after_now_is_refused() -> None:
    result = one(
        "hot_work", reading("CH4", 0.1, minutes_before=-20), now=START + timedelta(minutes=5)
    )
    assert result.reason == "sampled_after_start"


def test_sampled_in_the_future_before_start_is_refused() -> None:
    now = START - timedelta(minutes=25)
    result = one("hot_work", reading("CH4", 0.1, minutes_before=10), now=now)
    assert result.reason == "sampled_in_future"


def test_small_clock_skew_is_tolerated() -> None:
    now = START - timedelta(minutes=11)
    assert one("hot_work", reading("CH4", 0.1, minutes_before=10), now=now).passed


def test_iso_strings_with_offset_are_accepted() -> None:
    r = reading("CH4", 0.1)
    r["sampled_at"] = "2025-05-06T00:50:00Z"  # 08:50 +08:00
    ctx = {
        "permit_type": "hot_work",
        "planned_start": "2025-05-06T09:00:00+08:00",
        "now": "2025-05-06T09:00:00+08:00",
    }
    assert evaluate_readings([r], context=ctx).passed


def test_naive_sampled_at_is_an_error() -> None:
    r = reading("CH4", 0.1)
    r["sampled_at"] = "2025-05-06T08:50:00"
    with pytest.raises(NaiveDatetimeError) as info:
        evaluate_readings([reading("CH4", 0.1), r], context=context())
    assert info.value.field == "readings[1].sampled_at"


def test_naive_planned_start_is_an_error() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        GasContext("hot_work", datetime(2025, 5, 6, 9), START)
    assert info.value.field == "planned_start"


def test_missing_context_key() -> None:
    with pytest.raises(InvalidValueError) as info:
        evaluate_readings([], context={"permit_type": "hot_work", "planned_start": START})
    assert info.value.field == "now"


def test_bad_oxygen_enriched_flag() -> None:
    with pytest.raises(InvalidValueError):
        GasContext("confined_space", START, START, oxygen_enriched="yes")  # type: ignore[arg-type]


# Reason codes for bad input, verdict-level problems -----------------------------------------


def test_unknown_gas_is_a_reading_failure() -> None:
    verdict = evaluate_readings([reading("CH4", 0.1), reading("xenonite", 1)], context=context())
    assert not verdict.passed
    assert verdict.results[1].reason == "unknown_gas"
    assert verdict.results[1].gas == "xenonite"
    assert verdict.results[1].value_percent_vol is None
    assert verdict.failed == (verdict.results[1],)


@pytest.mark.parametrize(("gas", "unit"), [("CH4", "ppb"), ("O2", "%LEL"), ("gasoline", "mg/m3")])
def test_bad_unit_is_a_reading_failure(gas: str, unit: str) -> None:
    result = one("confined_space", reading(gas, 1, unit))
    assert result.reason == "bad_unit"
    assert result.limit is None


def test_all_failures_of_a_reading_are_kept() -> None:
    result = one("hot_work", reading("CH4", 12, "%LEL", minutes_before=45))
    assert result.reasons == ("sampled_too_early", "flammable_above_limit")
    assert result.reason == "sampled_too_early"


def test_no_readings() -> None:
    verdict = evaluate_readings([], context=context())
    assert not verdict.passed
    assert [p.code for p in verdict.problems] == ["no_readings"]


def test_hot_work_needs_a_flammable_reading() -> None:
    verdict = evaluate_readings([reading("O2", 20.9)], context=context())
    assert all(r.passed for r in verdict.results)
    assert [p.code for p in verdict.problems] == ["flammable_missing"]
    assert not verdict.passed


def test_confined_space_needs_an_oxygen_reading() -> None:
    verdict = evaluate_readings([reading("CH4", 0.1)], context=context("confined_space"))
    assert [p.code for p in verdict.problems] == ["oxygen_missing"]
    full = [reading("CH4", 0.1), reading("O2", 20.9), reading("H2S", 1, "ppm")]
    assert evaluate_readings(full, context=context("confined_space")).passed


@pytest.mark.parametrize("permit_type", ["lifting", "work_at_height", "road_closure", "excavation"])
def test_types_without_gas_limits(permit_type: str) -> None:
    with pytest.raises(UnknownPermitTypeError, match="no gas-test limits"):
        evaluate_readings([reading("CH4", 0.1)], context=context(permit_type))


def test_unknown_permit_type() -> None:
    with pytest.raises(UnknownPermitTypeError) as info:
        evaluate_readings([], context=context("welding"))
    assert info.value.permit_type == "welding"


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ("not a dict", "readings[0]"),
        ({**reading("CH4", 0.1), "value": "0.1"}, "readings[0].value"),
        ({**reading("CH4", 0.1), "value": -1}, "readings[0].value"),
        ({**reading("CH4", 0.1), "value": 2_000_000, "unit": "ppm"}, "readings[0].value"),
        ({**reading("CH4", 0.1), "sampled_at": None}, "readings[0].sampled_at"),
        ({**reading("CH4", 0.1), "sampled_at": "yesterday"}, "readings[0].sampled_at"),
    ],
)
def test_malformed_readings_raise_with_field(bad: object, field: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        evaluate_readings([bad], context=context())  # type: ignore[list-item]
    assert info.value.field == field


def test_every_emitted_code_is_documented() -> None:
    readings = [
        reading("CH4", 12, "%LEL", minutes_before=45),
        reading("H2S", 20, "mg/m3"),
        reading("O2", 18),
        reading("O2", 25),
        reading("nope", 1),
        reading("CH4", 1, "ppb"),
        reading("CH4", 0.1, minutes_before=-30),
    ]
    verdict = evaluate_readings(readings, context=context("confined_space"))
    codes = {c for r in verdict.results for c in r.reasons} | {p.code for p in verdict.problems}
    assert codes <= set(gas_test.REASONS)
    assert codes >= {
        "sampled_too_early",
        "flammable_above_limit",
        "toxic_above_limit",
        "oxygen_low",
        "oxygen_high",
        "unknown_gas",
        "bad_unit",
        "sampled_after_start",
    }


def test_verdict_to_dict_is_json_ready() -> None:
    verdict = evaluate_readings(
        [reading("CH4", 12, "%LEL"), reading("O2", 20.9)], context=context("confined_space")
    )
    out = json.loads(json.dumps(verdict.to_dict()))
    assert out["passed"] is False
    assert out["permit_type"] == "confined_space"
    first = out["results"][0]
    assert first == {
        "index": 0,
        "gas": "ch4",
        "point": "top",
        "value": 12.0,
        "unit": "%LEL",
        "sampled_at": "2025-05-06T08:50:00+08:00",
        "value_percent_vol": 0.6,
        "limit": {"low": None, "high": 0.5, "unit": "%VOL", "basis": first["limit"]["basis"]},
        "passed": False,
        "reason": "flammable_above_limit",
        "reasons": ["flammable_above_limit"],
        "message": first["message"],
    }
    assert out["results"][1]["limit"]["low"] == 19.5
    assert out["problems"] == []


def test_context_object_and_utc_now() -> None:
    ctx = GasContext("hot_work", START, START.astimezone(UTC))
    assert evaluate_readings([reading("CH4", 0.1)], context=ctx).passed


# Properties --------------------------------------------------------------------------------

FLAMMABLE = sorted(k for k, g in GASES.items() if g.is_flammable)


@given(st.sampled_from(FLAMMABLE), st.floats(0, 5), st.floats(0, 5))
def test_flammable_verdict_is_monotonic(gas: str, a: float, b: float) -> None:
    low, high = sorted((a, b))
    if one("hot_work", reading(gas, high)).passed:
        assert one("hot_work", reading(gas, low)).passed


@given(st.sampled_from(FLAMMABLE), st.floats(0, 5))
def test_hot_work_pass_matches_5_3_2(gas: str, value: float) -> None:
    ceiling = 0.5 if GASES[gas].lel_percent_vol >= 4 else 0.2
    assert one("hot_work", reading(gas, value)).passed == (value <= ceiling)


@given(st.floats(0, 100), st.booleans())
def test_confined_space_oxygen_window(value: float, enriched: bool) -> None:
    ceiling = 23.5 if enriched else 21.0
    assert oxygen(value, oxygen_enriched=enriched).passed == (19.5 <= value <= ceiling)


@given(st.sampled_from(sorted(k for k, g in GASES.items() if g.is_toxic)), st.floats(0, 200))
def test_toxic_verdict_is_monotonic_in_mg_m3(gas: str, value: float) -> None:
    if one("confined_space", reading(gas, value, "mg/m3")).passed:
        assert one("confined_space", reading(gas, value / 2, "mg/m3")).passed


@given(st.floats(-120, 120))
def test_sampling_window(minutes_before: float) -> None:
    result = one("hot_work", reading("CH4", 0.1, minutes_before=minutes_before))
    # now == planned start, 2 min clock skew tolerated
    assert result.passed == (-2 <= minutes_before <= 30)
