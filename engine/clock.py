"""One injectable clock for the engine, its timers and the domain.

SpiffWorkflow's timer module calls ``datetime.now(timezone.utc)`` directly. We replace the
``datetime`` name in that module with a subclass whose ``now`` reads the clock of the current
context, so tests (and the timer job) can move time without touching the library.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo


class Clock:
    """Real wall-clock time, always timezone-aware."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that only moves when told: for tests and benchmarks."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now = self._now + (delta or timedelta(**kwargs))
        return self._now


_current: contextvars.ContextVar[Clock] = contextvars.ContextVar("permitflow_clock")
_default = Clock()


def get_clock() -> Clock:
    return _current.get(_default)


def set_default_clock(clock: Clock) -> None:
    """Replace the process-wide clock (tests, benchmarks)."""
    global _default
    _default = clock


def now() -> datetime:
    return get_clock().now()


@contextlib.contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    token = _current.set(clock)
    try:
        yield clock
    finally:
        _current.reset(token)


class _ClockedDatetime(datetime):
    """What SpiffWorkflow's timer module sees as ``datetime``."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = get_clock().now()
        return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)


def install() -> None:
    """Make SpiffWorkflow's timers read our clock. Idempotent."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockedDatetime  # type: ignore[misc]


install()
