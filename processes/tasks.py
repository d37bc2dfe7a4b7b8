"""Who may complete which task, the inbox, and completing a task with its evidence.

Lanes name roles; the applicant and watcher lanes are further bound to the people named
on the permit, and approver lanes to the approver's site. Nobody approves a permit they
applied for, work on, or watch (four eyes). A task someone has claimed (``claims``) waits
for them: nobody else completes it until it is released or delegated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from engine import Engine, HumanTask, clock

from . import checklists, holds, permits, scope
from .errors import NotAllowed, NotFound, TaskClaimed
from .models import Permit, PermitApproval, PermitWorker, Person, SignIn
from .supervision import presence

BOUND_LANES = {"applicant": "applicant_id", "watcher": "watcher_id"}
#: steps whose decision is an approval: escalation (approve_<n>) and countersigns (会签)
APPROVAL_STEPS = ("approve", "countersign")


def may_complete(person: Person, task: HumanTask, permit: Permit) -> str | None:
    """None if allowed, else the reason in words."""
    lane = task.lane or ""
    if lane in BOUND_LANES:
        if getattr(permit, BOUND_LANES[lane]) != person.id:
            return f"此步骤只能由许可证指定的{lane}完成 / only the permit's {lane} may do this step"
        return None
    if not person.has_role(lane):
        return f"此步骤需要角色 {lane} / this step needs the role {lane}"
    if not scope.covers_site(person, permit.site_code, roles=[lane]):
        return "该许可证属于其他厂区 / this permit belongs to another site"
    if person.id in (permit.applicant_id, permit.watcher_id) or person.id in permit.worker_ids:
        return ("您是此许可证上的人员，不能审批（双人原则）/ you are named on this permit "
                "and may not approve it (four eyes)")
    return None


def in_scope(person: Person) -> ColumnElement[bool]:
    """SQL for "tasks this person may complete" (``may_complete`` as a query), for a select
    that joins HumanTask to Permit."""
    roles = [r for r in (person.roles or []) if r not in BOUND_LANES]
    conditions = [and_(HumanTask.lane == "applicant", Permit.applicant_id == person.id),
                  and_(HumanTask.lane == "watcher", Permit.watcher_id == person.id)]
    if roles:
        named = select(PermitWorker.permit_id).where(PermitWorker.person_id == person.id)
        not_named = and_(Permit.applicant_id != person.id, Permit.watcher_id != person.id,
                         Permit.id.not_in(named))
        wide = [r for r in roles if scope.is_plant_wide(person, [r])]
        local = [r for r in roles if r not in wide]
        if wide:
            conditions.append(and_(HumanTask.lane.in_(wide), not_named))
        if local and person.site_code is not None:
            conditions.append(and_(HumanTask.lane.in_(local), not_named,
                                   Permit.site_code == person.site_code))
    return or_(*conditions)


def inbox(session: Session, person: Person, *, limit: int = 200) -> list[tuple[HumanTask,
                                                                              Permit]]:
    """Open tasks this person may complete: one indexed query."""
    query = (select(HumanTask, Permit).join(Permit, Permit.instance_id == HumanTask.instance_id)
             .where(HumanTask.status == "open", in_scope(person))
             .order_by(HumanTask.created_at).limit(limit))
    return [(t, p) for t, p in session.execute(query).all()]


def holder_name(session: Session, username: str) -> str:
    """The claimant as people know them; the username when nobody has it any more."""
    name = session.execute(select(Person.name).where(Person.username == username)).scalar()
    return name or username


def check_not_held(session: Session, task: HumanTask, person: Person) -> None:
    """Refuse, naming the holder, when someone else has claimed ``task``.

    The claim is read again with a row lock (PostgreSQL): a claim committed after the task
    was loaded still counts, and a claim racing this completion waits for it and then
    finds the task done.
    """
    holder = session.execute(select(HumanTask.claimed_by).where(HumanTask.id == task.id)
                             .with_for_update()).scalar()
    if holder is not None and holder != person.username:
        raise TaskClaimed(holder, holder_name(session, holder))


def get_task(session: Session, engine: Engine, task_id: str, *, fresh: bool = False
             ) -> tuple[HumanTask, Permit]:
    # One query for both rows (the permit's workers follow in one more).
    query = (select(HumanTask, Permit).join(Permit, Permit.instance_id == HumanTask.instance_id)
             .where(HumanTask.id == task_id))
    if fresh:
        query = query.execution_options(populate_existing=True)
    row = session.execute(query).first()
    if row is None:  # no such task, or an instance without a permit
        raise NotFound("task", task_id)
    return row[0], row[1]


def locked_task(session: Session, engine: Engine, task_id: str) -> tuple[HumanTask, Permit]:
    """The task and its permit, with the instance locked first (``engine/locks.py``).

    On PostgreSQL the lock may have waited for another step on the permit (a cancel, a
    timer); the rows are then read again, so the checks that follow see what it committed.
    """
    task, permit = get_task(session, engine, task_id)
    engine.lock_instance(session, task.instance_id)
    if engine.locks_rows(session):
        task, permit = get_task(session, engine, task_id, fresh=True)
    return task, permit


def complete(session: Session, engine: Engine, task_id: str, data: dict[str, Any], *,
             person: Person, expected_revision: int | None = None,
             position: dict[str, float] | None = None, sign_in: SignIn | None = None
             ) -> Permit:
    """Complete a task as ``person``, recording the domain evidence the step produces.

    A watcher sign-in step is completed by an accepted ``sign_in`` (QR, GPS, face) where
    the permit's supervision settings demand one; a click-through is refused there.
    """
    task, permit = locked_task(session, engine, task_id)
    if task.status == "open":
        reason = may_complete(person, task, permit)
        if reason:
            raise NotAllowed(reason)
        check_not_held(session, task, person)
        holds.guard(session, permit, task.bpmn_id)
        if task.bpmn_id in presence.SIGN_IN_STEPS and sign_in is None:
            presence.check_plain_sign_in(permit)
    now = clock.now()
    if task.status == "open" and task.bpmn_id in checklists.STEP_CHECKS:
        engine.validate_task_data(task, data)  # shape first, then the domain rule
        checklists.STEP_CHECKS[task.bpmn_id](permit, data)
    engine.complete_task(session, task_id, data, actor=person.username,
                         expected_revision=expected_revision)
    if task.bpmn_id.startswith(APPROVAL_STEPS):
        session.add(PermitApproval(
            permit_id=permit.id, step=task.bpmn_id, role=task.lane,
            decision=data.get("decision", ""), person_id=person.id, comment=data.get("comment"),
            lat=(position or {}).get("lat"), lon=(position or {}).get("lon"), decided_at=now))
        session.flush()
        still_open = session.execute(select(HumanTask.id).where(
            HumanTask.instance_id == task.instance_id, HumanTask.status == "open",
            or_(*(HumanTask.bpmn_id.like(f"{step}%") for step in APPROVAL_STEPS)))).first()
        if data.get("decision") == "approve" and still_open is None \
                and permit.status == "approving":
            permits.set_status(permit, "approved")
    elif task.bpmn_id in presence.SIGN_IN_STEPS:
        presence.record_task_sign_in(session, permit, person, task.bpmn_id, data, position,
                                     now, sign_in)
    permit.updated_at = now
    session.flush()
    return permit
