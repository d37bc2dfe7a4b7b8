"""``routing.auto_approve``: low-risk work is approved by rule, and says which rule."""

from __future__ import annotations

from typing import Any

from engine import ServiceContext
from processes import permits
from processes.models import PermitApproval


def auto_approve(ctx: ServiceContext, permit_id: int, risk: str) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    rule = f"{ctx.process_key}_routing"
    ctx.session.add(PermitApproval(
        permit_id=permit.id, step="auto_approve", role=None, decision="approve",
        person_id=None, rule=rule, rule_version=ctx.process_version,
        comment=f"risk {risk}: approved by rule", decided_at=ctx.now))
    permits.set_status(permit, "approved")
    return {"approved_by": "rule", "rule": rule, "rule_version": ctx.process_version,
            "risk": risk}


OPERATORS = {"routing.auto_approve": auto_approve}
