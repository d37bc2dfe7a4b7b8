"""A generic BPMN runtime on SpiffWorkflow: deploy, run, persist, tasks, timers, outbox, audit.

It imports nothing from the permit domain: a permit is a process instance plus domain rows
that point at it. This module is the facade other layers use.
"""

from . import audit, clock, conflicts, idempotency, locks, outbox, schedule
from .db import Base, JsonType, db
from .errors import (
    DefinitionNotFound,
    DeployError,
    DraftRefused,
    EngineError,
    FormValidationError,
    IncidentNotFound,
    InstanceNotFound,
    Problem,
    Refusal,
    ScriptPolicyError,
    StaleInstance,
    StepRefused,
    TaskNotFound,
    TaskNotReady,
    UnknownOperator,
)
from .migration import MigrationPlan, MigrationRefused
from .models import (
    AuditEvent,
    Draft,
    HumanTask,
    Incident,
    OutboxMessage,
    ProcessDefinition,
    ProcessInstance,
    UtcDateTime,
)
from .runtime import Engine
from .services import OperatorRegistry, ServiceContext

__all__ = [
    # runtime
    "Engine", "OperatorRegistry", "ServiceContext", "audit", "clock", "conflicts",
    "idempotency", "locks", "outbox", "schedule",
    # persistence
    "Base", "JsonType", "UtcDateTime", "db",
    "AuditEvent", "Draft", "HumanTask", "Incident", "OutboxMessage", "ProcessDefinition",
    "ProcessInstance",
    # errors
    "DefinitionNotFound", "DeployError", "DraftRefused", "EngineError", "FormValidationError",
    "IncidentNotFound", "InstanceNotFound", "Problem", "Refusal", "ScriptPolicyError",
    "MigrationPlan", "MigrationRefused", "StaleInstance", "StepRefused", "TaskNotFound",
    "TaskNotReady", "UnknownOperator",
]
