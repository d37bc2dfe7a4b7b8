"""Confined-space rules (processes.rules.confined_space): GB 30871-2022 4.13, 6.3, 6.5."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from processes.rules import confined_space as rules
from processes.rules.errors import InvalidValueError, NaiveDatetimeError

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 6, 3, 10, 0, tzinfo=CST)


@pytest.mark.parametrize(("volts", "wet", "allowed"), [
    (36, False, True), (36.5, False, False), (24, False, True),
    (12, True, True), (24, True, False),
])
def test_lighting_voltage(volts, wet, allowed):
    assert rules.is_lighting_voltage_allowed(volts, wet) is allowed


def test_lighting_voltage_must_be_a_number():
    with pytest.raises(InvalidValueError):
        rules.is_lighting_voltage_allowed(True, False)
    with pytest.raises(InvalidValueError):
        rules.is_lighting_voltage_allowed(-1, False)


@pytest.mark.parametrize(("age", "inside", "reason"), [
    (timedelta(minutes=30), 0, None),
    (timedelta(minutes=31), 0, rules.SAMPLE_TOO_OLD),
    (timedelta(minutes=90), 2, None),          # monitored while people are inside
    (timedelta(hours=2), 2, None),
    (timedelta(hours=2, minutes=1), 2, rules.MONITORING_LOG_DUE),
])
def test_entry_needs_a_fresh_or_monitored_atmosphere(age, inside, reason):
    assert rules.entry_refusal(NOW - age, NOW, people_inside=inside) == reason


def test_entry_without_any_sample_and_with_naive_times():
    assert rules.entry_refusal(None, NOW, people_inside=0) == rules.NO_SAMPLE
    with pytest.raises(NaiveDatetimeError):
        rules.entry_refusal(datetime(2026, 6, 3, 9, 50), NOW, people_inside=0)
