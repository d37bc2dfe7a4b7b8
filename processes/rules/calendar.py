"""Plant calendar: holidays, rest days and night, as GB 30871-2022 5.1.1 needs them.

Hot work on holidays, rest days or at night is managed one grade up (5.1.1). Whether a day
is a holiday or a rest day in China depends on the State Council's yearly notice, so the
days are data (`data/holidays_cn.json`); "night" is a plant setting whose defaults
(20:00–06:00, Asia/Shanghai) are below and can be overridden per call until configuration
carries them.

Every datetime must carry a UTC offset: the rules never guess which time zone a naive
datetime meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Final
from zoneinfo import ZoneInfo

from processes.rules import data
from processes.rules.errors import CalendarYearError, InvalidValueError, NaiveDatetimeError

DEFAULT_PLANT_TZ: Final = "Asia/Shanghai"
DEFAULT_NIGHT_START: Final = time(20, 0)
DEFAULT_NIGHT_END: Final = time(6, 0)

OFFICIAL: Final = "official"
PROVISIONAL: Final = "provisional"


@dataclass(frozen=True)
class Holiday:
    """One holiday period of the notice (start and end inclusive)."""

    name_zh: str
    name_en: str
    start: date
    end: date


@dataclass(frozen=True)
class CalendarYear:
    """The holidays and adjusted working days (调休上班) of one year."""

    year: int
    status: str
    source: str
    holidays: tuple[Holiday, ...]
    adjusted_working_days: frozenset[date]

    @property
    def is_provisional(self) -> bool:
        """True while the year holds only statutory days, not the official notice."""
        return self.status == PROVISIONAL


def _load() -> Mapping[int, CalendarYear]:
    years: dict[int, CalendarYear] = {}
    for key, raw in data.load("holidays_cn.json")["years"].items():
        year = int(key)
        holidays = tuple(
            Holiday(
                name_zh=h["name_zh"],
                name_en=h["name_en"],
                start=date.fromisoformat(h["start"]),
                end=date.fromisoformat(h["end"]),
            )
            for h in raw["holidays"]
        )
        working = frozenset(date.fromisoformat(d) for d in raw["adjusted_working_days"])
        if raw["status"] not in (OFFICIAL, PROVISIONAL):
            raise RuntimeError(f"holidays_cn.json {year}: unknown status {raw['status']!r}")
        years[year] = CalendarYear(year, raw["status"], raw["source"], holidays, working)
    return MappingProxyType(years)


YEARS: Final = _load()
"""The calendar by year, as loaded from `data/holidays_cn.json`."""


def covered_years() -> tuple[int, ...]:
    """The years the holiday data covers, in order."""
    return tuple(sorted(YEARS))


def calendar_year(year: int) -> CalendarYear:
    """Return the calendar of `year`.

    Raises:
        CalendarYearError: the year is not in the data; a guess could skip a 5.1.1 upgrade.
    """
    try:
        return YEARS[year]
    except KeyError:
        raise CalendarYearError(year, covered=covered_years()) from None


def _check_date(day: date) -> date:
    # datetime is a subclass of date but never equal to one: a datetime here would
    # silently miss every holiday, and which local date it means depends on the time zone.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise InvalidValueError("date", day, "expected a date (convert to plant-local date first)")
    return day


def holiday_of(day: date) -> Holiday | None:
    """Return the holiday period `day` falls in, or None."""
    _check_date(day)
    for holiday in calendar_year(day.year).holidays:
        if holiday.start <= day <= holiday.end:
            return holiday
    return None


def is_holiday(day: date) -> bool:
    """True if `day` is a day off of a public holiday period (bridging days included)."""
    return holiday_of(day) is not None


def is_adjusted_working_day(day: date) -> bool:
    """True if `day` is a weekend day made a working day by the notice (调休上班)."""
    _check_date(day)
    return day in calendar_year(day.year).adjusted_working_days


def is_rest_day(day: date) -> bool:
    """True if nobody is scheduled to work on `day`: a holiday, or a weekend day that is not
    an adjusted working day. Used for the rest-day upgrade of GB 30871-2022 5.1.1."""
    if is_holiday(day):
        return True
    return day.weekday() >= 5 and not is_adjusted_working_day(day)


def resolve_tz(plant_tz: str | tzinfo) -> tzinfo:
    """Return a tzinfo for an IANA name (`Asia/Shanghai`) or pass a tzinfo through."""
    if isinstance(plant_tz, tzinfo):
        return plant_tz
    try:
        return ZoneInfo(plant_tz)
    except (ValueError, LookupError, TypeError) as exc:  # not-found is a KeyError
        raise InvalidValueError("plant_tz", plant_tz, "not an IANA time zone name") from exc


def require_aware(value: datetime | str, field: str) -> datetime:
    """Return `value` as an aware datetime; ISO 8601 strings must carry an offset.

    Raises:
        NaiveDatetimeError: no UTC offset.
        InvalidValueError: not a datetime or not ISO 8601.
    """
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidValueError(field, value, "not an ISO 8601 datetime") from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise InvalidValueError(field, value, "expected a datetime or an ISO 8601 string")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise NaiveDatetimeError(field, value)
    return parsed


def _check_night(start: time, end: time) -> None:
    if start == end:
        raise InvalidValueError("night", (start, end), "night start and end must differ")


def is_night(
    dt: datetime,
    plant_tz: str | tzinfo = DEFAULT_PLANT_TZ,
    *,
    start: time = DEFAULT_NIGHT_START,
    end: time = DEFAULT_NIGHT_END,
) -> bool:
    """True if `dt` falls at night in the plant's time zone (start inclusive, end exclusive).

    Night work is a reason to upgrade hot work (GB 30871-2022 5.1.1); the standard leaves the
    hours to the plant, so they are parameters. A night that wraps midnight (20:00–06:00) is
    the usual case; a window inside one day (00:00–05:00) works too.
    """
    _check_night(start, end)
    local = require_aware(dt, "dt").astimezone(resolve_tz(plant_tz)).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end


def local_dates(start: datetime, end: datetime, plant_tz: str | tzinfo) -> list[date]:
    """The plant-local calendar dates touched by the half-open window [start, end)."""
    tz = resolve_tz(plant_tz)
    first = require_aware(start, "start").astimezone(tz)
    last = require_aware(end, "end").astimezone(tz)
    if last <= first:
        raise InvalidValueError("end", end, "must be after start")
    last_day = (last - timedelta(microseconds=1)).date()
    return [first.date() + timedelta(days=n) for n in range((last_day - first.date()).days + 1)]


def overlaps_night(
    start: datetime,
    end: datetime,
    plant_tz: str | tzinfo = DEFAULT_PLANT_TZ,
    *,
    night_start: time = DEFAULT_NIGHT_START,
    night_end: time = DEFAULT_NIGHT_END,
) -> bool:
    """True if any moment of the half-open window [start, end) is at night (see `is_night`)."""
    _check_night(night_start, night_end)
    tz = resolve_tz(plant_tz)
    first = require_aware(start, "start")
    last = require_aware(end, "end")
    days = local_dates(first, last, tz)
    # A night that begins the day before the window can reach into it.
    for day in [days[0] - timedelta(days=1), *days]:
        night_from = datetime.combine(day, night_start, tzinfo=tz)
        night_day = day + timedelta(days=1) if night_start > night_end else day
        night_to = datetime.combine(night_day, night_end, tzinfo=tz)
        if night_from < last and first < night_to:
            return True
    return False
