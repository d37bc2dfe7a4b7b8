"""Turning domain refusals into engine refusals (the step rolls back, the user sees why)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from engine import Refusal
from processes.errors import Conflict, ValidationFailed


@contextmanager
def refusing() -> Iterator[None]:
    try:
        yield
    except ValidationFailed as exc:
        raise Refusal(exc.errors, code=exc.code, details=exc.details) from None
    except Conflict as exc:
        raise Refusal({"permit": [exc.reason]}, code="conflict") from None
