"""The approver's inbox: my tasks and my groups' tasks, filtered, with how urgent each is.

"My tasks" are those claimed by me or bound to me by name (the permit's applicant or
watcher); "group tasks" are the rest of what my roles may do at my site, one group per
role (lane). A group task someone else has claimed stays visible, marked with who holds
it, so a safety manager can see a claim that blocks a permit.

How long a step may wait is plant data (``task_response_minutes`` in
``data/plant_settings.json``); the engine stamps each task's due time as it opens
(:func:`due_at` is its policy), so "overdue" is one comparison in the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from engine import HumanTask, clock

from . import bulk, tasks
from .errors import ValidationFailed
from .models import Area, Permit, Person
from .types.base import plant_settings

URGENCIES = ("overdue", "due_soon", "normal")


def _response_settings() -> dict[str, Any]:
    return plant_settings().get("task_response_minutes", {})


def response_minutes(permit_type: str, bpmn_id: str) -> int | None:
    """Minutes a step may wait: by type, then for every type; whole id first, then its
    prefixes (``countersign_fire`` → ``countersign``)."""
    conf = _response_settings()
    tables = [conf.get("by_type", {}).get(permit_type, {}), conf.get("steps", {})]
    parts = bpmn_id.split("_")
    for end in range(len(parts), 0, -1):
        key = "_".join(parts[:end])
        for table in tables:
            if key in table:
                return int(table[key])
    return None


def due_at(task: HumanTask) -> datetime | None:
    """The engine's due-time policy: opened at plus the step's response time."""
    minutes = response_minutes(task.process_key, task.bpmn_id)
    return task.created_at + timedelta(minutes=minutes) if minutes is not None else None


def due_soon_window() -> timedelta:
    return timedelta(minutes=int(_response_settings().get("due_soon_minutes", 30)))


def urgency(task: HumanTask, now: datetime) -> str:
    if task.due_at is None:
        return "normal"
    if task.due_at <= now:
        return "overdue"
    return "due_soon" if task.due_at <= now + due_soon_window() else "normal"


def _urgency_condition(value: str, now: datetime) -> ColumnElement[bool]:
    soon = now + due_soon_window()
    if value == "overdue":
        return and_(HumanTask.due_at.is_not(None), HumanTask.due_at <= now)
    if value == "due_soon":
        return and_(HumanTask.due_at > now, HumanTask.due_at <= soon)
    return or_(HumanTask.due_at.is_(None), HumanTask.due_at > soon)


@dataclass
class Filters:
    """What the approver narrowed the inbox to; None = everything."""

    type: str | None = None
    area: str | None = None  # area code
    urgency: str | None = None
    grade: str | None = None

    def __post_init__(self) -> None:
        if self.urgency is not None and self.urgency not in URGENCIES:
            raise ValidationFailed({"urgency": [
                f"one of {', '.join(URGENCIES)}, not {self.urgency!r}"]})

    def conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.type:
            found.append(Permit.type == self.type)
        if self.area:
            found.append(Permit.area_id.in_(select(Area.id).where(Area.code == self.area)))
        if self.grade:
            found.append(Permit.grade == self.grade)
        if self.urgency:
            found.append(_urgency_condition(self.urgency, now))
        return found

    @property
    def active(self) -> bool:
        return any((self.type, self.area, self.urgency, self.grade))


@dataclass
class Item:
    task: HumanTask
    permit: Permit
    urgency: str
    holder_name: str | None
    #: claimed by me, or bound to me as the permit's applicant/watcher
    mine: bool
    #: why this task may not go into a bulk approval; None when it may
    bulk_refusal: str | None

    @property
    def held_by_other(self) -> bool:
        return self.task.claimed_by is not None and not self.mine


@dataclass
class View:
    mine: list[Item] = field(default_factory=list)
    #: (lane, items) in the order of the person's roles
    groups: list[tuple[str, list[Item]]] = field(default_factory=list)
    #: filter choices from the whole unfiltered inbox: types, areas (code, name), grades
    facets: dict[str, list[Any]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def items(self) -> list[Item]:
        return self.mine + [i for _, items in self.groups for i in items]

    @property
    def total(self) -> int:
        return len(self.items)


def _base(person: Person) -> Any:
    return (select(HumanTask, Permit).join(Permit, Permit.instance_id == HumanTask.instance_id)
            .where(HumanTask.status == "open", tasks.in_scope(person)))


def _facets(session: Session, person: Person) -> dict[str, list[Any]]:
    rows = session.execute(
        select(Permit.type, Area.code, Area.name, Permit.grade)
        .join(HumanTask, Permit.instance_id == HumanTask.instance_id)
        .join(Area, Area.id == Permit.area_id)
        .where(HumanTask.status == "open", tasks.in_scope(person)).distinct()).all()
    return {"types": sorted({r[0] for r in rows}),
            "areas": sorted({(r[1], r[2]) for r in rows}),
            "grades": sorted({r[3] for r in rows if r[3]})}


def view(session: Session, person: Person, filters: Filters | None = None, *,
         limit: int = 200) -> View:
    """The inbox, most urgent first, then oldest first."""
    filters = filters or Filters()
    now = clock.now()
    query = (_base(person).where(*filters.conditions(now))
             .order_by(HumanTask.created_at).limit(limit))
    names: dict[str, str] = {}
    result = View(facets=_facets(session, person),
                  counts={u: 0 for u in URGENCIES})
    groups: dict[str, list[Item]] = {}
    rows = session.execute(query).all()
    holders = {t.claimed_by for t, _ in rows if t.claimed_by}
    if holders:
        names = dict(session.execute(select(Person.username, Person.name)
                                     .where(Person.username.in_(holders))).all())
    order = {u: i for i, u in enumerate(URGENCIES)}
    items = []
    for task, permit in rows:
        mine = task.claimed_by == person.username or (
            task.claimed_by is None and (task.lane or "") in tasks.BOUND_LANES)
        items.append(Item(task=task, permit=permit, urgency=urgency(task, now),
                          holder_name=names.get(task.claimed_by or "", task.claimed_by),
                          mine=mine, bulk_refusal=bulk.lane_refusal(task, permit)))
    items.sort(key=lambda i: order[i.urgency])  # stable: oldest first within each
    for item in items:
        result.counts[item.urgency] += 1
        if item.mine:
            result.mine.append(item)
        else:
            groups.setdefault(item.task.lane or "", []).append(item)
    roles = list(person.roles or [])
    result.groups = sorted(groups.items(),
                           key=lambda g: roles.index(g[0]) if g[0] in roles else len(roles))
    return result
