"""Confined-space rules besides gas limits (GB 30871-2022 clause 6, 4.13).

- Lighting (4.13): at most 36 V, at most 12 V in a wet or cramped space.
- Entry (6.3): the gas test is taken at most 30 min before entry. permitflow reads this as:
  whoever enters an *empty* space needs a passing sample no older than 30 min; while people
  are inside, continuous monitoring with a reading logged every 2 h (6.5, `retest`) keeps
  the space open.

The numbers are in `data/confined_space.json`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from numbers import Real
from typing import Final

from processes.rules import data
from processes.rules.calendar import require_aware
from processes.rules.errors import InvalidValueError
from processes.rules.retest import monitoring_interval

_DATA: Final = data.load("confined_space.json")
LIGHTING_MAX_VOLTS: Final = float(_DATA["lighting"]["max_volts"])
LIGHTING_MAX_VOLTS_WET: Final = float(_DATA["lighting"]["max_volts_wet_or_cramped"])
ENTRY_MAX_SINCE_TEST: Final = timedelta(minutes=_DATA["entry"]["max_minutes_since_gas_test"])

NO_SAMPLE: Final = "no_sample"
SAMPLE_TOO_OLD: Final = "sample_too_old"
MONITORING_LOG_DUE: Final = "monitoring_log_due"


def lighting_limit(wet_or_cramped: bool) -> float:
    """The highest lighting voltage allowed in the space (4.13): 36 V, or 12 V when wet or
    cramped."""
    return LIGHTING_MAX_VOLTS_WET if wet_or_cramped else LIGHTING_MAX_VOLTS


def is_lighting_voltage_allowed(volts: float, wet_or_cramped: bool) -> bool:
    """True if lamps of `volts` may be used in the space (4.13)."""
    if isinstance(volts, bool) or not isinstance(volts, Real) or volts < 0:
        raise InvalidValueError("voltage_v", volts, "must be a voltage >= 0")
    return float(volts) <= lighting_limit(wet_or_cramped)


def entry_refusal(last_sample_at: datetime | None, now: datetime, *,
                  people_inside: int) -> str | None:
    """Why nobody more may enter now, or None.

    Parameters:
        last_sample_at: the newest passing gas sample of the permit, None if none.
        now: the caller's clock.
        people_inside: the head count before this entry.

    Returns:
        `no_sample`, `sample_too_old` (empty space, sample older than 30 min, 6.3) or
        `monitoring_log_due` (people inside, the 2-hourly reading is overdue, 6.5).
    """
    current = require_aware(now, "now")
    if last_sample_at is None:
        return NO_SAMPLE
    last = require_aware(last_sample_at, "last_sample_at")
    if people_inside <= 0:
        return SAMPLE_TOO_OLD if current - last > ENTRY_MAX_SINCE_TEST else None
    interval = monitoring_interval("confined_space")
    if interval is not None and current - last > interval:
        return MONITORING_LOG_DUE
    return None
