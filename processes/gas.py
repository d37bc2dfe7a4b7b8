"""Recording a gas test: judge the readings against GB 30871 and keep them as evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .errors import ValidationFailed
from .models import GasReading, Permit, Upload
from .rules import gas_test
from .rules.errors import RuleError


def record_test(session: Session, permit: Permit, *, step: str, readings: list[dict[str, Any]],
                instrument_id: str, photo: str, recorded_by: str | None, now: datetime,
                oxygen_enriched: bool = False) -> gas_test.GasVerdict:
    """Store a passing test; refuse a failing one with each reading's reason, located.

    Sampling must fall within 30 minutes before the reference time (GB 30871 5.3.4).
    """
    errors: dict[str, list[str]] = {}
    if not instrument_id or not str(instrument_id).strip():
        errors["instrument_id"] = ["name the gas detector used"]
    if not photo or session.get(Upload, photo) is None:
        errors["photo"] = ["attach a photo of the instrument screen (upload it first)"]
    # Before the job starts the reference is the planned start (or now, if that has
    # passed); a re-test during the job is judged against the moment it is made.
    reference = max(permit.planned_start, now) if permit.activated_at is None else now
    try:
        verdict = gas_test.evaluate_readings(readings, context={
            "permit_type": permit.type, "planned_start": reference, "now": now,
            "oxygen_enriched": oxygen_enriched})
    except RuleError as exc:
        errors.setdefault(f"readings.{exc.field}" if exc.field else "readings",
                          []).append(str(exc))
        raise ValidationFailed(errors, code="gas_test_invalid") from None
    for result in verdict.failed:
        field = "sampled_at" if result.reason in ("sampled_too_early", "sampled_after_start",
                                                  "sampled_in_future") else "value"
        errors.setdefault(f"readings.{result.index}.{field}", []).append(result.message)
    for problem in verdict.problems:
        errors.setdefault("readings", []).append(problem.message)
    if errors:
        raise ValidationFailed(errors, code="gas_test_failed",
                               details=[r.to_dict() for r in verdict.results])
    for result in verdict.results:
        session.add(GasReading(
            permit_id=permit.id, step=step, gas=result.gas, value=result.value,
            unit=result.unit, value_percent_vol=result.value_percent_vol,
            limit=result.limit.basis[:60] if result.limit else None, passed=True,
            reason=None, sampled_at=result.sampled_at, point=result.point,
            instrument_id=str(instrument_id), photo_id=photo, recorded_by=recorded_by,
            recorded_at=now))
    if step == "gas_retest":  # the watcher re-confirms presence with every re-test
        from .supervision import presence

        presence.request_reconfirmation(session, permit, now, "gas_retest")
    return verdict
