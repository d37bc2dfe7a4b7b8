"""Gas-test verdicts: are these readings good enough to start (or resume) the work?

The limits (all from `data/gb30871.json` and `data/gases.json`):

- Flammables, GB 30871-2022 5.3.2: LEL >= 4 %VOL -> at most 0.5 %VOL; LEL < 4 %VOL -> at
  most 0.2 %VOL. Absolute volume fractions, not %LEL. Hot work, confined space (6.4), and
  temporary power inside a running hazardous area (clause 10).
- Oxygen, confined space (6.4): 19.5–21 %VOL, up to 23.5 %VOL in a space declared
  oxygen-enriched. Hot work: at most 23.5 %VOL (5.2.7, oxygen-service equipment).
- Toxics, confined space (6.4): the GBZ 2.1 limit. A reading is a spot value, so it is
  compared with the MAC where there is one, otherwise with the PC-STEL; the PC-TWA (an 8 h
  average) only when nothing else is recorded.
- Sampling time, 5.3.4 and 6.3: at most 30 min before the planned start. A sample taken
  after the planned start (work resumed, entry delayed) is fine as long as it is not later
  than now.

Each reading gets its own result with a stable reason code (`REASONS`); messages are
English, translations hang off the codes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from processes.rules import data
from processes.rules.calendar import require_aware
from processes.rules.errors import (
    InvalidValueError,
    UnitError,
    UnknownGasError,
    UnknownPermitTypeError,
)
from processes.rules.gases import (
    OXYGEN,
    PERCENT_VOL,
    Gas,
    check_value,
    normalize_unit,
    resolve_gas,
    to_percent_vol,
)
from processes.rules.standard import check_permit_type

FLAMMABLE_ABOVE_LIMIT: Final = "flammable_above_limit"
TOXIC_ABOVE_LIMIT: Final = "toxic_above_limit"
OXYGEN_LOW: Final = "oxygen_low"
OXYGEN_HIGH: Final = "oxygen_high"
SAMPLED_TOO_EARLY: Final = "sampled_too_early"
SAMPLED_AFTER_START: Final = "sampled_after_start"
SAMPLED_IN_FUTURE: Final = "sampled_in_future"
UNKNOWN_GAS: Final = "unknown_gas"
BAD_UNIT: Final = "bad_unit"
NO_READINGS: Final = "no_readings"
FLAMMABLE_MISSING: Final = "flammable_missing"
OXYGEN_MISSING: Final = "oxygen_missing"

REASONS: Final = MappingProxyType(
    {
        FLAMMABLE_ABOVE_LIMIT: "flammable gas above the GB 30871-2022 5.3.2 limit",
        TOXIC_ABOVE_LIMIT: "toxic gas above its GBZ 2.1 limit (GB 30871-2022 6.4)",
        OXYGEN_LOW: "oxygen below the lower limit (GB 30871-2022 6.4)",
        OXYGEN_HIGH: "oxygen above the upper limit (GB 30871-2022 6.4 or 5.2.7)",
        SAMPLED_TOO_EARLY: "sampled more than 30 min before the planned start (5.3.4, 6.3)",
        SAMPLED_AFTER_START: "sampled after the planned start and later than now",
        SAMPLED_IN_FUTURE: "sampled later than now (before the planned start)",
        UNKNOWN_GAS: "gas not in the gas table",
        BAD_UNIT: "unit unknown or not usable for this gas",
        NO_READINGS: "the gas test has no readings",
        FLAMMABLE_MISSING: "no reading of a flammable gas, the only criterion of this test",
        OXYGEN_MISSING: "no oxygen reading (GB 30871-2022 6.4, Form A.2)",
    }
)
"""Every reason code this module emits, with an English gloss for translators."""

_GB: Final = data.load("gb30871.json")

_FLAMMABLE: Final = _GB["flammable_limit"]
LEL_THRESHOLD_PERCENT_VOL: Final = float(_FLAMMABLE["lel_threshold_percent_vol"])
FLAMMABLE_MAX_HIGH_LEL: Final = float(_FLAMMABLE["max_percent_vol_if_lel_at_or_above_threshold"])
FLAMMABLE_MAX_LOW_LEL: Final = float(_FLAMMABLE["max_percent_vol_if_lel_below_threshold"])

_SAMPLING: Final = _GB["gas_test"]["sampling"]
SAMPLE_MAX_BEFORE_START: Final = timedelta(minutes=_SAMPLING["max_minutes_before_start"])
SAMPLE_CLOCK_SKEW: Final = timedelta(minutes=_SAMPLING["clock_skew_tolerance_minutes"])
_TOXIC_ORDER: Final = tuple(_GB["gas_test"]["toxic_spot_limit"]["order"])

_REL_TOL: Final = 1e-9  # unit conversion leaves float noise; never let it fail a limit


def _display(number: float | None) -> float | None:
    """Round away conversion noise (0.6000000000000001) for JSON; 10 significant digits."""
    return None if number is None else float(f"{number:.10g}")


@dataclass(frozen=True)
class Limit:
    """An acceptance range in %VOL (either bound may be open) and where it comes from."""

    low: float | None
    high: float | None
    basis: str

    def is_below(self, percent_vol: float) -> bool:
        """True if the value is under the lower bound (float noise tolerated)."""
        return (
            self.low is not None
            and percent_vol < self.low
            and not math.isclose(percent_vol, self.low, rel_tol=_REL_TOL)
        )

    def is_above(self, percent_vol: float) -> bool:
        """True if the value is over the upper bound (float noise tolerated)."""
        return (
            self.high is not None
            and percent_vol > self.high
            and not math.isclose(percent_vol, self.high, rel_tol=_REL_TOL)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: `{low, high, unit, basis}`."""
        return {
            "low": _display(self.low),
            "high": _display(self.high),
            "unit": "%VOL",
            "basis": self.basis,
        }


@dataclass(frozen=True)
class Criteria:
    """Which limits a permit type's gas test applies (`data/gb30871.json`, gas_test)."""

    permit_type: str
    clause: str
    flammable: bool
    toxic: bool
    oxygen: str | None
    required_readings: tuple[str, ...]


def _load_criteria() -> Mapping[str, Criteria]:
    return MappingProxyType(
        {
            key: Criteria(
                permit_type=key,
                clause=raw["clause"],
                flammable=raw["flammable"],
                toxic=raw["toxic"],
                oxygen=raw["oxygen"],
                required_readings=tuple(raw["required_readings"]),
            )
            for key, raw in _GB["gas_test"]["criteria"].items()
        }
    )


CRITERIA: Final = _load_criteria()


def criteria_for(permit_type: str) -> Criteria:
    """Return the gas-test criteria of a permit type.

    Raises:
        UnknownPermitTypeError: unknown type, or one for which GB 30871-2022 sets no gas-test
            limits (work at height, lifting, blind plate, road closure, excavation: for
            excavation under clause 11's 1.2 m rule, evaluate as `confined_space`).
    """
    check_permit_type(permit_type)
    try:
        return CRITERIA[permit_type]
    except KeyError:
        raise UnknownPermitTypeError(
            permit_type, detail="GB 30871-2022 sets no gas-test limits for it"
        ) from None


def flammable_limit(gas: str | Gas) -> Limit | None:
    """The GB 30871-2022 5.3.2 ceiling of a gas in %VOL, or None for a gas that does not burn.

    0.5 %VOL when the LEL is at least 4 %VOL, otherwise 0.2 %VOL: a gas that ignites at a
    lower concentration gets a smaller margin.
    """
    found = resolve_gas(gas)
    if found.lel_percent_vol is None:
        return None
    if found.lel_percent_vol >= LEL_THRESHOLD_PERCENT_VOL:
        high, tier = FLAMMABLE_MAX_HIGH_LEL, ">="
    else:
        high, tier = FLAMMABLE_MAX_LOW_LEL, "<"
    return Limit(
        low=None,
        high=high,
        basis=(
            f"GB 30871-2022 {_FLAMMABLE['clause']}: LEL {found.lel_percent_vol:g} %VOL "
            f"{tier} {LEL_THRESHOLD_PERCENT_VOL:g} %VOL, at most {high:g} %VOL"
        ),
    )


def toxic_limit(gas: str | Gas) -> Limit | None:
    """The GBZ 2.1 limit of a gas converted to %VOL for a spot reading, or None.

    MAC first, then PC-STEL, then PC-TWA (see `data/gb30871.json`, toxic_spot_limit):
    GB 30871-2022 6.4 points to GBZ 2.1 without saying which limit a single reading meets.
    """
    found = resolve_gas(gas)
    if found.toxic is None:
        return None
    for kind in _TOXIC_ORDER:
        mg_m3 = getattr(found.toxic, kind)
        if mg_m3 is not None:
            high = to_percent_vol(found, mg_m3, "mg/m3")
            label = kind.upper().replace("_", "-")
            return Limit(
                low=None,
                high=high,
                basis=(
                    f"GBZ 2.1 {label} {mg_m3:g} mg/m3 ({found.toxic.status}), GB 30871-2022 6.4"
                ),
            )
    return None


def oxygen_limit(permit_type: str, *, oxygen_enriched: bool = False) -> Limit | None:
    """The oxygen range of a permit type's gas test in %VOL, or None if it sets none.

    Confined space (6.4): 19.5–21 %VOL, the ceiling 23.5 %VOL when the space is declared
    oxygen-enriched. Hot work (5.2.7): at most 23.5 %VOL.
    """
    block = criteria_for(permit_type).oxygen
    if block is None:
        return None
    raw = _GB["oxygen"][block]
    high = raw["max_percent_vol"]
    note = ""
    if oxygen_enriched and "max_percent_vol_oxygen_enriched" in raw:
        high, note = raw["max_percent_vol_oxygen_enriched"], ", oxygen-enriched"
    low = raw.get("min_percent_vol")
    span = f"{low:g}-{high:g} %VOL" if low is not None else f"at most {high:g} %VOL"
    return Limit(low=low, high=high, basis=f"GB 30871-2022 {raw['clause']}: {span}{note}")


@dataclass(frozen=True)
class GasContext:
    """What a gas test is judged against.

    `planned_start` and `now` must be aware datetimes (ISO strings with an offset are
    parsed); `now` comes from the caller's clock so tests and timers can move it.
    """

    permit_type: str
    planned_start: datetime
    now: datetime
    oxygen_enriched: bool = False

    def __post_init__(self) -> None:
        criteria_for(self.permit_type)
        for name in ("planned_start", "now"):
            object.__setattr__(self, name, require_aware(getattr(self, name), name))
        if not isinstance(self.oxygen_enriched, bool):
            raise InvalidValueError("oxygen_enriched", self.oxygen_enriched, "must be a boolean")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> GasContext:
        """Build from a dict such as task data: `permit_type`, `planned_start`, `now`,
        optional `oxygen_enriched`."""
        for key in ("permit_type", "planned_start", "now"):
            if key not in values:
                raise InvalidValueError(key, None, "is required")
        return cls(
            permit_type=values["permit_type"],
            planned_start=values["planned_start"],
            now=values["now"],
            oxygen_enriched=values.get("oxygen_enriched", False),
        )


@dataclass(frozen=True)
class Failure:
    """One broken rule: a stable code and an English message."""

    code: str
    message: str


@dataclass(frozen=True)
class ReadingResult:
    """The verdict on one reading. `gas` is the canonical key, or the name as sent when
    unknown; `value_percent_vol` and `limit` are None when they could not be worked out."""

    index: int
    gas: str
    point: str | None
    value: float
    unit: str
    sampled_at: datetime
    value_percent_vol: float | None
    limit: Limit | None
    failures: tuple[Failure, ...]
    note: str = ""

    @property
    def passed(self) -> bool:
        """True when no rule failed."""
        return not self.failures

    @property
    def reason(self) -> str | None:
        """The first failure's code, None when the reading passed."""
        return self.failures[0].code if self.failures else None

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every failure code, in the order the checks ran (timing, gas, unit, value)."""
        return tuple(f.code for f in self.failures)

    @property
    def message(self) -> str:
        """The first failure's message, or what the reading was checked against."""
        return self.failures[0].message if self.failures else self.note

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form of the result."""
        return {
            "index": self.index,
            "gas": self.gas,
            "point": self.point,
            "value": self.value,
            "unit": self.unit,
            "sampled_at": self.sampled_at.isoformat(),
            "value_percent_vol": _display(self.value_percent_vol),
            "limit": self.limit.to_dict() if self.limit else None,
            "passed": self.passed,
            "reason": self.reason,
            "reasons": list(self.reasons),
            "message": self.message,
        }


@dataclass(frozen=True)
class GasVerdict:
    """The verdict on a whole gas test: per-reading results plus test-level problems
    (`no_readings`, `flammable_missing`, `oxygen_missing`)."""

    permit_type: str
    results: tuple[ReadingResult, ...]
    problems: tuple[Failure, ...] = ()

    @property
    def passed(self) -> bool:
        """True when every reading passed and nothing is missing."""
        return not self.problems and all(r.passed for r in self.results)

    @property
    def failed(self) -> tuple[ReadingResult, ...]:
        """The readings that did not pass."""
        return tuple(r for r in self.results if not r.passed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: `{permit_type, passed, results: [...], problems: [{code, message}]}`."""
        return {
            "permit_type": self.permit_type,
            "passed": self.passed,
            "results": [r.to_dict() for r in self.results],
            "problems": [{"code": p.code, "message": p.message} for p in self.problems],
        }


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:g} min"


def _timing_failure(sampled_at: datetime, ctx: GasContext) -> Failure | None:
    earliest = ctx.planned_start - SAMPLE_MAX_BEFORE_START
    if sampled_at < earliest:
        return Failure(
            SAMPLED_TOO_EARLY,
            f"sampled {_minutes(ctx.planned_start - sampled_at)} before the planned start; "
            f"GB 30871-2022 5.3.4/6.3 allow at most {_minutes(SAMPLE_MAX_BEFORE_START)}",
        )
    if sampled_at > ctx.now + SAMPLE_CLOCK_SKEW:
        if sampled_at > ctx.planned_start:
            return Failure(
                SAMPLED_AFTER_START,
                f"sampled at {sampled_at.isoformat()}, after the planned start and later than "
                f"now ({ctx.now.isoformat()})",
            )
        return Failure(
            SAMPLED_IN_FUTURE,
            f"sampled at {sampled_at.isoformat()}, later than now ({ctx.now.isoformat()})",
        )
    return None


def _value_checks(found: Gas, ctx: GasContext, criteria: Criteria) -> list[tuple[Limit, str]]:
    """The limits that apply to this gas, each with the code of exceeding its ceiling (only
    the oxygen range has a floor; falling below it is `oxygen_low`)."""
    if found is OXYGEN:
        limit = oxygen_limit(ctx.permit_type, oxygen_enriched=ctx.oxygen_enriched)
        return [(limit, OXYGEN_HIGH)] if limit else []
    checks: list[tuple[Limit, str]] = []
    if criteria.flammable and (limit := flammable_limit(found)):
        checks.append((limit, FLAMMABLE_ABOVE_LIMIT))
    if criteria.toxic and (limit := toxic_limit(found)):
        checks.append((limit, TOXIC_ABOVE_LIMIT))
    return checks


def _value_failures(
    found: Gas, percent: float, checks: list[tuple[Limit, str]], shown: str
) -> list[Failure]:
    failures = []
    for limit, code in checks:
        if limit.is_below(percent):
            why = f"is below {limit.low:g} %VOL"
            failures.append(Failure(OXYGEN_LOW, f"{found.name_en} {shown} {why} ({limit.basis})"))
        elif limit.is_above(percent):
            why = f"is above {limit.high:g} %VOL"
            failures.append(Failure(code, f"{found.name_en} {shown} {why} ({limit.basis})"))
    return failures


def _tightest(checks: list[tuple[Limit, str]]) -> Limit:
    """The limit to report: the one with the lowest ceiling (it is the one a value breaks
    first; oxygen has a single range)."""
    limits = (limit for limit, _ in checks)
    return min(limits, key=lambda lim: math.inf if lim.high is None else lim.high)


def _evaluate_one(
    index: int, reading: object, ctx: GasContext, criteria: Criteria
) -> ReadingResult:
    where = f"readings[{index}]"
    if not isinstance(reading, Mapping):
        raise InvalidValueError(where, reading, "expected an object")
    sampled_at = require_aware(reading.get("sampled_at"), f"{where}.sampled_at")
    value = check_value(reading.get("value"), f"{where}.value")
    name, unit = reading.get("gas"), reading.get("unit")
    failures: list[Failure] = []
    if (timing := _timing_failure(sampled_at, ctx)) is not None:
        failures.append(timing)

    gas, note = str(name), ""
    percent: float | None = None
    limit: Limit | None = None
    try:
        found = resolve_gas(name)
        gas = found.key
        unit = normalize_unit(unit)
        percent = to_percent_vol(found, value, unit, field=f"{where}.value")
    except UnknownGasError as exc:
        failures.append(Failure(UNKNOWN_GAS, str(exc)))
    except UnitError as exc:
        failures.append(Failure(BAD_UNIT, str(exc)))
    else:
        shown = f"{value:g} {unit}" + ("" if unit == PERCENT_VOL else f" ({percent:g} %VOL)")
        checks = _value_checks(found, ctx, criteria)
        if checks:
            limit = _tightest(checks)
            failures.extend(_value_failures(found, percent, checks, shown))
            note = f"{found.name_en} {shown} is within the limit ({limit.basis})"
        else:
            note = f"{found.name_en} {shown}: no {ctx.permit_type} limit applies to it"
    return ReadingResult(
        index=index,
        gas=gas,
        point=reading.get("point"),
        value=value,
        unit=str(unit),
        sampled_at=sampled_at,
        value_percent_vol=percent,
        limit=limit,
        failures=tuple(failures),
        note=note,
    )


def _missing(criteria: Criteria, results: tuple[ReadingResult, ...]) -> list[Failure]:
    """Test-level problems: a reading the permit type's test cannot do without is absent."""
    known = [resolve_gas(r.gas) for r in results if UNKNOWN_GAS not in r.reasons]
    missing = []
    if "flammable" in criteria.required_readings and not any(g.is_flammable for g in known):
        missing.append(FLAMMABLE_MISSING)
    if "oxygen" in criteria.required_readings and OXYGEN not in known:
        missing.append(OXYGEN_MISSING)
    return [Failure(code, f"{criteria.permit_type}: {REASONS[code]}") for code in missing]


def evaluate_readings(
    readings: Iterable[Mapping[str, Any]], *, context: GasContext | Mapping[str, Any]
) -> GasVerdict:
    """Judge the readings of one gas test (GB 30871-2022 5.3, 6.3, 6.4).

    Parameters:
        readings: dicts `{gas, value, unit, sampled_at, point}` (design.md §3); `unit` one
            of `%LEL`, `%VOL`, `ppm`, `mg/m3`; `sampled_at` aware or ISO 8601 with offset.
        context: a `GasContext`, or a dict with `permit_type`, `planned_start`, `now` and
            optionally `oxygen_enriched`.

    Returns:
        A `GasVerdict`. An unknown gas or unusable unit fails that reading (`unknown_gas`,
        `bad_unit`) instead of raising, so the worker sees every problem at once.

    Raises:
        NaiveDatetimeError: a datetime without offset.
        InvalidValueError: a malformed reading (not an object, value not a number >= 0,
            above 100 %VOL) or context.
        UnknownPermitTypeError: a type without gas-test limits.
    """
    ctx = context if isinstance(context, GasContext) else GasContext.from_mapping(context)
    criteria = criteria_for(ctx.permit_type)
    results = tuple(_evaluate_one(i, r, ctx, criteria) for i, r in enumerate(readings))
    if not results:
        problems = [Failure(NO_READINGS, REASONS[NO_READINGS])]
    else:
        problems = _missing(criteria, results)
    return GasVerdict(ctx.permit_type, results, tuple(problems))
