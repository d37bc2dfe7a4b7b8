"""Process compliance rate: mandatory nodes executed with evidence ÷ mandatory nodes required.

A node counts as executed only when its evidence is present (a passing reading, an
accepted sign-in, a complete checklist, a recorded decision), not merely when the task was
clicked through (design §3). Evidence checks are data: node id → predicate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import HumanTask

from .entries import has_complete_log
from .models import GasReading, Permit, PermitApproval, SignIn

Evidence = Callable[[Session, Permit, HumanTask], bool]


def _gas(session: Session, permit: Permit, task: HumanTask) -> bool:
    return session.execute(select(GasReading.id).where(
        GasReading.permit_id == permit.id, GasReading.step == task.bpmn_id,
        GasReading.passed.is_(True), GasReading.photo_id.is_not(None)).limit(1)).first() \
        is not None


def _sign_in(session: Session, permit: Permit, task: HumanTask) -> bool:
    return session.execute(select(SignIn.id).where(
        SignIn.permit_id == permit.id, SignIn.accepted.is_(True)).limit(1)).first() is not None


def _fresh_sign_in(session: Session, permit: Permit, task: HumanTask) -> bool:
    """An accepted sign-in made after the step opened (a resumption needs a new one)."""
    return session.execute(select(SignIn.id).where(
        SignIn.permit_id == permit.id, SignIn.accepted.is_(True),
        SignIn.signed_at >= task.created_at).limit(1)).first() is not None


def _approval(session: Session, permit: Permit, task: HumanTask) -> bool:
    return session.execute(select(PermitApproval.id).where(
        PermitApproval.permit_id == permit.id, PermitApproval.step == task.bpmn_id)
        .limit(1)).first() is not None


def _checklist(session: Session, permit: Permit, task: HumanTask) -> bool:
    items = (task.data or {}).get("items") or {}
    return bool(items) and all(v in (True, "na") for v in items.values())


def _answered(session: Session, permit: Permit, task: HumanTask) -> bool:
    return bool(task.data)


def _entry_log(session: Session, permit: Permit, task: HumanTask) -> bool:
    return has_complete_log(session, permit)


EVIDENCE: dict[str, Evidence] = {
    "gas_test": _gas,
    "gas_retest": _gas,
    "watcher_sign_in": _sign_in,
    "watcher_resume": _fresh_sign_in,
    "safety_measures": _checklist,
    "approve_1": _approval,
    "approve_2": _approval,
    "approve_3": _approval,
    "approve_4": _approval,
    "ventilation": _checklist,
    "lighting_check": _checklist,
    "communication_test": _checklist,
    "emergency_preparation": _checklist,
    "entry_log": _entry_log,
}


@dataclass
class Compliance:
    required: list[str]
    executed: list[str]
    missing: list[str]

    @property
    def rate(self) -> float | None:
        if not self.required:
            return None
        return round(100.0 * len(self.executed) / len(self.required), 1)

    def as_dict(self) -> dict[str, Any]:
        return {"rate": self.rate, "required": self.required, "executed": self.executed,
                "missing": self.missing}


def of_permit(session: Session, permit: Permit) -> Compliance:
    """Over the mandatory tasks the permit's path reached (completed, skipped or still open)."""
    if permit.instance_id is None:
        return Compliance([], [], [])
    tasks = session.execute(select(HumanTask).where(
        HumanTask.instance_id == permit.instance_id, HumanTask.mandatory.is_(True))
        .order_by(HumanTask.created_at)).scalars().all()
    required, executed, missing = [], [], []
    for task in tasks:
        if task.status == "cancelled" and permit.status in ("cancelled", "rejected"):
            continue  # the job never went there
        if task.status == "open":
            continue  # not due yet
        required.append(task.bpmn_id)
        # a countersign (会签, countersign_<dept>) is evidenced like an approval
        check = EVIDENCE.get(task.bpmn_id, _approval if task.bpmn_id.startswith(
            "countersign_") else _answered)
        if task.status == "completed" and check(session, permit, task):
            executed.append(task.bpmn_id)
        else:
            missing.append(task.bpmn_id)
    return Compliance(required, executed, missing)
