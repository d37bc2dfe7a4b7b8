"""Moving a running instance to another version of its process (SpiffWorkflow's diff).

Instances stay pinned to the version they started on; an admin may move one explicitly.
SpiffWorkflow aligns task specs by BPMN id: a task whose spec no longer exists in the target
version cannot be mapped, so such a move is refused and the tasks are named. Tasks that are
ready or waiting are reset and predicted again on the new spec, so a waiting timer whose
due time is computed on arrival (a duration) starts again; the preview says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from . import serialize
from .deploy import ParsedDefinition
from .errors import EngineError

#: task states that mean "the instance is here or has been here" (not mere predictions)
_DEFINITE = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED \
    | TaskState.ERROR


@dataclass
class MigrationPlan:
    """What moving one instance from ``from_version`` to ``to_version`` would do."""

    instance_id: int
    key: str
    from_version: int
    to_version: int
    #: BPMN ids of task specs that exist only in the target version
    added: list[str] = field(default_factory=list)
    #: BPMN id → changed attributes of specs present in both
    changed: dict[str, list[str]] = field(default_factory=dict)
    #: tasks of this instance whose spec is gone in the target: {bpmn_id, name, state}
    orphaned: list[dict[str, Any]] = field(default_factory=list)
    #: ready/waiting tasks that will be reset and predicted again: {bpmn_id, name, state}
    reset: list[dict[str, Any]] = field(default_factory=list)

    @property
    def possible(self) -> bool:
        return not self.orphaned and self.from_version != self.to_version

    @property
    def reason(self) -> str | None:
        if self.from_version == self.to_version:
            return f"实例已在第 {self.to_version} 版 (already on version {self.to_version})"
        if self.orphaned:
            names = ", ".join(f"{t['bpmn_id']} ({t['name'] or t['bpmn_id']}, {t['state']})"
                              for t in self.orphaned)
            return (f"第 {self.to_version} 版删除了本实例已到达的任务，无法迁移: {names} "
                    f"(version {self.to_version} removes tasks this instance has reached)")
        return None

    def as_dict(self) -> dict[str, Any]:
        return {"instance_id": self.instance_id, "key": self.key,
                "from_version": self.from_version, "to_version": self.to_version,
                "added": self.added, "changed": self.changed, "orphaned": self.orphaned,
                "reset": self.reset, "possible": self.possible, "reason": self.reason}


class MigrationRefused(EngineError):
    """The instance cannot be moved; ``plan.reason`` says why, nothing was changed."""

    def __init__(self, plan: MigrationPlan):
        self.plan = plan
        super().__init__(plan.reason or "migration refused")


def _spec_id(spec: Any) -> str:
    return getattr(spec, "bpmn_id", None) or spec.name


def _task_view(task: Any) -> dict[str, Any]:
    spec = task.task_spec
    return {"bpmn_id": _spec_id(spec), "name": getattr(spec, "bpmn_name", None),
            "state": TaskState.get_name(task.state)}


def _diffs(wf: BpmnWorkflow, target: ParsedDefinition) -> tuple[Any, dict[str, Any]]:
    return diff_workflow(serialize.registry(), wf, target.spec, target.subprocess_specs)


def plan(wf: BpmnWorkflow, target: ParsedDefinition, *, instance_id: int, key: str,
         from_version: int, to_version: int) -> MigrationPlan:
    """Preview a migration without changing ``wf``."""
    top, subs = _diffs(wf, target)
    result = MigrationPlan(instance_id, key, from_version, to_version)
    unmapped = [task for workflow_diff in [top, *subs.values()] if workflow_diff is not None
                for task in workflow_diff.removed]
    # WorkflowDiff does not expose its SpecDiff: recompute the spec-level view (cheap).
    spec_diff = SpecDiff(serialize.registry(), wf.spec, target.spec)
    result.added = sorted(_spec_id(s) for s in spec_diff.added)
    result.changed = {_spec_id(s): sorted(fields) for s, fields in spec_diff.changed.items()}
    orphans = [t for t in unmapped if t.state & _DEFINITE]
    # Predicted tasks of a removed spec only matter where the reset will not re-predict them.
    orphans.extend(t for t in unmapped if not t.state & _DEFINITE and not _under_reset(t))
    for sp_id, sp_diff in subs.items():
        if sp_diff is None:
            sub = wf.subprocesses[sp_id]
            orphans.extend(t for t in sub.get_tasks() if t.state & _DEFINITE)
    seen: set[str] = set()
    for task in orphans:
        view = _task_view(task)
        if str(task.id) not in seen:
            seen.add(str(task.id))
            result.orphaned.append(view)
    for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
        result.reset.append(_task_view(task))
    return result


def _under_reset(task: Any) -> bool:
    """True when an ancestor is ready or waiting: the reset drops and re-predicts it."""
    parent = task.parent
    while parent is not None:
        if parent.state & (TaskState.READY | TaskState.WAITING):
            return True
        parent = parent.parent
    return False


def apply(wf: BpmnWorkflow, target: ParsedDefinition) -> None:
    """Move ``wf`` onto the target specs (call :func:`plan` first and honour its verdict)."""
    top, subs = _diffs(wf, target)
    migrate_workflow(top, wf, target.spec)
    for sp_id, sp_diff in subs.items():
        sub = wf.subprocesses.get(sp_id)
        if sub is None or sp_diff is None:
            continue
        migrate_workflow(sp_diff, sub, target.subprocess_specs[sub.spec.name])
    wf.subprocess_specs = target.subprocess_specs
