"""Work-at-height rules (GB 30871-2022 clause 8, height bands of GB/T 3608).

What this module decides, from the numbers in `data/work_at_height.json`:

- whether a job is work at height at all (2 m or more above the fall reference plane);
- its height band (1: 2–5 m, 2: >5–15 m, 3: >15–30 m, 4: >30 m);
- its objective risk factors (8.1.2), as declared by the applicant plus those that
  follow from measured values (temperature, footing, oxygen, distance to live conductors).

The grade itself (Ⅰ–Ⅳ; method A without a factor, method B with one: one band up) is the
decision table `bpmn/work_at_height_grade.dmn`, which is fed with the band and factors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Final

from processes.rules import data
from processes.rules.checklist import checklist_of
from processes.rules.errors import InvalidValueError

_HEIGHT: Final = data.load("work_at_height.json")

MIN_HEIGHT_M: Final = float(_HEIGHT["definition"]["min_height_m"])
GRADES: Final[Mapping[str, str]] = MappingProxyType(
    {g["key"]: g["label_zh"] for g in _HEIGHT["grades"]})
"""Grade key (I, II, III, IV) → Chinese label."""
RISK_FACTORS: Final[Mapping[str, str]] = MappingProxyType(
    {f["key"]: f["label_zh"] for f in _HEIGHT["risk_factors"]["items"]})
"""Objective risk factor key → Chinese label, in the order of 8.1.2."""
VALIDITY: Final = timedelta(days=_HEIGHT["validity"]["days"])
VALIDITY_CLAUSE: Final = _HEIGHT["validity"]["clause"]
_THRESHOLDS: Final = _HEIGHT["thresholds"]
_BANDS: Final = tuple((b["band"], b["up_to_m"]) for b in _HEIGHT["bands"]["items"])
_DISTANCES: Final = tuple((d["up_to_kv"], d["min_distance_m"])
                          for d in _HEIGHT["live_conductor_distances"]["items"])

CHECKLIST: Final = checklist_of("work_at_height").CHECKLIST
"""The 15 items of Form A.4 by key, in form order."""


def is_work_at_height(height_m: float) -> bool:
    """True from 2 m above the fall reference plane (the definition of 高处作业)."""
    return height_m >= MIN_HEIGHT_M


def height_band(height_m: float) -> int:
    """The GB/T 3608 band, 1 to 4, of a working height of at least 2 m.

    Raises:
        InvalidValueError: below 2 m (not work at height).
    """
    if not is_work_at_height(height_m):
        raise InvalidValueError("working_height_m", height_m,
                                f"is below {MIN_HEIGHT_M} m: not work at height")
    for band, up_to in _BANDS:
        if up_to is None or height_m <= up_to:
            return int(band)
    raise AssertionError("the last band has no upper bound")  # pragma: no cover


def min_live_distance(voltage_kv: float) -> float | None:
    """Minimum distance (m) to a live conductor of this voltage; None above the table."""
    for up_to, distance in _DISTANCES:
        if voltage_kv <= up_to:
            return float(distance)
    return None


def risk_factors(declared: Iterable[str], *, mean_temperature_c: float | None = None,
                 water_temperature_c: float | None = None,
                 footing_min_mm: float | None = None, oxygen_percent: float | None = None,
                 live_voltage_kv: float | None = None,
                 live_distance_m: float | None = None) -> list[str]:
    """The objective risk factors of 8.1.2 present, in the standard's order.

    The applicant declares what they see (slippery, poor light, rescue …); measured values
    add the factors they imply, so a number typed in cannot contradict an unticked box.

    Raises:
        InvalidValueError: an unknown factor key.
    """
    found = set()
    for key in declared:
        if key not in RISK_FACTORS:
            raise InvalidValueError("risk_factors", key, "is not a factor of 8.1.2")
        found.add(key)
    if mean_temperature_c is not None \
            and mean_temperature_c <= _THRESHOLDS["cold_environment_max_c"]:
        found.add("cold_environment")
    if water_temperature_c is not None \
            and water_temperature_c <= _THRESHOLDS["cold_water_max_c"]:
        found.add("cold_water")
    if footing_min_mm is not None and footing_min_mm < _THRESHOLDS["narrow_footing_below_mm"]:
        found.add("narrow_footing")
    if oxygen_percent is not None \
            and oxygen_percent < _THRESHOLDS["low_oxygen_below_percent_vol"]:
        found.add("toxic_or_low_oxygen")
    if live_voltage_kv is not None and live_distance_m is not None:
        limit = min_live_distance(live_voltage_kv)
        if limit is None or live_distance_m < limit:
            found.add("near_live_conductor")
    return [key for key in RISK_FACTORS if key in found]
