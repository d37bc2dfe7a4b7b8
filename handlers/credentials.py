"""Credential operators, shared by every permit type.

- ``credentials.check``: every named worker and the watcher must be qualified (and
  contractor staff hold a valid access code). A failing check refuses the step: the
  response names each person, certificate and rule; nothing is stored. It runs at
  application (grade not yet known), again when the permit is graded (``permit.set_grade``:
  a brazing certificate covers grade 1 and 2 hot work only) and at activation.
- ``credentials.fatigue_check``: counts the crew's matching applications this month
  (and their rest after long jobs); a warning freezes the application with a hold and
  returns ``{"fatigue": true, "count": n, …}`` so the diagram routes to ``fatigue_review``.
- ``credentials.release_hold``: records the team leader's review (release or reject).

Reusable BPMN fragment (after grading, before the first applicant step)::

    record_grade → [service check_fatigue: credentials.fatigue_check(permit_id)
                    → result fatigue_check]
      → gateway gw_fatigue: fatigue_check["fatigue"] == True → userTask fatigue_review
            (lane team_leader, form <type>.fatigue_review.schema.json: decision
            release|reject + comment, mandatory)
            → [service release_hold: credentials.release_hold(permit_id, decision,
               comment) → result fatigue_release]
            → gateway gw_fatigue_review: decision == "reject" → the reject path
              (permit.reject), default → the first applicant step
        default → the first applicant step
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from engine import Refusal, ServiceContext
from processes import credentials, fatigue, permits, roster
from processes.models import Permit


def verify(session: Session, permit: Permit, *, grade: str | None, now: datetime) -> date:
    """Refuse (engine Refusal) unless the whole crew is qualified at ``grade``."""
    today = roster.local_today(session, permit.site_code, now)
    result = credentials.check_crew(session, permit, grade=grade, today=today, now=now)
    if not result.ok:
        raise Refusal(result.errors, code="credentials_refused", details=result.details)
    return today


def check(ctx: ServiceContext, permit_id: int, grade: str | None = None) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    today = verify(ctx.session, permit, grade=grade or permit.grade, now=ctx.now)
    checked = [*permit.worker_ids, permit.watcher_id]
    return {"ok": True, "checked": checked, "on": today.isoformat()}


def fatigue_check(ctx: ServiceContext, permit_id: int) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    result = fatigue.check(ctx.session, permit, by=ctx.actor)
    if result["fatigue"]:
        ctx.enqueue("notify.send", {
            "kind": "permit.fatigue", "role": "team_leader", "site_code": permit.site_code,
            "severity": "warning", "permit_id": permit.id,
            "title": f"疲劳预警，申请已冻结待复核 / Fatigue warning, application held: "
                     f"{permit.number}",
            "body": "; ".join(f["message"] for f in result["findings"])})
    return result


def release_hold(ctx: ServiceContext, permit_id: int, decision: str,
                 comment: str | None = None) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    released = fatigue.release(ctx.session, permit, decision=decision, comment=comment,
                               by=ctx.actor)
    return {"decision": decision, "holds": [h.id for h in released]}


OPERATORS = {
    "credentials.check": check,
    "credentials.fatigue_check": fatigue_check,
    "credentials.release_hold": release_hold,
}
