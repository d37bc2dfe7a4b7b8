"""Dynamic thresholds: defaults from data, overrides the safety department stores.

Each top-level key of ``data/thresholds.json`` can be replaced as a whole; what is stored
is validated first, so a bad edit is refused (422) instead of breaking the checks.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock

from . import auditing, catalog
from .errors import NotAllowed, ValidationFailed
from .models import Person, ThresholdSetting

DEFAULTS = Path(__file__).parent / "data" / "thresholds.json"
KEYS = ("fatigue", "rest", "calibration_warning_days")
PERIODS = ("calendar_month",)
ROLES = ("worker", "applicant", "any")


@cache
def defaults() -> dict[str, Any]:
    raw = json.loads(DEFAULTS.read_text(encoding="utf-8"))
    return {k: raw[k] for k in KEYS}


def current(session: Session) -> dict[str, Any]:
    values = dict(defaults())
    for row in session.execute(select(ThresholdSetting)).scalars():
        if row.key in KEYS:
            values[row.key] = row.value
    return values


def _int(value: Any, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def validate(key: str, value: Any) -> list[str]:
    """Problems with a proposed value for ``key`` (empty when it may be stored)."""
    if key == "calibration_warning_days":
        return [] if _int(value, 0, 365) else ["a whole number of days, 0–365"]
    if key == "rest":
        if not isinstance(value, dict):
            return ["an object with long_job_hours, min_rest_hours, permit_types"]
        problems = [f"{k}: hours 0–72" for k in ("long_job_hours", "min_rest_hours")
                    if not _int(value.get(k), 0, 72)]
        problems += _types(value.get("permit_types"))
        return problems
    if key == "fatigue":
        if not isinstance(value, list):
            return ["a list of rules"]
        problems: list[str] = []
        for i, rule in enumerate(value):
            if not isinstance(rule, dict) or not isinstance(rule.get("key"), str):
                problems.append(f"{i}: a rule needs a key")
                continue
            if not _int(rule.get("warn_at"), 2, 100):
                problems.append(f"{i}.warn_at: a whole number 2–100")
            if rule.get("period", "calendar_month") not in PERIODS:
                problems.append(f"{i}.period: one of {', '.join(PERIODS)}")
            if rule.get("role", "worker") not in ROLES:
                problems.append(f"{i}.role: one of {', '.join(ROLES)}")
            if not isinstance(rule.get("match", {}), dict):
                problems.append(f"{i}.match: an object")
            problems += [f"{i}.{p}" for p in _types(rule.get("permit_types"))]
        return problems
    return [f"unknown setting; one of {', '.join(KEYS)}"]


def _types(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        return ["permit_types: a non-empty list"]
    unknown = [t for t in value if catalog.permit_type(t) is None]
    return [f"permit_types: unknown {', '.join(map(str, unknown))}"] if unknown else []


def update(session: Session, changes: dict[str, Any], *, actor: Person) -> dict[str, Any]:
    """Store overrides (safety department, admin); every key is validated first."""
    if not actor.has_role("safety_dept", "safety_director", "admin"):
        raise NotAllowed("only the safety department changes thresholds")
    errors = {key: problems for key, value in changes.items()
              if (problems := validate(key, value))}
    if not changes:
        errors["(body)"] = [f"send one or more of {', '.join(KEYS)}"]
    if errors:
        raise ValidationFailed(errors, code="thresholds_invalid")
    now = clock.now()
    for key, value in changes.items():
        row = session.get(ThresholdSetting, key) or ThresholdSetting(key=key)
        row.value, row.updated_by, row.updated_at = value, actor.username, now
        session.add(row)
    auditing.record(session, "thresholds.changed", by=actor, data=changes)
    session.flush()
    return current(session)
