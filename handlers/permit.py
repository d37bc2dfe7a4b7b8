"""Lifecycle operators: assess, grade, activate, expire, reject, close.

Each keeps the permit row (what people see) in step with the process.
"""

from __future__ import annotations

from typing import Any

from engine import Refusal, ServiceContext
from processes import linked, permits
from processes.rules.errors import RuleError
from processes.types import rules_for

from ._refusals import refusing


def assess(ctx: ServiceContext, permit_id: int) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    try:
        with refusing():
            facts = rules_for(permit.type).facts(ctx.session, permit, ctx.now)
    except RuleError as exc:
        raise Refusal({exc.field or "planned_start": [str(exc)]}, code=exc.code) from None
    permit.upgrade_reasons = facts["upgrade_reasons"]
    return facts


def set_grade(ctx: ServiceContext, permit_id: int, permit_grade: str, risk: str,
              approvals: int) -> dict[str, Any]:
    """Record what the grading and routing tables decided, with the rule version."""
    permit = permits.get(ctx.session, permit_id)
    permit.grade, permit.risk = permit_grade, risk
    permits.set_status(permit, "approving")
    limit = rules_for(permit.type).validity(permit)
    hours = limit.total_seconds() / 3600 if limit is not None else None
    return {"grade": permit_grade, "risk": risk, "approvals": approvals,
            "valid_hours": hours, "rule_version": ctx.process_version}


def activate(ctx: ServiceContext, permit_id: int) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    rules = rules_for(permit.type)
    with refusing():
        rules.check_activation(ctx.session, permit, ctx.now)
    permit.activated_at = ctx.now
    permit.valid_until = rules.valid_until(permit, ctx.now)
    permits.set_status(permit, "active")
    ctx.enqueue("notify.send", {
        "kind": "permit.active", "role": "team_leader", "site_code": permit.site_code,
        "permit_id": permit.id, "title": f"作业许可已生效 / Permit live: {permit.number}",
        "body": f"valid until {permit.valid_until.isoformat()}"})
    return {"valid_until": permit.valid_until.isoformat(),
            "retest_cycle": rules.retest_cycle(permit)}


def expire(ctx: ServiceContext, permit_id: int, reason: str | None = None) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    permits.set_status(permit, "expired",
                       reason or "validity ran out before the work was finished")
    linked.announce_end(ctx.session, permit, now=ctx.now)
    ctx.enqueue("notify.send", {
        "kind": "permit.expired", "role": "safety_dept", "site_code": permit.site_code,
        "severity": "high", "permit_id": permit.id,
        "title": f"作业许可已过期，作业必须停止 / Permit expired, stop work: {permit.number}"})
    return {"expired_at": ctx.now.isoformat()}


def reject(ctx: ServiceContext, permit_id: int) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    comment = ctx.data.get("comment")
    permits.set_status(permit, "rejected", comment or "rejected by approver")
    ctx.enqueue("notify.send", {
        "kind": "permit.rejected", "person_id": permit.applicant_id, "permit_id": permit.id,
        "title": f"作业许可被驳回 / Permit rejected: {permit.number}", "body": comment})
    return {"rejected_at": ctx.now.isoformat()}


def close(ctx: ServiceContext, permit_id: int) -> dict[str, Any]:
    if ctx.data.get("accepted") is False:
        raise Refusal({"accepted": ["完工验收未通过：现场清理和检查完成后再验收 / not accepted: "
                                    "accept once the site is cleared and checked"]},
                      code="close_not_accepted")
    permit = permits.get(ctx.session, permit_id)
    permit.closed_at = ctx.now
    permits.set_status(permit, "closed", ctx.data.get("comment"))
    linked.announce_end(ctx.session, permit, now=ctx.now)
    return {"closed_at": ctx.now.isoformat()}


OPERATORS = {
    "permit.assess": assess,
    "permit.set_grade": set_grade,
    "permit.activate": activate,
    "permit.expire": expire,
    "permit.reject": reject,
    "permit.close": close,
}
