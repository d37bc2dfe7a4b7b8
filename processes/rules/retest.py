"""When a gas test must be repeated (GB 30871-2022 5.3.4, 6.3, 6.5).

- Hot work (5.3.4): re-test every calendar day before work starts, and after a break
  longer than 30 min (special, grade 1) or 60 min (grade 2). Special grade: continuous
  monitoring, for which the standard sets no logging interval. "Every day" is read
  conservatively: a job that runs past midnight (plant time) is re-tested too.
- Confined space (6.3, 6.5): re-test after a break longer than 60 min; continuous
  monitoring, logged every 2 h.

The numbers are in `data/gb30871.json` ("retest"). Other permit types have no re-test rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from numbers import Real
from types import MappingProxyType
from typing import Final

from processes.rules import data
from processes.rules.calendar import DEFAULT_PLANT_TZ, require_aware, resolve_tz
from processes.rules.errors import InvalidValueError
from processes.rules.hot_work import grade_of
from processes.rules.standard import check_permit_type

NO_SAMPLE: Final = "no_sample"
NEW_DAY: Final = "new_day"
BREAK_EXCEEDED: Final = "break_exceeded"
MONITORING_LOG_DUE: Final = "monitoring_log_due"

REASONS: Final = MappingProxyType(
    {
        NO_SAMPLE: "no gas sample on record",
        NEW_DAY: "hot work re-tested every calendar day before work (GB 30871-2022 5.3.4)",
        BREAK_EXCEEDED: "break longer than allowed without re-test (5.3.4, 6.3)",
        MONITORING_LOG_DUE: "continuous-monitoring log entry due (6.5: every 2 h)",
    }
)
"""Every reason code `is_retest_required` returns, in the order it checks them."""


@dataclass(frozen=True)
class RetestRule:
    """The re-test rule of one permit type; grade-dependent values keyed by grade."""

    permit_type: str
    clause: str
    daily: bool
    break_minutes: int | Mapping[str, int]
    continuous_monitoring: bool
    continuous_grades: frozenset[str] | None
    """The grades continuous monitoring is limited to; None: every permit of the type."""
    monitoring_interval: timedelta | None

    def is_monitored(self, grade: str | None) -> bool:
        """True if a permit of `grade` is under continuous monitoring."""
        grades = self.continuous_grades
        return self.continuous_monitoring and (grades is None or grade in grades)


def _load() -> Mapping[str, RetestRule]:
    rules = {}
    for key, raw in data.load("gb30871.json")["retest"].items():
        minutes = raw["monitoring_log_interval_minutes"]
        breaks = raw["break_minutes"]
        rules[key] = RetestRule(
            permit_type=key,
            clause=raw["clause"],
            daily=raw["daily"],
            break_minutes=MappingProxyType(breaks) if isinstance(breaks, dict) else breaks,
            continuous_monitoring=raw["continuous_monitoring"],
            continuous_grades=(
                frozenset(raw["continuous_monitoring_grades"])
                if "continuous_monitoring_grades" in raw
                else None
            ),
            monitoring_interval=None if minutes is None else timedelta(minutes=minutes),
        )
    return MappingProxyType(rules)


RULES: Final = _load()
"""Re-test rules by permit type (hot_work, confined_space)."""


def _rule(permit_type: str, grade: str | None) -> RetestRule | None:
    check_permit_type(permit_type)
    rule = RULES.get(permit_type)
    if rule is not None and isinstance(rule.break_minutes, Mapping):
        grade_of(grade)  # graded type: the grade must be valid
    return rule


def break_limit(permit_type: str, grade: str | None = None) -> timedelta | None:
    """The longest break after which work may resume without a new gas test, or None when
    the type has no re-test rule. Hot work: 30 min (special, grade1), 60 min (grade2),
    5.3.4; confined space: 60 min, 6.3."""
    rule = _rule(permit_type, grade)
    if rule is None:
        return None
    minutes = rule.break_minutes
    if isinstance(minutes, Mapping):
        minutes = minutes[grade_of(grade).key]
    return timedelta(minutes=minutes)


def requires_continuous_monitoring(permit_type: str, grade: str | None = None) -> bool:
    """True for special-grade hot work (5.3) and every confined-space job (6.5)."""
    rule = _rule(permit_type, grade)
    return rule is not None and rule.is_monitored(grade)


def monitoring_interval(permit_type: str, grade: str | None = None) -> timedelta | None:
    """How often continuous-monitoring readings must be logged: 2 h for confined space
    (6.5); None where the standard sets no interval (special hot work is monitored
    continuously but with no logging interval) or no monitoring at all."""
    rule = _rule(permit_type, grade)
    if rule is None or not rule.is_monitored(grade):
        return None
    return rule.monitoring_interval


def _check_break(break_minutes: object) -> float:
    if break_minutes is None:
        return 0.0
    if isinstance(break_minutes, bool) or not isinstance(break_minutes, Real):
        raise InvalidValueError("break_minutes", break_minutes, "must be a number of minutes")
    if not 0 <= float(break_minutes) < float("inf"):
        raise InvalidValueError("break_minutes", break_minutes, "must be >= 0")
    return float(break_minutes)


def is_retest_required(
    permit_type: str,
    grade: str | None,
    last_sample_at: datetime | str | None,
    now: datetime | str,
    break_minutes: float | None = 0,
    *,
    plant_tz: str | tzinfo = DEFAULT_PLANT_TZ,
) -> str | None:
    """Why a new gas test is needed before work goes on, or None if it is not.

    Parameters:
        permit_type, grade: the permit (grade only matters for hot work).
        last_sample_at: when the last accepted sample was taken; None if never.
        now: the current time (from the caller's clock).
        break_minutes: length of the interruption the work is resuming from; 0 or None
            when there was none.
        plant_tz: the plant's time zone, which decides what "a new day" is.

    Returns:
        `no_sample`, `new_day` (hot work, 5.3.4), `break_exceeded` (5.3.4, 6.3) or
        `monitoring_log_due` (6.5), the first that applies; None otherwise, and always None
        for permit types without a re-test rule.
    """
    rule = _rule(permit_type, grade)
    current = require_aware(now, "now")
    pause = _check_break(break_minutes)
    if rule is None:
        return None
    if last_sample_at is None:
        return NO_SAMPLE
    last = require_aware(last_sample_at, "last_sample_at")
    tz = resolve_tz(plant_tz)
    if rule.daily and last.astimezone(tz).date() < current.astimezone(tz).date():
        return NEW_DAY
    limit = break_limit(permit_type, grade)
    if limit is not None and timedelta(minutes=pause) > limit:
        return BREAK_EXCEEDED
    interval = monitoring_interval(permit_type, grade)
    if interval is not None and current - last >= interval:
        return MONITORING_LOG_DUE
    return None


def next_sample_due(
    permit_type: str,
    grade: str | None,
    last_sample_at: datetime | str,
    *,
    plant_tz: str | tzinfo = DEFAULT_PLANT_TZ,
) -> datetime | None:
    """The time by which a new sample is due if work runs without a break: the next
    monitoring log (6.5) or, for hot work, the start of the next plant-local day (5.3.4),
    whichever comes first. None when nothing is due by time alone. Feeds the "gas re-test
    due" timer."""
    rule = _rule(permit_type, grade)
    if rule is None:
        return None
    last = require_aware(last_sample_at, "last_sample_at")
    candidates = []
    interval = monitoring_interval(permit_type, grade)
    if interval is not None:
        candidates.append(last + interval)
    if rule.daily:
        tz = resolve_tz(plant_tz)
        next_day = last.astimezone(tz).date() + timedelta(days=1)
        candidates.append(datetime.combine(next_day, time(0), tzinfo=tz))
    return min(candidates, default=None)
