"""Recording a gas test: judge the readings against GB 30871 and keep them as evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from .errors import ValidationFailed
from .models import GasReading, Permit, Upload
from .rules import gas_test
from .rules.errors import RuleError
from .rules.gases import resolve_gas
from .types import rules_for


def record_test(session: Session, permit: Permit, *, step: str, readings: list[dict[str, Any]],
                instrument_id: str, photo: str, recorded_by: str | None, now: datetime,
                oxygen_enriched: bool = False, required_gases: Sequence[str] = ()
                ) -> gas_test.GasVerdict:
    """Store a passing test; refuse a failing one with each reading's reason, located.

    Sampling must fall within 30 minutes before the reference time (GB 30871 5.3.4).
    ``required_gases`` (gas-table keys) must each have a reading: a confined-space test
    covers the toxic and flammable gases the application names (Form A.2).
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
    measured = {r.gas for r in verdict.results}
    for key in required_gases:
        if key not in measured:
            gas = resolve_gas(key)
            errors.setdefault("readings", []).append(
                f"缺少{gas.name_zh}（{gas.formula or key}）的检测结果，申请中已列明 / "
                f"no reading of {gas.name_en}, named on the application")
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


def record_for_permit(session: Session, permit: Permit, *, step: str,
                      data: dict[str, Any], recorded_by: str | None,
                      now: datetime) -> gas_test.GasVerdict:
    """``record_test`` with the context the permit's type gives its gas tests (an
    oxygen-enriched space, the gases the application names)."""
    context = rules_for(permit.type).gas_context(permit)
    return record_test(session, permit, step=step, readings=data.get("readings") or [],
                       instrument_id=data.get("instrument_id") or "",
                       photo=data.get("photo") or "", recorded_by=recorded_by, now=now,
                       oxygen_enriched=bool(context.get("oxygen_enriched")),
                       required_gases=tuple(context.get("required_gases") or ()))
