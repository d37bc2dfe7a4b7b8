"""Re-test rules (processes.rules.retest): GB 30871-2022 5.3.4, 6.3, 6.5."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processes.rules import retest
from processes.rules.errors import (
    InvalidValueError,
    NaiveDatetimeError,
    UnknownGradeError,
    UnknownPermitTypeError,
)

CST = timezone(timedelta(hours=8))
SAMPLE = datetime(2025, 3, 12, 9, 0, tzinfo=CST)


def required(permit_type: str, grade: str | None, *, after: timedelta, pause: float = 0, **kw):
    return retest.is_retest_required(permit_type, grade, SAMPLE, SAMPLE + after, pause, **kw)


@pytest.mark.parametrize(("grade", "allowed"), [("special", 30), ("grade1", 30), ("grade2", 60)])
def test_hot_work_break(grade: str, allowed: int) -> None:
    assert retest.break_limit("hot_work", grade) == timedelta(minutes=allowed)
    hour = timedelta(hours=1)
    assert required("hot_work", grade, after=hour, pause=allowed) is None
    assert required("hot_work", grade, after=hour, pause=allowed + 1) == "break_exceeded"
    assert required("hot_work", grade, after=hour, pause=allowed + 0.5) == "break_exceeded"


def test_confined_space_break() -> None:
    assert retest.break_limit("confined_space") == timedelta(minutes=60)
    assert required("confined_space", None, after=timedelta(minutes=90), pause=60) is None
    assert required("confined_space", None, after=timedelta(minutes=90), pause=61) == (
        "break_exceeded"
    )


def test_hot_work_new_calendar_day() -> None:
    late = datetime(2025, 3, 12, 23, 50, tzinfo=CST)
    next_morning = datetime(2025, 3, 13, 0, 10, tzinfo=CST)
    assert retest.is_retest_required("hot_work", "grade2", late, next_morning) == "new_day"
    assert retest.is_retest_required("hot_work", "grade2", SAMPLE, late) is None


def test_new_day_is_a_plant_local_day() -> None:
    # 15:50 and 16:10 UTC are 23:50 and 00:10 in Shanghai
    last = datetime(2025, 3, 12, 15, 50, tzinfo=UTC)
    now = datetime(2025, 3, 12, 16, 10, tzinfo=UTC)
    assert retest.is_retest_required("hot_work", "grade1", last, now) == "new_day"
    assert retest.is_retest_required("hot_work", "grade1", last, now, plant_tz="UTC") is None


def test_confined_space_has_no_daily_rule_but_logs_every_2_h() -> None:
    assert required("confined_space", None, after=timedelta(minutes=119)) is None
    assert required("confined_space", None, after=timedelta(hours=2)) == "monitoring_log_due"
    assert retest.monitoring_interval("confined_space", None) == timedelta(hours=2)


def test_special_hot_work_is_continuously_monitored_without_log_interval() -> None:
    assert retest.requires_continuous_monitoring("hot_work", "special")
    assert not retest.requires_continuous_monitoring("hot_work", "grade1")
    assert not retest.requires_continuous_monitoring("hot_work", "grade2")
    assert retest.requires_continuous_monitoring("confined_space")
    assert retest.monitoring_interval("hot_work", "special") is None
    assert retest.monitoring_interval("hot_work", "grade2") is None
    assert required("hot_work", "special", after=timedelta(hours=7)) is None


def test_no_sample_on_record() -> None:
    now = SAMPLE
    assert retest.is_retest_required("hot_work", "grade1", None, now) == "no_sample"
    assert retest.is_retest_required("confined_space", None, None, now) == "no_sample"


def test_first_reason_wins() -> None:
    next_day = timedelta(days=1)
    assert required("hot_work", "grade2", after=next_day, pause=120) == "new_day"
    assert required("confined_space", None, after=timedelta(hours=3), pause=90) == (
        "break_exceeded"
    )


@pytest.mark.parametrize(
    "permit_type", ["lifting", "work_at_height", "temporary_power", "blind_plate", "road_closure"]
)
def test_types_without_retest_rule(permit_type: str) -> None:
    assert required(permit_type, None, after=timedelta(days=3), pause=500) is None
    assert retest.is_retest_required(permit_type, None, None, SAMPLE) is None
    assert retest.monitoring_interval(permit_type) is None
    assert retest.break_limit(permit_type) is None
    assert not retest.requires_continuous_monitoring(permit_type)
    assert retest.next_sample_due(permit_type, None, SAMPLE) is None


def test_unknown_permit_type_and_grade() -> None:
    with pytest.raises(UnknownPermitTypeError):
        required("welding", None, after=timedelta(0))
    with pytest.raises(UnknownGradeError):
        required("hot_work", None, after=timedelta(0))
    with pytest.raises(UnknownGradeError):
        retest.break_limit("hot_work", "grade3")


@pytest.mark.parametrize("pause", [-1, float("nan"), float("inf"), "30", True])
def test_bad_break(pause: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        required("hot_work", "grade1", after=timedelta(0), pause=pause)  # type: ignore[arg-type]
    assert info.value.field == "break_minutes"


def test_none_break_means_no_break() -> None:
    assert required("hot_work", "grade1", after=timedelta(minutes=5), pause=None) is None  # type: ignore[arg-type]


def test_naive_and_iso_datetimes() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        retest.is_retest_required("hot_work", "grade1", datetime(2025, 3, 12, 9), SAMPLE)
    assert info.value.field == "last_sample_at"
    assert (
        retest.is_retest_required(
            "confined_space", None, "2025-03-12T09:00:00+08:00", "2025-03-12T11:00:00+08:00"
        )
        == "monitoring_log_due"
    )


def test_next_sample_due() -> None:
    assert retest.next_sample_due("confined_space", None, SAMPLE) == SAMPLE + timedelta(hours=2)
    midnight = datetime(2025, 3, 13, 0, 0, tzinfo=CST)
    assert retest.next_sample_due("hot_work", "grade2", SAMPLE) == midnight
    late = datetime(2025, 3, 12, 23, 0, tzinfo=CST)
    assert retest.next_sample_due("hot_work", "special", late) == midnight


@given(st.sampled_from(["special", "grade1", "grade2"]), st.integers(0, 24 * 60))
def test_break_rule_is_a_threshold(grade: str, pause: int) -> None:
    limit = retest.break_limit("hot_work", grade)
    assert limit is not None
    got = required("hot_work", grade, after=timedelta(minutes=1), pause=pause)
    assert (got == "break_exceeded") == (timedelta(minutes=pause) > limit)


@given(st.integers(0, 48 * 60))
def test_due_time_agrees_with_the_check(minutes: int) -> None:
    # Without a break, a re-test is required exactly from the due time on.
    for permit_type, grade in [("hot_work", "grade2"), ("confined_space", None)]:
        now = SAMPLE + timedelta(minutes=minutes)
        due = retest.next_sample_due(permit_type, grade, SAMPLE)
        assert due is not None
        assert (retest.is_retest_required(permit_type, grade, SAMPLE, now) is not None) == (
            now >= due
        )
