"""Skipping a mandatory step: an explicit override, audited and counted against compliance.

The customer measures how often mandatory actions are really done (design §3); a step
skipped here shows as missing in the permit's compliance rate. Only the safety department
or the safety director may skip, with a reason, and only steps the process marks
``skippable`` — approvals, gas tests, the watcher's sign-in, the work and the close-out
never are.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Engine, HumanTask, Incident, clock, outbox

from .errors import Conflict, NotAllowed, NotFound, ValidationFailed
from .models import Permit, Person

SKIPPERS = ("safety_dept", "safety_director")


def _task(session: Session, permit: Permit, ref: str) -> HumanTask:
    """The permit's task by its id, or its open task by BPMN id (``lighting_check``)."""
    task = session.get(HumanTask, ref)
    if task is None:
        task = session.execute(select(HumanTask).where(
            HumanTask.instance_id == permit.instance_id, HumanTask.bpmn_id == ref,
            HumanTask.status == "open").limit(1)).scalar_one_or_none()
    if task is None or task.instance_id != permit.instance_id:
        raise NotFound("task", ref)
    return task


def skip(session: Session, engine: Engine, permit: Permit, task_id: str, *, by: Person,
         reason: str, expected_revision: int | None = None) -> Permit:
    """Skip the permit's open task ``task_id`` (its id, or its BPMN id) with a reason."""
    if not by.has_role(*SKIPPERS):
        raise NotAllowed("只有安全管理部门或安全总监可以强制跳过步骤 / only the safety department "
                         "or the safety director may skip a step")
    if by.site_code not in (None, permit.site_code):
        raise NotAllowed("this permit belongs to another site")
    if by.id in (permit.applicant_id, permit.watcher_id) or by.id in permit.worker_ids:
        raise NotAllowed("you are named on this permit and may not override its steps")
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["说明跳过的原因 / say why the step is skipped"]})
    task = _task(session, permit, task_id)
    if task.status != "open":
        raise Conflict(f"this step is already {task.status}")
    if engine.task_properties(task).get("skippable") != "true":
        raise ValidationFailed({"task": [f"“{task.name}”不允许跳过 / this step may not be "
                                         f"skipped"]}, code="not_skippable")
    engine.skip_task(session, task.id, actor=by.username, reason=reason.strip(),
                     expected_revision=expected_revision)
    now = clock.now()
    outbox.enqueue(session, "notify.send", {
        "kind": "task.skipped", "role": "safety_director", "site_code": permit.site_code,
        "severity": "high", "permit_id": permit.id,
        "title": f"必经步骤被强制跳过 / Mandatory step skipped: {task.name}（{permit.number}）",
        "body": f"{by.name}: {reason.strip()}"}, now=now)
    permit.updated_at = now
    session.flush()
    return permit


def skip_incident(session: Session, engine: Engine, incident_id: int, *, by: Person,
                  reason: str) -> Incident:
    """Move a failed automatic step on without running it again (admins, with a reason).

    The plant's mandatory checks (credentials, gas readings, grading, routing) are service
    tasks too; skipping one would let a permit past the very control the system exists to
    enforce. So on a permit only a step the process designer marked ``skippable`` may be
    skipped (a notification, say); anything else must be retried or the permit cancelled.
    A bare instance (a process that is no permit) is the designer's own to repair.
    """
    if not by.has_role("admin"):
        raise NotAllowed("只有管理员处理故障 / only admins handle incidents")
    if not (reason or "").strip():
        raise ValidationFailed({"reason": ["说明跳过的原因 / say why the step is skipped"]})
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident", str(incident_id))
    if incident.status != "open":
        raise Conflict(f"this incident is already {incident.status}")
    permit = session.execute(select(Permit).where(
        Permit.instance_id == incident.instance_id)).scalar_one_or_none()
    if permit is not None and not incident_skippable(session, engine, incident):
        raise ValidationFailed({"incident": [
            f"“{incident.bpmn_id}”是作业票的必经自动步骤，不允许跳过；请重试或取消作业票 / "
            f"this automatic step of a permit may not be skipped: retry it or cancel the "
            f"permit"]}, code="not_skippable")
    engine.skip_incident(session, incident_id, actor=by.username, reason=reason.strip())
    if permit is not None:
        now = clock.now()
        outbox.enqueue(session, "notify.send", {
            "kind": "incident.skipped", "role": "safety_director",
            "site_code": permit.site_code, "severity": "high", "permit_id": permit.id,
            "title": f"自动步骤故障被跳过 / Failed automatic step skipped: {incident.bpmn_id}"
                     f"（{permit.number}）",
            "body": f"{by.name}: {reason.strip()}"}, now=now)
        permit.updated_at = now
    session.flush()
    return incident


def incident_skippable(session: Session, engine: Engine, incident: Incident) -> bool:
    """Whether the failed step's BPMN element is marked ``skippable`` by its designer."""
    return engine.incident_properties(session, incident).get("skippable") == "true"
