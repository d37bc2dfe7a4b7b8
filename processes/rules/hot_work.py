"""Hot-work rules (GB 30871-2022 clause 5): grades, validity, upgrades and the Form A.1
checklist.

Grades (5.1.2–5.1.4): `special` 特级, `grade1` 一级, `grade2` 二级. Validity (5.1.5): 8 h for
special and grade 1, 72 h for grade 2. Hot work at night, on rest days or holidays, and
outdoor hot work in wind of force 5 or more that cannot wait, is managed one grade up
(5.1.1, 5.2.15). The numbers are in `data/gb30871.json`, the checklist in
`data/checklists.json`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Final

from processes.rules import data
from processes.rules.calendar import (
    DEFAULT_NIGHT_END,
    DEFAULT_NIGHT_START,
    DEFAULT_PLANT_TZ,
    is_holiday,
    is_rest_day,
    local_dates,
    overlaps_night,
    require_aware,
)
from processes.rules.errors import InvalidValueError, UnknownGradeError

SPECIAL: Final = "special"
GRADE1: Final = "grade1"
GRADE2: Final = "grade2"

NIGHT: Final = "night"
REST_DAY: Final = "rest_day"
HOLIDAY: Final = "holiday"
WIND_FORCE_5: Final = "wind_force_5"

GRADE_ORDER: Final = (SPECIAL, GRADE1, GRADE2)
"""Highest risk first."""

BEAUFORT_MAX: Final = 17

_HOT_WORK: Final = data.load("gb30871.json")["hot_work"]
UPGRADE_REASONS: Final = tuple(_HOT_WORK["upgrade"]["reasons"])
"""The upgrade reason codes, in the order `upgrade_reasons` returns them."""
OUTDOOR_BAN_WIND_FORCE: Final = int(_HOT_WORK["outdoor_ban_wind_force"]["beaufort"])


@dataclass(frozen=True)
class Grade:
    """One hot-work grade, lowest risk last (special, grade1, grade2)."""

    key: str
    label_zh: str
    label_en: str
    clause: str
    validity: timedelta


GRADES: Final = MappingProxyType(
    {
        raw["key"]: Grade(
            key=raw["key"],
            label_zh=raw["label_zh"],
            label_en=raw["label_en"],
            clause=raw["clause"],
            validity=timedelta(hours=raw["validity_hours"]),
        )
        for raw in _HOT_WORK["grades"]
    }
)
"""The grades by key."""
if tuple(sorted(GRADES)) != tuple(sorted(GRADE_ORDER)):
    raise RuntimeError(f"gb30871.json hot_work grades {tuple(GRADES)} != {GRADE_ORDER}")


def grade_of(grade: object) -> Grade:
    """Return the `Grade` for a key.

    Raises:
        UnknownGradeError: not `special`, `grade1` or `grade2`.
    """
    if not isinstance(grade, str) or grade not in GRADES:
        raise UnknownGradeError(grade)
    return GRADES[grade]


def validity(grade: str) -> timedelta:
    """The longest a permit of `grade` may run (GB 30871-2022 5.1.5): 8 h, 8 h or 72 h."""
    return grade_of(grade).validity


def valid_until(grade: str, activated_at: datetime, planned_end: datetime) -> datetime:
    """When a hot-work permit expires: activation plus the grade's validity (5.1.5), but
    never after the planned end the approvers signed for (4.16: a longer job needs a new
    permit)."""
    start = require_aware(activated_at, "activated_at")
    end = require_aware(planned_end, "planned_end")
    return min(start + validity(grade), end)


def upgraded_grade(grade: str) -> str:
    """The grade one step up: grade2 -> grade1 -> special; special stays special.

    GB 30871-2022 5.1.1 says 升级管理 without naming the step; one grade up is the usual
    reading.
    """
    position = GRADE_ORDER.index(grade_of(grade).key)
    return GRADE_ORDER[max(position - 1, 0)]


def _check_wind_force(wind_force: object) -> int:
    if isinstance(wind_force, bool) or not isinstance(wind_force, int):
        raise InvalidValueError("wind_force", wind_force, "must be a Beaufort number (integer)")
    if not 0 <= wind_force <= BEAUFORT_MAX:
        raise InvalidValueError("wind_force", wind_force, f"must be 0 to {BEAUFORT_MAX}")
    return wind_force


def is_outdoor_hot_work_banned(wind_force: int, outdoor: bool) -> bool:
    """True if wind of force 5 or more forbids the hot work (GB 30871-2022 5.2.15).

    Only outdoor work is concerned. If the work cannot wait it may go ahead one grade up,
    which `upgrade_reasons` reports as `wind_force_5`.
    """
    return bool(outdoor) and _check_wind_force(wind_force) >= OUTDOOR_BAN_WIND_FORCE


def upgrade_reasons(
    planned_start: datetime,
    planned_end: datetime,
    *,
    outdoor: bool,
    wind_force: int,
    tz: str | tzinfo = DEFAULT_PLANT_TZ,
    night_start: time = DEFAULT_NIGHT_START,
    night_end: time = DEFAULT_NIGHT_END,
) -> list[str]:
    """Why a hot-work job must be managed one grade up (GB 30871-2022 5.1.1, 5.2.15).

    Any part of the planned window [start, end) counts, in the plant's time zone `tz`:

    - `night`: it overlaps the plant's night (default 20:00–06:00);
    - `holiday`: it touches a day off of a public holiday period;
    - `rest_day`: it touches a weekend day that is neither a holiday nor an adjusted
      working day (a holiday is reported as `holiday` only, not twice);
    - `wind_force_5`: outdoor work with wind of force 5 or more.

    Returns:
        The codes in `UPGRADE_REASONS` order; empty when no upgrade is needed.

    Raises:
        NaiveDatetimeError, InvalidValueError (end not after start, bad wind force),
        CalendarYearError (a date outside the holiday data).
    """
    days = local_dates(planned_start, planned_end, tz)
    found: set[str] = set()
    if overlaps_night(planned_start, planned_end, tz, night_start=night_start, night_end=night_end):
        found.add(NIGHT)
    for day in days:
        if is_holiday(day):
            found.add(HOLIDAY)
        elif is_rest_day(day):
            found.add(REST_DAY)
    if is_outdoor_hot_work_banned(wind_force, outdoor):
        found.add(WIND_FORCE_5)
    return [code for code in UPGRADE_REASONS if code in found]


@dataclass(frozen=True)
class ChecklistItem:
    """One item of the Form A.1 checklist. `required_grades`: the grades for which it must
    be confirmed; for the others it may be marked not applicable (不涉及)."""

    key: str
    form_item: int
    clause: str
    label_zh: str
    label_en: str
    required_grades: frozenset[str]

    def is_na_allowed(self, grade: str) -> bool:
        """True if the item may be marked not applicable for `grade`."""
        return grade_of(grade).key not in self.required_grades


CHECKLIST: Final[Mapping[str, ChecklistItem]] = MappingProxyType(
    {
        raw["key"]: ChecklistItem(
            key=raw["key"],
            form_item=raw["form_item"],
            clause=raw["clause"],
            label_zh=raw["label_zh"],
            label_en=raw["label_en"],
            required_grades=frozenset(raw["required_grades"]),
        )
        for raw in data.load("checklists.json")["hot_work"]["items"]
    }
)
"""The 16 items of Form A.1 by key, in form order."""


def required_checklist_items(grade: str) -> tuple[str, ...]:
    """The checklist keys that `grade` may not mark not applicable, in form order."""
    return tuple(key for key, item in CHECKLIST.items() if not item.is_na_allowed(grade))
