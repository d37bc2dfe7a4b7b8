"""Temporary-power rules (GB 30871-2022 clause 10).

- Duration (10.8): at most 15 days, at most 30 days in special cases with a stated reason; a
  supply serving a hot-work or confined-space job lasts as long as that permit.
- Hazardous areas (10.1): no temporary supply in a running fire/explosion-hazard area unless
  it cannot be avoided, and then only after a gas test to the limits of 5.3.2.
- Cables (10.5): buried at least 0.7 m deep; overhead at least 2.5 m above the ground and
  5 m over roads.
- Load (10.2, Form A.6 item 11): the equipment's rated power within the permitted power.

The numbers are in `data/temporary_power.json`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from processes.rules import data

_DATA: Final = data.load("temporary_power.json")
MAX_DAYS: Final = int(_DATA["duration"]["max_days"])
MAX_DAYS_EXCEPTIONAL: Final = int(_DATA["duration"]["max_days_exceptional"])
SERVED_TYPES: Final = tuple(_DATA["duration"]["served_types"])
HAZARDOUS_CLASS: Final = _DATA["hazardous_area"]["hazard_class"]
MIN_BURIAL_DEPTH_M: Final = float(_DATA["cables"]["min_burial_depth_m"])
MIN_OVERHEAD_M: Final = float(_DATA["cables"]["min_overhead_height_m"])
MIN_OVERHEAD_OVER_ROAD_M: Final = float(_DATA["cables"]["min_overhead_height_over_road_m"])
VOLTAGES: Final = tuple(_DATA["voltages_v"])


def is_hazardous_area(hazard_class: str) -> bool:
    """True for a fire/explosion-hazard area, where a gas test is required (10.1)."""
    return hazard_class == HAZARDOUS_CLASS


def max_days(exceptional: bool) -> int:
    """The longest use allowed (10.8): 15 days, 30 in special cases."""
    return MAX_DAYS_EXCEPTIONAL if exceptional else MAX_DAYS


def duration_problem(days: int, exceptional_reason: str | None) -> str | None:
    """`needs_reason` (16–30 days without a reason), `too_long` (> 30 days) or None."""
    if days > MAX_DAYS_EXCEPTIONAL:
        return "too_long"
    if days > MAX_DAYS and not (exceptional_reason or "").strip():
        return "needs_reason"
    return None


def cable_problems(*, laying: Iterable[str], burial_depth_m: float | None,
                   overhead_height_m: float | None, over_road: bool) -> dict[str, str]:
    """Field → problem code for the cable run (10.5): `missing`, `too_shallow`, `too_low`."""
    ways = set(laying)
    found: dict[str, str] = {}
    if "buried" in ways:
        if burial_depth_m is None:
            found["cable_burial_depth_m"] = "missing"
        elif burial_depth_m < MIN_BURIAL_DEPTH_M:
            found["cable_burial_depth_m"] = "too_shallow"
    if "overhead" in ways:
        least = MIN_OVERHEAD_OVER_ROAD_M if over_road else MIN_OVERHEAD_M
        if overhead_height_m is None:
            found["overhead_height_m"] = "missing"
        elif overhead_height_m < least:
            found["overhead_height_m"] = "too_low"
    return found


def min_overhead_height(over_road: bool) -> float:
    """2.5 m, or 5 m where the line crosses a road (10.5)."""
    return MIN_OVERHEAD_OVER_ROAD_M if over_road else MIN_OVERHEAD_M


def total_rated_kw(equipment: Iterable[Mapping[str, Any]]) -> float:
    """The sum of the equipment's rated power in kW."""
    return float(sum(float(item.get("rated_kw") or 0) for item in equipment))


def is_overloaded(permitted_kw: float, equipment: Iterable[Mapping[str, Any]]) -> bool:
    """True if the equipment needs more than the permitted power (Form A.6 item 11)."""
    return total_rated_kw(equipment) > float(permitted_kw) + 1e-9
