"""``gas.validate``: a gas test must pass GB 30871 limits before work may go on."""

from __future__ import annotations

from typing import Any

from engine import ServiceContext
from processes import gas, permits

from ._refusals import refusing


def validate(ctx: ServiceContext, permit_id: int, readings: list[dict[str, Any]],
             instrument_id: str, photo: str) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    with refusing():
        verdict = gas.record_for_permit(
            ctx.session, permit, step=_step_of(ctx),
            data={"readings": readings, "instrument_id": instrument_id, "photo": photo},
            recorded_by=ctx.actor, now=ctx.now)
    return {"passed": verdict.passed, "readings": len(verdict.results),
            "tested_at": ctx.now.isoformat()}


def _step_of(ctx: ServiceContext) -> str:
    # validate_gas follows gas_test, validate_retest follows gas_retest
    return "gas_retest" if "retest" in ctx.bpmn_id else "gas_test"


OPERATORS = {"gas.validate": validate}
