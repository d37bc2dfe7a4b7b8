"""Which instances run on which version of a process, for the console.

Before rolling a process forward or back, a designer asks "who is still on version N, and
where are they waiting?". Both answers come from the index tables (instances, human tasks,
incidents) in a fixed number of queries, without loading any workflow state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from .models import HumanTask, ProcessDefinition, ProcessInstance

STATUSES = ("running", "completed", "cancelled")


@dataclass
class InstanceRow:
    id: int
    version: int
    status: str
    business_key: str | None
    started_by: str | None
    created_at: datetime
    updated_at: datetime
    has_incident: bool
    #: the open user tasks: (bpmn id, name, lane)
    waiting_at: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "status": self.status,
                "business_key": self.business_key, "started_by": self.started_by,
                "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat(), "has_incident": self.has_incident,
                "waiting_at": [{"task": t, "name": n, "lane": lane}
                               for t, n, lane in self.waiting_at]}


def counts(session: Session) -> dict[tuple[str, int], dict[str, int]]:
    """(key, version) → {"running": n, "incident": m}: one grouped query."""
    query = (select(ProcessDefinition.key, ProcessDefinition.version,
                    func.count(ProcessInstance.id),
                    func.sum(case((ProcessInstance.has_incident.is_(True), 1), else_=0)))
             .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
             .where(ProcessInstance.status == "running")
             .group_by(ProcessDefinition.key, ProcessDefinition.version))
    return {(key, version): {"running": running, "incident": int(incident or 0)}
            for key, version, running, incident in session.execute(query)}


def listing(session: Session, key: str, *, version: int | None = None,
            status: str = "running", limit: int = 200) -> list[InstanceRow]:
    """The newest instances of ``key`` (on ``version`` if given) with where they wait."""
    query = (select(ProcessInstance, ProcessDefinition.version)
             .join(ProcessDefinition, ProcessInstance.definition_id == ProcessDefinition.id)
             .where(ProcessInstance.process_key == key, ProcessInstance.status == status)
             .order_by(ProcessInstance.id.desc()).limit(limit))
    if version is not None:
        query = query.where(ProcessDefinition.version == version)
    rows = [InstanceRow(id=i.id, version=v, status=i.status, business_key=i.business_key,
                        started_by=i.started_by, created_at=i.created_at,
                        updated_at=i.updated_at, has_incident=i.has_incident)
            for i, v in session.execute(query)]
    by_id = {r.id: r for r in rows}
    if by_id:
        tasks = session.execute(
            select(HumanTask.instance_id, HumanTask.bpmn_id, HumanTask.name, HumanTask.lane)
            .where(HumanTask.instance_id.in_(by_id), HumanTask.status == "open")
            .order_by(HumanTask.created_at))
        for instance_id, bpmn_id, name, lane in tasks:
            by_id[instance_id].waiting_at.append((bpmn_id, name, lane))
    return rows
