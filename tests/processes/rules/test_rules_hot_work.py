"""Hot-work rules (processes.rules.hot_work): GB 30871-2022 clause 5 and Form A.1."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processes.rules import hot_work
from processes.rules.errors import (
    CalendarYearError,
    InvalidValueError,
    NaiveDatetimeError,
    UnknownGradeError,
)

CST = timezone(timedelta(hours=8))


def at(day: str, hh: int, mm: int = 0) -> datetime:
    return datetime.fromisoformat(f"{day}T{hh:02d}:{mm:02d}:00+08:00")


def reasons(start: datetime, end: datetime, *, outdoor: bool = False, wind: int = 0, **kw):
    return hot_work.upgrade_reasons(start, end, outdoor=outdoor, wind_force=wind, **kw)


def test_grades_labels_and_validity() -> None:
    assert list(hot_work.GRADES) == ["special", "grade1", "grade2"]
    assert [g.label_zh for g in hot_work.GRADES.values()] == ["特级", "一级", "二级"]
    assert hot_work.validity("special") == timedelta(hours=8)
    assert hot_work.validity("grade1") == timedelta(hours=8)
    assert hot_work.validity("grade2") == timedelta(hours=72)


@pytest.mark.parametrize("grade", ["grade3", "Special", "", None, 1])
def test_unknown_grade(grade: object) -> None:
    with pytest.raises(UnknownGradeError) as info:
        hot_work.validity(grade)  # type: ignore[arg-type]
    assert info.value.grade == grade
    assert info.value.code == "unknown_grade"


def test_valid_until_is_capped_by_validity() -> None:
    activated = at("2025-03-12", 8)
    assert hot_work.valid_until("grade1", activated, at("2025-03-12", 18)) == at("2025-03-12", 16)
    assert hot_work.valid_until("grade2", activated, at("2025-03-20", 8)) == at("2025-03-15", 8)


def test_valid_until_is_capped_by_planned_end() -> None:
    activated = at("2025-03-12", 8)
    assert hot_work.valid_until("special", activated, at("2025-03-12", 11)) == at("2025-03-12", 11)


def test_valid_until_needs_offsets() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        hot_work.valid_until("grade2", datetime(2025, 3, 12, 8), at("2025-03-12", 11))
    assert info.value.field == "activated_at"


@given(
    st.sampled_from(["special", "grade1", "grade2"]),
    st.integers(0, 200 * 60),
    st.integers(-10 * 60, 200 * 60),
)
def test_valid_until_property(grade: str, offset: int, length: int) -> None:
    activated = at("2025-03-12", 0) + timedelta(minutes=offset)
    end = activated + timedelta(minutes=length)
    until = hot_work.valid_until(grade, activated, end)
    assert until <= end
    assert until <= activated + hot_work.validity(grade)
    assert until in (end, activated + hot_work.validity(grade))


def test_upgraded_grade() -> None:
    assert hot_work.upgraded_grade("grade2") == "grade1"
    assert hot_work.upgraded_grade("grade1") == "special"
    assert hot_work.upgraded_grade("special") == "special"


# Upgrade reasons (5.1.1, 5.2.15) --------------------------------------------------------------


def test_weekday_daytime_needs_no_upgrade() -> None:
    assert reasons(at("2025-03-12", 8), at("2025-03-12", 17)) == []


def test_night() -> None:
    assert reasons(at("2025-03-12", 8), at("2025-03-12", 21)) == ["night"]
    assert reasons(at("2025-03-12", 5), at("2025-03-12", 9)) == ["night"]
    assert reasons(at("2025-03-12", 8), at("2025-03-12", 20)) == []  # ends as night begins


def test_night_settings_pass_through() -> None:
    window = (at("2025-03-12", 8), at("2025-03-12", 21))
    assert reasons(*window, night_start=time(22), night_end=time(5)) == []


def test_rest_day() -> None:
    assert reasons(at("2025-03-15", 8), at("2025-03-15", 17)) == ["rest_day"]  # Saturday
    # Friday into Saturday morning: the window touches the weekend
    assert reasons(at("2025-03-14", 8), at("2025-03-15", 2)) == ["night", "rest_day"]


def test_holiday_is_not_reported_twice() -> None:
    assert reasons(at("2025-10-01", 8), at("2025-10-01", 17)) == ["holiday"]


def test_holiday_and_weekend_in_one_window() -> None:
    # Wed 2025-10-08 (last day of the holiday) 08:00 to Sun 2025-10-12 08:00: Sat 11th is
    # an adjusted working day, Sun 12th a plain rest day.
    got = reasons(at("2025-10-08", 8), at("2025-10-12", 8))
    assert got == ["night", "rest_day", "holiday"]


def test_adjusted_working_day_is_no_rest_day() -> None:
    assert reasons(at("2025-10-11", 8), at("2025-10-11", 17)) == []  # Saturday, 调休上班


def test_window_in_another_time_zone_is_judged_in_plant_time() -> None:
    # 2025-03-12 00:00-09:00 UTC = 08:00-17:00 Shanghai: a plain working day
    start = datetime(2025, 3, 12, 0, tzinfo=UTC)
    assert reasons(start, start + timedelta(hours=9)) == []
    assert reasons(start, start + timedelta(hours=9), tz="UTC") == ["night"]


def test_wind_force_5_counts_only_outdoors() -> None:
    window = (at("2025-03-12", 8), at("2025-03-12", 17))
    assert reasons(*window, outdoor=True, wind=5) == ["wind_force_5"]
    assert reasons(*window, outdoor=True, wind=4) == []
    assert reasons(*window, outdoor=False, wind=8) == []


def test_all_reasons_in_order() -> None:
    got = reasons(at("2025-05-01", 8), at("2025-05-03", 8), outdoor=True, wind=6)
    assert got == ["night", "holiday", "wind_force_5"]
    assert tuple(hot_work.UPGRADE_REASONS) == ("night", "rest_day", "holiday", "wind_force_5")


def test_upgrade_reasons_refuses_bad_input() -> None:
    with pytest.raises(InvalidValueError):
        reasons(at("2025-03-12", 17), at("2025-03-12", 8))
    with pytest.raises(NaiveDatetimeError):
        reasons(datetime(2025, 3, 12, 8), at("2025-03-12", 17))
    with pytest.raises(CalendarYearError):
        reasons(at("2028-03-12", 8), at("2028-03-12", 17))


@pytest.mark.parametrize(
    ("wind", "outdoor", "banned"),
    [(4, True, False), (5, True, True), (12, True, True), (5, False, False), (0, False, False)],
)
def test_outdoor_ban(wind: int, outdoor: bool, banned: bool) -> None:
    assert hot_work.is_outdoor_hot_work_banned(wind, outdoor) is banned


@pytest.mark.parametrize("wind", [-1, 18, 5.5, "5", True, None])
def test_bad_wind_force(wind: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        hot_work.is_outdoor_hot_work_banned(wind, True)  # type: ignore[arg-type]
    assert info.value.field == "wind_force"


@given(st.integers(0, 17), st.booleans())
def test_ban_matches_upgrade_reason(wind: int, outdoor: bool) -> None:
    got = reasons(at("2025-03-12", 8), at("2025-03-12", 17), outdoor=outdoor, wind=wind)
    assert ("wind_force_5" in got) == hot_work.is_outdoor_hot_work_banned(wind, outdoor)


@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(CST)
    ),
    st.integers(1, 72 * 60),
    st.integers(1, 72 * 60),
)
def test_longer_window_never_loses_a_reason(start: datetime, a: int, b: int) -> None:
    short, long = sorted((a, b))
    first = reasons(start, start + timedelta(minutes=short))
    second = reasons(start, start + timedelta(minutes=long))
    assert set(first) <= set(second)


# Checklist (Form A.1) ----------------------------------------------------------------------

KEYS = [
    "purged",
    "blinds_fitted",
    "drains_covered",
    "no_dike_draining",
    "spark_control_at_height",
    "lining_fire_barrier",
    "cylinders",
    "fire_kit",
    "welder_sited_earthed",
    "no_hazardous_ops_nearby",
    "distance_rules",
    "jha_done",
    "continuous_detector",
    "ex_camera",
    "other_permits",
    "other_measures",
]


def test_checklist_has_the_16_items_in_form_order() -> None:
    assert list(hot_work.CHECKLIST) == KEYS
    assert [item.form_item for item in hot_work.CHECKLIST.values()] == list(range(1, 17))
    for item in hot_work.CHECKLIST.values():
        assert item.label_zh and item.label_en


def test_special_grade_needs_detector_and_camera() -> None:
    camera = hot_work.CHECKLIST["ex_camera"]
    detector = hot_work.CHECKLIST["continuous_detector"]
    assert not camera.is_na_allowed("special")
    assert camera.is_na_allowed("grade1")
    assert camera.is_na_allowed("grade2")
    assert not detector.is_na_allowed("special")
    assert detector.is_na_allowed("grade1")


def test_required_items_grow_with_the_grade() -> None:
    special = set(hot_work.required_checklist_items("special"))
    grade1 = set(hot_work.required_checklist_items("grade1"))
    grade2 = set(hot_work.required_checklist_items("grade2"))
    assert grade2 == grade1 == {"fire_kit", "no_hazardous_ops_nearby", "distance_rules", "jha_done"}
    assert special == grade1 | {"continuous_detector", "ex_camera"}


def test_checklist_grade_is_checked() -> None:
    with pytest.raises(UnknownGradeError):
        hot_work.CHECKLIST["purged"].is_na_allowed("grade9")
