"""One error tree for the engine.

Errors carry data, never HTTP codes: the web layer maps them (``web/errors.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class EngineError(Exception):
    """Base of everything the engine raises on purpose."""


@dataclass
class Problem:
    """One located problem in a deployed file: enough for a designer to find and fix it."""

    file: str
    message: str
    line: int | None = None
    element_id: str | None = None
    element_name: str | None = None
    hint: str | None = None
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "element_id": self.element_id,
            "element_name": self.element_name,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
        }


class DeployError(EngineError):
    """A deploy was refused; nothing was stored."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0].message if problems else "invalid deployment"
        super().__init__(f"{len(problems)} problem(s): {first}")


class DraftRefused(DeployError):
    """A draft was not saved (not well-formed, too large, wrong file type); nothing stored."""


class DefinitionNotFound(EngineError):
    def __init__(self, key: str, version: int | None = None):
        self.key, self.version = key, version
        super().__init__(f"process definition {key!r} v{version} not found" if version
                         else f"process definition {key!r} not found")


class InstanceNotFound(EngineError):
    def __init__(self, instance_id: int):
        self.instance_id = instance_id
        super().__init__(f"process instance {instance_id} not found")


class TaskNotFound(EngineError):
    def __init__(self, task_id: str):
        self.task_id = task_id
        super().__init__(f"task {task_id} not found")


class TaskNotReady(EngineError):
    """The task exists but cannot be completed now (already done, cancelled, or not reached)."""

    def __init__(self, task_id: str, state: str):
        self.task_id, self.state = task_id, state
        super().__init__(f"task {task_id} is {state}, not ready")


class StaleInstance(EngineError):
    """Someone else advanced the instance since it was read; the caller must reload.

    Also what a deadlock, a serialization failure or a busy SQLite becomes
    (``engine/conflicts.py``): to a person all of them mean "try again on fresh data", and
    a job is simply retried. ``instance_id`` is None when the conflict was met outside a
    step (a commit of domain rows only).
    """

    def __init__(self, instance_id: int | None, expected: int | None = None,
                 actual: int | None = None):
        self.instance_id, self.expected, self.actual = instance_id, expected, actual
        what = f"process instance {instance_id}" if instance_id is not None else "the data"
        super().__init__(f"{what} changed (revision {expected} → {actual})"
                         if expected is not None else f"{what} changed meanwhile")


class FormValidationError(EngineError):
    """Task data does not satisfy the task's form schema: field path → messages."""

    def __init__(self, task_id: str, errors: dict[str, list[str]]):
        self.task_id, self.errors = task_id, errors
        super().__init__(f"task {task_id}: invalid data for {', '.join(errors)}")


class Refusal(EngineError):
    """Raised by a service operator to refuse the step for a business reason.

    Unlike a failure (an incident), a refusal rolls the whole step back: the user sees the
    reasons (field → messages) and nothing changes.
    """

    def __init__(self, errors: dict[str, list[str]], code: str = "refused",
                 details: list[dict[str, Any]] | None = None):
        self.errors, self.code = errors, code
        self.details = details or []
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


@dataclass
class StepRefused(EngineError):
    """A service task refused the step (see :class:`Refusal`); carries where it happened."""

    bpmn_id: str
    operator: str
    errors: dict[str, list[str]]
    code: str = "refused"
    details: list[dict[str, Any]] = field(default_factory=list)
    #: the instance the step ran on (gone again if the refused step was its start)
    instance_id: int | None = None

    def __post_init__(self) -> None:
        super().__init__(f"{self.operator} at {self.bpmn_id} refused: {self.errors}")


class ScriptPolicyError(EngineError):
    """A script or expression uses something the restricted environment forbids."""


class UnknownOperator(EngineError):
    def __init__(self, operator: str):
        self.operator = operator
        super().__init__(f"no service operator registered as {operator!r}")


class IncidentNotFound(EngineError):
    def __init__(self, incident_id: int):
        self.incident_id = incident_id
        super().__init__(f"incident {incident_id} not found")


class AuditChainBroken(EngineError):
    def __init__(self, event_id: int, reason: str):
        self.event_id, self.reason = event_id, reason
        super().__init__(f"audit chain broken at event {event_id}: {reason}")
