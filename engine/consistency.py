"""Does the inbox agree with the workflows? Each instance's open tasks must be exactly its
workflow's ready user tasks.

The inbox rows are an index written in the same transaction as the workflow state; a step
half written (a lost update, a commit cut by a dropped connection) shows up here as a task
someone can see but not complete, or one nobody sees. The drills run it after every
scenario; ``permitflow audit tasks`` runs it on a live plant.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import HumanTask, ProcessInstance


@dataclass
class Mismatch:
    instance_id: int
    status: str
    #: open in the inbox, not ready in the workflow
    extra: list[str] = field(default_factory=list)
    #: ready in the workflow, not open in the inbox
    missing: list[str] = field(default_factory=list)


@dataclass
class ConsistencyResult:
    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def check_tasks(session: Session, engine: object, *, batch: int = 200) -> ConsistencyResult:
    """Compare every instance (finished ones must have no open task)."""
    result = ConsistencyResult()
    open_tasks: dict[int, dict[str, str]] = defaultdict(dict)
    for task_id, instance_id, bpmn_id in session.execute(
            select(HumanTask.id, HumanTask.instance_id, HumanTask.bpmn_id)
            .where(HumanTask.status == "open")):
        open_tasks[instance_id][task_id] = bpmn_id
    last = 0
    while True:
        rows = session.execute(select(ProcessInstance).where(ProcessInstance.id > last)
                               .order_by(ProcessInstance.id).limit(batch)).scalars().all()
        if not rows:
            return result
        for row in rows:
            last = row.id
            result.checked += 1
            ready: dict[str, str] = {}
            if row.status == "running":
                wf = engine.load(row)  # type: ignore[attr-defined]
                ready = {str(t.id): t.task_spec.bpmn_id
                         for t in wf.get_tasks(state=TaskState.READY, manual=True)}
            inbox = open_tasks.get(row.id, {})
            extra = sorted(f"{inbox[k]}:{k}" for k in inbox.keys() - ready.keys())
            missing = sorted(f"{ready[k]}:{k}" for k in ready.keys() - inbox.keys())
            if extra or missing:
                result.mismatches.append(Mismatch(row.id, row.status, extra, missing))
        session.expunge_all()
