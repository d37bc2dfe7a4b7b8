"""``permit.suspend`` / ``permit.resume``: the watcher left, the watcher is back.

GB 30871 4.10: when the watcher leaves, the permit is withdrawn and work stops. The BPMN
catches the ``watcher_left`` message on its work step and runs ``permit.suspend``; the
watcher's return runs ``permit.resume``, which refuses while a gas re-test is due after the
break (a confined space left for more than 60 min, 6.3).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import Refusal, ServiceContext
from processes import entries, permits, worklog
from processes.models import Person, WorkBreak


def _person(ctx: ServiceContext) -> Person | None:
    return ctx.session.execute(select(Person).where(Person.username == ctx.actor)
                               ).scalar_one_or_none()


def suspend(ctx: ServiceContext, permit_id: int, reason: str | None = None) -> dict[str, Any]:
    """Stop the work: the permit is suspended, a break starts, the team leader is alerted."""
    permit = permits.get(ctx.session, permit_id)
    why = reason or "监护人离开现场"
    permits.set_status(permit, "suspended", f"监护人离开，作业票收回 / watcher left: {why}")
    by = _person(ctx)
    if worklog.open_break(ctx.session, permit) is None:
        ctx.session.add(WorkBreak(permit_id=permit.id, started_at=ctx.now,
                                  started_by=by.id if by else None,
                                  reason=f"watcher left: {why}"))
    still_inside = entries.inside(ctx.session, permit) if entries.keeps_log(permit) else []
    body = f"{why}。作业已停止，监护人返回前不得继续作业"
    if still_inside:
        body += f"；受限空间内仍有{len(still_inside)}人，须立即撤出"
    ctx.enqueue("notify.send", {
        "kind": "permit.watcher_left", "role": "team_leader", "site_code": permit.site_code,
        "severity": "high", "permit_id": permit.id,
        "title": f"监护人离开，作业票已收回 / Watcher left, permit withdrawn: {permit.number}",
        "body": body, "data": {"reason": why, "inside": len(still_inside)}})
    return {"suspended_at": ctx.now.isoformat(), "reason": why,
            "inside": len(still_inside)}


def resume(ctx: ServiceContext, permit_id: int) -> dict[str, Any]:
    """Work goes on under the same permit once the watcher is back (and gas re-tested when
    the break was long enough to need it)."""
    permit = permits.get(ctx.session, permit_id)
    brk = worklog.open_break(ctx.session, permit)
    reason = worklog.retest_needed(ctx.session, permit, ctx.now,
                                   brk.started_at if brk else None)
    if reason is not None and reason != "no_sample":
        raise Refusal({"gas_retest": [worklog.REASON_TEXT.get(reason, reason)]},
                      code=f"retest_required:{reason}")
    if brk is not None:
        by = _person(ctx)
        brk.ended_at, brk.ended_by = ctx.now, by.id if by else None
    permits.set_status(permit, "active", "监护人已返回 / watcher back")
    return {"resumed_at": ctx.now.isoformat()}


OPERATORS = {"permit.suspend": suspend, "permit.resume": resume}
