"""Plant calendar (processes.rules.calendar): holidays, rest days, night."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processes.rules import calendar
from processes.rules.errors import CalendarYearError, InvalidValueError, NaiveDatetimeError

CST = timezone(timedelta(hours=8))


def test_covered_years() -> None:
    assert calendar.covered_years() == (2025, 2026, 2027)


def test_2027_is_provisional_and_says_so() -> None:
    year = calendar.calendar_year(2027)
    assert year.is_provisional
    assert not calendar.calendar_year(2025).is_provisional
    assert not calendar.calendar_year(2026).is_provisional


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-01",
        "2025-01-28",  # 除夕
        "2025-02-04",
        "2025-04-04",
        "2025-05-05",
        "2025-06-02",
        "2025-10-08",
        "2026-01-02",
        "2026-02-15",
        "2026-02-23",
        "2026-05-05",
        "2026-06-19",
        "2026-09-25",
        "2026-10-07",
        "2027-01-01",
        "2027-02-05",  # 除夕 (provisional: statutory days)
        "2027-02-08",
        "2027-10-03",
    ],
)
def test_holidays(day: str) -> None:
    assert calendar.is_holiday(date.fromisoformat(day))
    assert calendar.is_rest_day(date.fromisoformat(day))


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ],
)
def test_adjusted_working_days_are_not_rest_days(day: str) -> None:
    d = date.fromisoformat(day)
    assert d.weekday() >= 5
    assert calendar.is_adjusted_working_day(d)
    assert not calendar.is_rest_day(d)
    assert not calendar.is_holiday(d)


def test_ordinary_days() -> None:
    assert not calendar.is_rest_day(date(2025, 3, 12))  # Wednesday
    assert calendar.is_rest_day(date(2025, 3, 15))  # Saturday
    assert calendar.is_rest_day(date(2025, 3, 16))  # Sunday
    assert not calendar.is_holiday(date(2025, 3, 15))


def test_holiday_of_names_the_period() -> None:
    holiday = calendar.holiday_of(date(2025, 10, 6))
    assert holiday is not None
    assert holiday.name_zh == "国庆节、中秋节"
    assert holiday.start == date(2025, 10, 1)
    assert calendar.holiday_of(date(2025, 10, 9)) is None


def test_official_holiday_totals() -> None:
    def days(year: int) -> int:
        return sum((h.end - h.start).days + 1 for h in calendar.calendar_year(year).holidays)

    # 2025: 1 + 8 + 3 + 5 + 3 + 8; 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert days(2025) == 28
    assert days(2026) == 33
    # 2027 statutory only: 元旦 1, 春节 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3
    assert days(2027) == 13


def test_data_is_consistent() -> None:
    for year in calendar.YEARS.values():
        for holiday in year.holidays:
            assert holiday.start <= holiday.end
            assert holiday.start.year == year.year
        for day in year.adjusted_working_days:
            assert day.year == year.year
            assert day.weekday() >= 5, day
            assert calendar.holiday_of(day) is None


def test_year_outside_the_data_is_refused() -> None:
    with pytest.raises(CalendarYearError) as info:
        calendar.is_rest_day(date(2028, 1, 1))
    assert info.value.year == 2028
    assert info.value.covered == (2025, 2026, 2027)
    assert "2028" in str(info.value)


def test_datetime_is_not_a_date() -> None:
    with pytest.raises(InvalidValueError):
        calendar.is_holiday(datetime(2025, 1, 1, tzinfo=CST))  # type: ignore[arg-type]


# Night -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "night"),
    [
        ("19:59:59", False),
        ("20:00", True),
        ("23:30", True),
        ("00:00", True),
        ("05:59", True),
        ("06:00", False),
        ("12:00", False),
    ],
)
def test_default_night_is_20_to_6_shanghai(local: str, night: bool) -> None:
    dt = datetime.combine(date(2025, 3, 12), time.fromisoformat(local), tzinfo=CST)
    assert calendar.is_night(dt) is night


def test_night_uses_plant_time_zone() -> None:
    # 13:00 UTC is 21:00 in Shanghai
    assert calendar.is_night(datetime(2025, 3, 12, 13, 0, tzinfo=UTC))
    assert not calendar.is_night(datetime(2025, 3, 12, 13, 0, tzinfo=UTC), "UTC")
    assert not calendar.is_night(datetime(2025, 3, 12, 13, 0, tzinfo=UTC), UTC)


def test_night_hours_are_parameters() -> None:
    dt = datetime(2025, 3, 12, 21, 0, tzinfo=CST)
    assert not calendar.is_night(dt, start=time(22), end=time(5))
    assert calendar.is_night(datetime(2025, 3, 12, 1, tzinfo=CST), start=time(0), end=time(5))
    assert not calendar.is_night(datetime(2025, 3, 12, 23, tzinfo=CST), start=time(0), end=time(5))


def test_empty_night_is_a_setting_error() -> None:
    with pytest.raises(InvalidValueError):
        calendar.is_night(datetime(2025, 3, 12, 1, tzinfo=CST), start=time(6), end=time(6))


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        calendar.is_night(datetime(2025, 3, 12, 21))
    assert info.value.field == "dt"


def test_bad_time_zone() -> None:
    with pytest.raises(InvalidValueError) as info:
        calendar.resolve_tz("Mars/Olympus")
    assert info.value.field == "plant_tz"


def test_require_aware() -> None:
    assert calendar.require_aware("2025-05-06T09:00:00+08:00", "x") == datetime(
        2025, 5, 6, 9, tzinfo=CST
    )
    assert calendar.require_aware("2025-05-06T01:00:00Z", "x") == datetime(
        2025, 5, 6, 9, tzinfo=CST
    )
    with pytest.raises(NaiveDatetimeError):
        calendar.require_aware("2025-05-06T09:00:00", "x")
    with pytest.raises(InvalidValueError):
        calendar.require_aware("soon", "x")
    with pytest.raises(InvalidValueError):
        calendar.require_aware(1234, "x")  # type: ignore[arg-type]


def test_local_dates_half_open() -> None:
    start = datetime(2025, 3, 12, 22, tzinfo=CST)
    assert calendar.local_dates(start, datetime(2025, 3, 13, 0, tzinfo=CST), CST) == [
        date(2025, 3, 12)
    ]
    assert calendar.local_dates(start, datetime(2025, 3, 14, 1, tzinfo=CST), CST) == [
        date(2025, 3, 12),
        date(2025, 3, 13),
        date(2025, 3, 14),
    ]
    with pytest.raises(InvalidValueError):
        calendar.local_dates(start, start, CST)


def test_overlaps_night() -> None:
    day = date(2025, 3, 12)

    def at(h: int, m: int = 0, d: date = day) -> datetime:
        return datetime.combine(d, time(h, m), tzinfo=CST)

    assert not calendar.overlaps_night(at(8), at(17))
    assert not calendar.overlaps_night(at(6), at(20))  # half-open: ends as night starts
    assert calendar.overlaps_night(at(6), at(20, 1))
    assert calendar.overlaps_night(at(5, 59), at(12))  # the night before reaches in
    assert calendar.overlaps_night(at(8), at(8, d=day + timedelta(days=1)))
    assert calendar.overlaps_night(at(1), at(2), night_start=time(0), night_end=time(5))
    assert not calendar.overlaps_night(at(6), at(23), night_start=time(0), night_end=time(5))


_instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 30), timezones=st.just(UTC)
)


@given(_instants, st.integers(1, 72 * 60))
def test_overlaps_night_agrees_with_minute_sampling(start: datetime, minutes: int) -> None:
    start = start.replace(second=0, microsecond=0)
    end = start + timedelta(minutes=minutes)
    sampled = any(calendar.is_night(start + timedelta(minutes=n)) for n in range(0, minutes))
    assert calendar.overlaps_night(start, end) == sampled


@given(_instants)
def test_is_night_same_in_any_offset(instant: datetime) -> None:
    assert calendar.is_night(instant) == calendar.is_night(
        instant.astimezone(ZoneInfo("America/New_York"))
    )
