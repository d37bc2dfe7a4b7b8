"""Claiming, releasing and delegating group tasks, each an audited act.

A task in a role lane is offered to everyone holding that role at the permit's site. One
of them claims it so the others stop looking at it; until it is released or delegated,
nobody else may complete it (``tasks.check_not_held``). Who may do what:

- **claim**: anyone who may complete the task (role, site, four eyes). Tasks bound to a
  named person (the permit's applicant or watcher) have nobody to compete with and cannot
  be claimed.
- **unclaim**: the holder; or someone in the plant's ``release_roles`` (admins and the
  safety managers, ``plant_settings.json``) whose site scope covers the permit, because a
  claim by someone who fell ill or went off shift must not block a permit.
- **delegate**: hand the task to a named person who may complete it by the same rules,
  with a reason. The holder may delegate; so may anyone who may complete an unclaimed task,
  and a releaser at any time.

Each change is one conditional UPDATE on the task row ("… WHERE claimed_by IS <what I
saw>"), so of two people claiming at once exactly one wins and the other is told who did.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine import Engine, HumanTask, clock

from . import permits, scope, tasks
from .errors import Conflict, NotAllowed, NotFound, TaskClaimed, ValidationFailed
from .models import Permit, Person
from .supervision import presence
from .types.base import plant_settings

REASON_MAX = 500


def settings() -> dict[str, Any]:
    return plant_settings().get("inbox", {})


def may_release_others(person: Person, permit: Permit) -> bool:
    """Admins and safety managers of the permit's site may free someone else's claim."""
    roles = settings().get("release_roles", ())
    return person.has_role(*roles) and scope.covers_site(person, permit.site_code, roles=roles)


def _load(session: Session, task_id: str) -> tuple[HumanTask, Permit]:
    """The open task and its permit, its instance locked first like any step's.

    A claim writes the task row; taking the instance row before it keeps the one lock
    order (``engine/locks.py``), so a claim never deadlocks with a cancel or a timer.
    """
    task = session.get(HumanTask, task_id)
    if task is not None:
        Engine.lock_instance(session, task.instance_id)
        if Engine.locks_rows(session):
            session.refresh(task)
    permit = permits.for_instance(session, task.instance_id) if task else None
    if task is None or permit is None:
        raise NotFound("task", task_id)
    if task.status != "open":
        raise Conflict(f"this task is already {task.status}")
    return task, permit


def _claimable(task: HumanTask) -> None:
    if (task.lane or "") in tasks.BOUND_LANES:
        raise Conflict(f"only the permit's {task.lane} does this step; it cannot be claimed "
                       "or delegated")


def _swap(session: Session, task: HumanTask, seen: str | None, new: str | None) -> None:
    """Set the holder only if it is still what the caller saw; else say who won."""
    holder_was = HumanTask.claimed_by.is_(None) if seen is None \
        else HumanTask.claimed_by == seen
    result = session.execute(
        update(HumanTask).where(HumanTask.id == task.id, HumanTask.status == "open",
                                holder_was)
        .values(claimed_by=new).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(task)
        if task.status != "open":
            raise Conflict(f"this task is already {task.status}")
        if task.claimed_by is not None:
            raise TaskClaimed(task.claimed_by, tasks.holder_name(session, task.claimed_by))
        raise Conflict("someone released this task meanwhile; reload and try again")
    session.refresh(task)


def _audit(session: Session, permit: Permit, task: HumanTask, action: str, by: Person,
           **data: Any) -> None:
    presence.record(session, permit, action, by.username,
                    {"task_id": task.id, "task": task.bpmn_id, "lane": task.lane, **data},
                    clock.now())


def claim(session: Session, task_id: str, *, person: Person) -> HumanTask:
    """Take a group task; claiming one's own claim again changes nothing."""
    task, permit = _load(session, task_id)
    _claimable(task)
    reason = tasks.may_complete(person, task, permit)
    if reason:
        raise NotAllowed(reason)
    if task.claimed_by == person.username:
        return task
    if task.claimed_by is not None:
        raise TaskClaimed(task.claimed_by, tasks.holder_name(session, task.claimed_by))
    _swap(session, task, None, person.username)
    _audit(session, permit, task, "task.claimed", person, to=person.username)
    return task


def unclaim(session: Session, task_id: str, *, person: Person,
            reason: str | None = None) -> HumanTask:
    """Give a task back to its group (see the module docstring for who may)."""
    task, permit = _load(session, task_id)
    holder = task.claimed_by
    if holder is None:
        raise Conflict("this task is not claimed")
    if holder != person.username and not may_release_others(person, permit):
        raise NotAllowed(f"claimed by {tasks.holder_name(session, holder)}; only they, an "
                         "admin or a safety manager of this site may release it")
    _swap(session, task, holder, None)
    _audit(session, permit, task, "task.unclaimed", person, holder=holder,
           reason=(reason or "").strip()[:REASON_MAX] or None)
    return task


def delegate(session: Session, task_id: str, *, person: Person, to_person_id: int,
             reason: str) -> HumanTask:
    """Hand a task to a named person who may complete it; the reason is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["请说明转办原因 / say why the task is delegated"]})
    if len(reason) > REASON_MAX:
        raise ValidationFailed({"reason": [f"at most {REASON_MAX} characters"]})
    task, permit = _load(session, task_id)
    _claimable(task)
    target = session.get(Person, to_person_id)
    if target is None or not target.active:
        raise ValidationFailed({"to": [f"no active person with id {to_person_id}"]})
    if target.username is None:
        raise ValidationFailed({"to": [f"{target.name} has no login and cannot open tasks"]})
    if target.id == person.id:
        raise ValidationFailed({"to": ["that is you: claim the task instead"]})
    holder = task.claimed_by
    if holder != person.username and not may_release_others(person, permit):
        if holder is not None:
            raise TaskClaimed(holder, tasks.holder_name(session, holder))
        own = tasks.may_complete(person, task, permit)
        if own:
            raise NotAllowed(own)
    refusal = tasks.may_complete(target, task, permit)
    if refusal:
        raise ValidationFailed({"to": [f"{target.name} may not do this step: {refusal}"]},
                               code="delegate_not_allowed")
    if holder == target.username:
        raise ValidationFailed({"to": [f"{target.name} already holds this task"]})
    _swap(session, task, holder, target.username)
    _audit(session, permit, task, "task.delegated", person, holder=holder,
           to=target.username, to_name=target.name, reason=reason)
    return task


def delegates(session: Session, task: HumanTask, permit: Permit, *,
              person: Person) -> list[Person]:
    """Who this task could be handed to: active people with a login who may complete it."""
    lane = task.lane or ""
    if lane in tasks.BOUND_LANES:
        return []
    query = (select(Person).where(Person.active.is_(True), Person.username.is_not(None),
                                  Person.id != person.id,
                                  (Person.site_code.is_(None))
                                  | (Person.site_code == permit.site_code))
             .order_by(Person.name))
    return [p for p in session.execute(query).scalars()
            if p.username != task.claimed_by and tasks.may_complete(p, task, permit) is None]
