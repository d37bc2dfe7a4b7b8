"""Errors raised by the GB 30871 rule layer.

One tree, rooted at `RuleError` (a `ValueError`, because every one of them means "this input
cannot be judged by the rules"). Each error carries the offending data as attributes and a
stable `code`, so the web layer can map it to a 422 field error and translate it without
parsing the English message.
"""

from __future__ import annotations

from typing import Any


class RuleError(ValueError):
    """Base of every error raised by `processes.rules`.

    Attributes:
        code: stable machine code, for translations and API responses.
        field: the input field the error is about, when there is one.
    """

    code = "rule_error"
    field: str | None = None


class UnknownGasError(RuleError):
    """The gas name is not in the gas table (`processes/rules/data/gases.json`)."""

    code = "unknown_gas"

    def __init__(self, gas: object, *, field: str | None = "gas") -> None:
        self.gas = gas
        self.field = field
        super().__init__(f"unknown gas {gas!r} in field {field!r}: not in the gas table")


class UnitError(RuleError):
    """The unit is unknown, or cannot be used for this gas (e.g. %LEL of oxygen)."""

    code = "bad_unit"

    def __init__(
        self, unit: object, *, gas: str | None = None, detail: str = "", field: str = "unit"
    ) -> None:
        self.unit = unit
        self.gas = gas
        self.detail = detail
        self.field = field
        where = f" for gas {gas!r}" if gas else ""
        why = f": {detail}" if detail else ""
        super().__init__(f"unit {unit!r} in field {field!r} cannot be used{where}{why}")


class NaiveDatetimeError(RuleError):
    """A datetime without a UTC offset: the rules never guess the plant's time zone."""

    code = "naive_datetime"

    def __init__(self, field: str, value: object) -> None:
        self.field = field
        self.value = value
        super().__init__(
            f"field {field!r} must be an ISO 8601 datetime with a UTC offset, got {value!r}"
        )


class InvalidValueError(RuleError):
    """A value of the right field but outside what the rules accept (type, range, format)."""

    code = "invalid_value"

    def __init__(self, field: str, value: Any, detail: str) -> None:
        self.field = field
        self.value = value
        self.detail = detail
        super().__init__(f"field {field!r} has invalid value {value!r}: {detail}")


class UnknownPermitTypeError(RuleError):
    """The permit type is unknown, or the rule asked for does not apply to it."""

    code = "unknown_permit_type"

    def __init__(
        self, permit_type: object, *, detail: str = "", field: str = "permit_type"
    ) -> None:
        self.permit_type = permit_type
        self.detail = detail
        self.field = field
        why = f": {detail}" if detail else ""
        super().__init__(f"permit type {permit_type!r} in field {field!r} not supported{why}")


class UnknownGradeError(RuleError):
    """The hot-work grade is not one of `special`, `grade1`, `grade2` (GB 30871-2022 5.1)."""

    code = "unknown_grade"

    def __init__(self, grade: object, *, field: str = "grade") -> None:
        self.grade = grade
        self.field = field
        super().__init__(
            f"unknown hot-work grade {grade!r} in field {field!r}: "
            "expected 'special', 'grade1' or 'grade2'"
        )


class CalendarYearError(RuleError):
    """The holiday calendar (`data/holidays_cn.json`) has no entry for this year.

    Raised rather than guessing, because a missing holiday silently skips the hot-work
    upgrade of GB 30871-2022 5.1.1.
    """

    code = "calendar_year_missing"

    def __init__(self, year: int, *, covered: tuple[int, ...] = ()) -> None:
        self.year = year
        self.covered = covered
        self.field = "date"
        super().__init__(
            f"no holiday calendar for year {year} in field 'date'; covered years: "
            f"{', '.join(map(str, covered)) or 'none'} (add it to data/holidays_cn.json)"
        )
