"""Holds: the generic freeze of a permit until someone (or something) releases it.

Two kinds of step can be held:

- ``application``: the whole application is frozen before approval (a fatigue or rest
  warning). Only the review step (``fatigue_review``) may proceed; the team leader
  releases or rejects. Diagrams that route the warning to that task resolve the hold
  through the ``credentials.release_hold`` operator; types whose diagram does not (yet)
  do so are still frozen by :func:`guard` and released through the API.
- ``work``: live work is suspended (a crew certificate lapsed). ``work`` cannot be
  completed until the hold is cleared, which happens by itself once the crew is qualified
  again (the certificate renewed or reviewed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Engine, clock

from . import auditing, permits, scope
from .errors import Conflict, NotAllowed, NotFound, ValidationFailed
from .models import Permit, PermitHold, Person

#: the user task that reviews an application hold; everything else waits for it
REVIEW_STEP = "fatigue_review"
STATUS_FOR = {"application": "held", "work": "suspended"}


def open_holds(session: Session, permit: Permit, *, kind: str | None = None,
               blocks: str | None = None) -> list[PermitHold]:
    query = select(PermitHold).where(PermitHold.permit_id == permit.id,
                                     PermitHold.resolved_at.is_(None)).order_by(PermitHold.id)
    if kind is not None:
        query = query.where(PermitHold.kind == kind)
    if blocks is not None:
        query = query.where(PermitHold.blocks == blocks)
    return list(session.execute(query).scalars())


def of_permit(session: Session, permit: Permit) -> list[PermitHold]:
    return list(session.execute(select(PermitHold).where(PermitHold.permit_id == permit.id)
                                .order_by(PermitHold.id)).scalars())


def place(session: Session, permit: Permit, *, kind: str, blocks: str, reason: str,
          details: dict[str, Any] | None = None, person_id: int | None = None,
          by: str | None = None) -> PermitHold:
    """Hold ``permit`` at ``blocks``; the permit shows ``held`` or ``suspended``."""
    hold = PermitHold(permit_id=permit.id, kind=kind, blocks=blocks, reason=reason,
                      details=details or {}, person_id=person_id,
                      previous_status=permit.status, created_at=clock.now())
    session.add(hold)
    permits.set_status(permit, STATUS_FOR[blocks], reason)
    session.flush()
    auditing.record(session, "permit.held", by=by, data={
        "permit_id": permit.id, "hold_id": hold.id, "kind": kind, "blocks": blocks,
        "reason": reason})
    return hold


def resolve(session: Session, hold: PermitHold, permit: Permit, *, resolution: str,
            by: str | None, comment: str | None = None) -> None:
    """Close ``hold``; when no other hold is open the permit gets its status back."""
    hold.resolved_at, hold.resolved_by = clock.now(), by
    hold.resolution, hold.comment = resolution, comment
    session.flush()
    status = STATUS_FOR[hold.blocks]
    if resolution != "rejected" and permit.status == status \
            and not open_holds(session, permit, blocks=hold.blocks):
        permits.set_status(permit, hold.previous_status or "approving",
                           comment or f"{hold.kind} hold {resolution}")
    auditing.record(session, "permit.hold_resolved", by=by, data={
        "permit_id": permit.id, "hold_id": hold.id, "kind": hold.kind,
        "resolution": resolution, "comment": comment})


def guard(session: Session, permit: Permit, step: str) -> None:
    """Refuse a step a hold is blocking (Conflict → 409, with the hold's reason)."""
    if step == REVIEW_STEP:
        return
    for hold in open_holds(session, permit):
        if hold.blocks == "application" or (hold.blocks == "work" and step == "work"):
            what = "申请已冻结，待班组长复核" if hold.blocks == "application" else "作业已暂停"
            raise Conflict(f"{what} / {hold.kind} hold: {hold.reason}")


def can_review(actor: Person, permit: Permit, hold: PermitHold) -> bool:
    managers = ("admin", "safety_dept", "safety_director")
    if actor.has_role(*managers) and scope.covers_site(actor, permit.site_code, managers):
        return True
    return hold.blocks == "application" and actor.has_role("team_leader") \
        and scope.covers_site(actor, permit.site_code, ["team_leader"]) \
        and actor.id not in (permit.applicant_id, *permit.worker_ids)


def decide(session: Session, engine: Engine, permit: Permit, hold_id: int, *, actor: Person,
           decision: str, comment: str) -> PermitHold:
    """A person releases or rejects an application hold outside the diagram (for types
    whose diagram has no review task). Work holds clear only when the crew is qualified."""
    hold = session.get(PermitHold, hold_id)
    if hold is None or hold.permit_id != permit.id:
        raise NotFound("hold", hold_id)
    if hold.resolved_at is not None:
        raise Conflict(f"this hold was already {hold.resolution}")
    if not can_review(actor, permit, hold):
        raise NotAllowed("only the team leader or the safety department reviews this hold")
    if hold.blocks == "work":
        raise Conflict("作业暂停在证书恢复有效后自动解除 / renew or review the certificate: the "
                       "suspension lifts itself")
    if decision not in ("release", "reject") or not comment.strip():
        raise ValidationFailed({"comment": ["give a decision (release/reject) and a reason"]})
    if decision == "reject":
        if permit.instance_id is not None:  # the instance before any row (engine/locks.py)
            engine.lock_instance(session, permit.instance_id)
        resolve(session, hold, permit, resolution="rejected", by=actor.username,
                comment=comment)
        if permit.instance_id is not None:
            engine.cancel(session, permit.instance_id, actor=actor.username,
                          reason=f"{hold.kind} hold rejected: {comment}")
        permits.set_status(permit, "rejected", comment)
    else:
        resolve(session, hold, permit, resolution="released", by=actor.username,
                comment=comment)
    return hold


def view(hold: PermitHold) -> dict[str, Any]:
    return {"id": hold.id, "permit_id": hold.permit_id, "kind": hold.kind,
            "blocks": hold.blocks, "reason": hold.reason, "details": hold.details,
            "person_id": hold.person_id, "created_at": hold.created_at.isoformat(),
            "resolved_at": hold.resolved_at.isoformat() if hold.resolved_at else None,
            "resolved_by": hold.resolved_by, "resolution": hold.resolution,
            "comment": hold.comment}
