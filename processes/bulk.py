"""Approving several low-risk permits at once.

Only the low-risk lane qualifies: approval steps (``bulk_approval.steps`` prefixes) of
permits the routing table marked with a listed risk (``bulk_approval.risks``, "low" in
``data/plant_settings.json``). Hot work that low is approved by rule and never reaches an
inbox; what arrives here is e.g. grade Ⅰ work at height, manual digging in a general area,
a daytime road closure. Everything of higher risk needs its own look at the permit.

Each task goes through :func:`tasks.complete`, the same checks as a single approval
(role, site, four eyes, claims, holds, the form), inside its own savepoint. The outcome
is **partial**: every task is reported approved or refused with the reason, and one
refused task does not undo the others. The permits are independent decisions; holding
back twenty valid approvals because one permit was put on hold meanwhile would only
delay work the approver has already judged, and the report says exactly which ones still
wait. Every attempt, approved or refused, is an audit event on its permit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import (
    Engine,
    FormValidationError,
    HumanTask,
    StaleInstance,
    StepRefused,
    TaskNotFound,
    TaskNotReady,
    audit,
    clock,
)

from . import tasks
from .errors import DomainError, NotFound, ValidationFailed
from .models import Permit, Person
from .supervision import presence
from .types.base import plant_settings

_REFUSALS = (DomainError, FormValidationError, StepRefused, StaleInstance, TaskNotReady,
             TaskNotFound)


def settings() -> dict[str, Any]:
    inbox = plant_settings().get("inbox", {})
    return {"risks": ["low"], "steps": ["approve"], **inbox.get("bulk_approval", {}),
            "limit": int(inbox.get("bulk_limit", 50))}


def lane_refusal(task: HumanTask, permit: Permit) -> str | None:
    """None when the task belongs to the low-risk lane, else why it does not."""
    conf = settings()
    if not any(task.bpmn_id == s or task.bpmn_id.startswith(f"{s}_")
               for s in conf["steps"]):
        return "only approval steps can be approved in bulk"
    if permit.risk not in conf["risks"]:
        return (f"permit {permit.number} is {permit.risk or 'not yet graded'} risk; only "
                f"{'/'.join(conf['risks'])}-risk approvals may be approved in bulk: open it "
                "and approve it on its own")
    return None


@dataclass
class Outcome:
    task_id: str
    approved: bool
    reason: str | None = None
    permit_id: int | None = None
    permit_number: str | None = None
    step: str | None = None
    #: the permit's status after the approval (approved, or still approving at the next
    #: step of a two-level lane)
    permit_status: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _reason(exc: Exception) -> str:
    if isinstance(exc, StepRefused | FormValidationError | ValidationFailed):
        return "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in exc.errors.items())
    if isinstance(exc, StaleInstance):
        return "someone else changed this permit meanwhile; reload and try again"
    if isinstance(exc, TaskNotReady):
        return f"this task is already {exc.state}"
    return getattr(exc, "reason", None) or str(exc)


def approve(session: Session, engine: Engine, task_ids: list[str], *, person: Person,
            comment: str | None = None, position: dict[str, float] | None = None
            ) -> list[Outcome]:
    """Approve each task as a single approval would; report what happened to each.

    ``position`` is where the approver stands, recorded on every approval like a single
    one (GB 30871 4.11 flags approvals signed away from the work site; they are not
    refused). The caller commits.
    """
    conf = settings()
    ids = list(dict.fromkeys(task_ids))  # the same task twice is one approval
    if not ids:
        raise ValidationFailed({"task_ids": ["choose at least one task"]})
    if len(ids) > conf["limit"]:
        raise ValidationFailed({"task_ids": [
            f"at most {conf['limit']} tasks at once, not {len(ids)}"]})
    data: dict[str, Any] = {"decision": "approve"}
    if comment and comment.strip():
        data["comment"] = comment.strip()
    # Every instance of the batch locked up front, in id order (engine/locks.py): two
    # approvers with overlapping batches then queue instead of deadlocking.
    for instance_id in sorted(set(session.execute(
            select(HumanTask.instance_id).where(HumanTask.id.in_(ids))).scalars())):
        engine.lock_instance(session, instance_id)
    outcomes = []
    for task_id in ids:
        outcome = Outcome(task_id=task_id, approved=False)
        outcomes.append(outcome)
        try:
            task, permit = tasks.get_task(session, engine, task_id)
        except NotFound:
            outcome.reason = "no such task"
            continue
        outcome.permit_id, outcome.permit_number = permit.id, permit.number
        outcome.step = task.bpmn_id
        refusal = lane_refusal(task, permit) if task.status == "open" else (
            f"this task is already {task.status}")
        if refusal is None:
            try:
                with audit.savepoint(session):
                    tasks.complete(session, engine, task_id, data, person=person,
                                   position=position)
            except _REFUSALS as exc:
                refusal = _reason(exc)
                session.expire_all()  # the savepoint's changes are gone; reload
        if refusal is None:
            outcome.approved, outcome.permit_status = True, permit.status
        else:
            outcome.reason = refusal
        presence.record(session, permit, "task.bulk_approval", person.username,
                        {"task_id": task_id, "task": outcome.step,
                         "outcome": "approved" if outcome.approved else "refused",
                         "reason": outcome.reason}, clock.now())
    return outcomes
