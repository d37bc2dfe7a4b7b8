"""Running instances: start, complete a task, fire timers, retry incidents, cancel.

Every public method is one *engine step* inside the caller's transaction: it locks the
instance row (``engine/locks.py``), loads the workflow, advances it, and writes the
serialized state, the human-task index, audit events and outbox jobs into the session.
The caller (a request or a job) commits or rolls back. A concurrent step on the same
instance waits for the lock (PostgreSQL) and then finds the instance moved on, or fails
with :class:`StaleInstance` at whichever flush meets the conflict (``engine/conflicts.py``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from jsonschema import Draft202012Validator
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import (
    MessageEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, clock, drafts, locks, migration, outbox, serialize
from . import deploy as deploying
from .conflicts import as_stale, is_conflict
from .errors import (
    EngineError,
    FormValidationError,
    IncidentNotFound,
    InstanceNotFound,
    Refusal,
    StaleInstance,
    StepRefused,
    TaskNotFound,
    TaskNotReady,
)
from .lint import FORM_PROPERTY
from .models import HumanTask, Incident, ProcessDefinition, ProcessInstance
from .scripting import ScriptEngine
from .services import OperatorRegistry, ServiceContext

MAX_AUTO_RETRIES = 5
RETRY_BASE = timedelta(seconds=30)

#: the caller's response-time policy: when a newly opened human task is due, or None
TaskDuePolicy = Callable[[HumanTask], datetime | None]


@dataclass
class _Step:
    """Effects collected during one step; bound to the instance being advanced."""

    session: Session
    row: ProcessInstance
    actor: str | None
    now: datetime
    definition: ProcessDefinition

    def enqueue(self, actor: str, payload: dict[str, Any], *, queue: str = "default",
                delay_seconds: float = 0) -> None:
        outbox.enqueue(self.session, actor, payload, now=self.now, queue=queue,
                       delay_seconds=delay_seconds)

    def audit(self, action: str, data: dict[str, Any]) -> None:
        audit.append(self.session, action=action, at=self.now, actor=self.actor,
                     instance_id=self.row.id, process_key=self.definition.key,
                     process_version=self.definition.version, data=data)


_step: contextvars.ContextVar[_Step] = contextvars.ContextVar("engine_step")


def _properties(task_spec: Any) -> dict[str, Any]:
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {}) or {}


def _form_errors(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    allowed = set((schema.get("properties") or {}).keys())
    for key in data:
        if key not in allowed:
            errors.setdefault(key, []).append("unknown field for this form")
    for err in Draft202012Validator(schema).iter_errors(data):
        path = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else ""
            path = f"{path}.{missing}" if path and missing else (missing or path)
            errors.setdefault(path or "(form)", []).append("required")
        else:
            errors.setdefault(path or "(form)", []).append(err.message)
    return errors


class Engine:
    """The BPMN runtime. Stateless apart from its operator registry and the spec cache."""

    def __init__(self, registry: OperatorRegistry | None = None, *,
                 task_due: TaskDuePolicy | None = None):
        """``task_due`` stamps each task's due time as it opens, so "overdue" is one indexed
        comparison in the inbox; how long a step may wait is the caller's business."""
        self.registry = registry or OperatorRegistry()
        self.task_due = task_due
        self.script_engine = ScriptEngine(self._call_operator)

    # -- deploy ---------------------------------------------------------------------------
    def deploy(self, session: Session, files: list[tuple[str, bytes | str]], *,
               actor: str | None = None, notes: str | None = None) -> list[ProcessDefinition]:
        rows = deploying.deploy(session, files, has_operator=self.registry.__contains__,
                                now=clock.now(), actor=actor, notes=notes)
        drafts.clear(session, {r.key for r in rows}, actor)
        return rows

    def deploy_decision(self, session: Session, name: str, content: bytes | str, *,
                        actor: str | None = None, notes: str | None = None
                        ) -> list[ProcessDefinition]:
        """A changed DMN file becomes a new version of every process that uses it."""
        rows = deploying.deploy_decision(session, name, content,
                                         has_operator=self.registry.__contains__,
                                         now=clock.now(), actor=actor, notes=notes)
        drafts.clear(session, {r.key for r in rows}, actor)
        return rows

    def check_decision(self, session: Session, name: str, content: bytes | str) -> list[Any]:
        return deploying.check_decision(session, name, content,
                                        has_operator=self.registry.__contains__)

    def redeploy(self, session: Session, key: str, version: int, *, actor: str | None = None,
                 notes: str | None = None) -> ProcessDefinition:
        """Roll back: deploy the sources of an old version again as the newest version."""
        old = self.definition(session, key, version)
        files = [(f["name"], f["content"]) for f in old.files]
        note = f"重新部署第 {version} 版 (redeploy of version {version})"
        rows = deploying.deploy(session, files, has_operator=self.registry.__contains__,
                                now=clock.now(), actor=actor,
                                notes=f"{note}: {notes}" if notes else note,
                                reuse_latest_only=True)
        return next(r for r in rows if r.key == key)

    def check(self, files: list[tuple[str, bytes | str]], *,
              session: Session | None = None) -> list[Any]:
        return deploying.check(files, has_operator=self.registry.__contains__,
                               session=session)

    # -- service dispatch -----------------------------------------------------------------
    def _call_operator(self, task: Any, operator: str, params: dict[str, Any]) -> Any:
        step = _step.get()
        ctx = ServiceContext(
            session=step.session, now=step.now, actor=step.actor, instance_id=step.row.id,
            process_key=step.definition.key, process_version=step.definition.version,
            business_key=step.row.business_key, bpmn_id=task.task_spec.bpmn_id,
            operator=operator, data=dict(task.data), effects=step)
        return self.registry.get(operator)(ctx, **params)

    # -- loading and saving ---------------------------------------------------------------
    def load(self, row: ProcessInstance) -> BpmnWorkflow:
        parsed = deploying.parsed(row.definition)
        wf = serialize.load(row.state, parsed.spec, parsed.subprocess_specs)
        wf.script_engine = self.script_engine  # never run with the default, unrestricted one
        return wf

    @contextmanager
    def _stepping(self, session: Session, row: ProcessInstance, actor: str | None,
                  now: datetime) -> Iterator[_Step]:
        """One step: a stale write or a deadlock at any of its flushes (an autoflush, a
        handler's flush, the final save) leaves as :class:`StaleInstance`."""
        step = _Step(session, row, actor, now, row.definition)
        token = _step.set(step)
        try:
            with as_stale(row.id):
                yield step
        finally:
            _step.reset(token)

    def _advance(self, session: Session, row: ProcessInstance, wf: BpmnWorkflow,
                 step: _Step) -> None:
        """Run engine tasks until people or time are needed, then persist everything."""

        def did_complete(task: Any) -> None:
            spec = task.task_spec
            if hasattr(spec, "operation_name"):
                step.audit("service.completed", {
                    "task": spec.bpmn_id, "name": spec.bpmn_name,
                    "operator": spec.operation_name,
                    "result": task.data.get(spec.result_variable)})
            elif hasattr(spec, "decision_table"):
                outputs = {o.name: task.data.get(o.name)
                           for o in getattr(spec.decision_table, "outputs", [])}
                decision = getattr(spec.decision_table, "decision_table_id", None)
                step.audit("decision.evaluated", {
                    "task": spec.bpmn_id, "name": spec.bpmn_name, "decision": decision,
                    "outputs": outputs})

        try:
            wf.do_engine_steps(did_complete_task=did_complete)
        except Refusal as exc:
            failed = wf.get_tasks(state=TaskState.ERROR)
            spec = failed[0].task_spec if failed else None
            raise StepRefused(bpmn_id=getattr(spec, "bpmn_id", "") or "",
                              operator=getattr(spec, "operation_name", "") or "",
                              errors=exc.errors, code=exc.code, details=exc.details,
                              instance_id=row.id) from None
        except Exception as exc:  # a failing handler or expression: an incident, not a 500
            if is_conflict(exc):  # another step won the race: this one is redone, not broken
                raise
            if (isinstance(exc, EngineError) and not isinstance(exc, WorkflowException)
                    and not wf.get_tasks(state=TaskState.ERROR)):
                raise
            self._record_incident(session, row, wf, step, exc)
        self._save(session, row, wf, step)

    def _record_incident(self, session: Session, row: ProcessInstance, wf: BpmnWorkflow,
                         step: _Step, exc: Exception) -> None:
        failed = wf.get_tasks(state=TaskState.ERROR)
        if not failed:
            raise exc
        task = failed[0]
        message = f"{type(exc).__name__}: {exc}"[:4000]
        existing = session.execute(select(Incident).where(
            Incident.instance_id == row.id, Incident.task_id == str(task.id),
            Incident.status == "open")).scalar_one_or_none()
        if existing is None:
            existing = Incident(instance_id=row.id, task_id=str(task.id),
                                bpmn_id=task.task_spec.bpmn_id or task.task_spec.name,
                                operator=getattr(task.task_spec, "operation_name", None),
                                error=message, retries=0, created_at=step.now)
            session.add(existing)
        else:
            existing.retries += 1
            existing.error = message
        existing.next_retry_at = (step.now + RETRY_BASE * (2 ** existing.retries)
                                  if existing.retries < MAX_AUTO_RETRIES else None)
        row.has_incident = True
        step.audit("incident.opened", {"task": existing.bpmn_id, "operator": existing.operator,
                                       "error": message, "retries": existing.retries})
        step.enqueue("engine.incident", {"instance_id": row.id, "task": existing.bpmn_id,
                                         "error": message})

    def _save(self, session: Session, row: ProcessInstance, wf: BpmnWorkflow,
              step: _Step) -> None:
        row.state = serialize.dump(wf)
        row.updated_at = step.now
        row.next_timer_at = self._next_timer(wf)
        if wf.is_completed() and row.status == "running":
            row.status = "completed"
            row.completed_at = step.now
            step.audit("instance.completed", {"success": wf.success})
        self._sync_inbox(session, row, wf, step)
        session.flush()  # a stale revision raises here; _stepping makes it StaleInstance

    @staticmethod
    def _next_timer(wf: BpmnWorkflow) -> datetime | None:
        due: list[datetime] = []
        for event in wf.waiting_events():
            # TimeDate/Duration/CycleTimer definitions report their due time as ISO text
            if "Time" in event.event_type and isinstance(event.value, str):
                try:
                    when = datetime.fromisoformat(event.value)
                except ValueError:
                    continue
                if when.tzinfo is None:
                    continue
                due.append(when)
        return min(due) if due else None

    def _sync_inbox(self, session: Session, row: ProcessInstance, wf: BpmnWorkflow,
                    step: _Step) -> None:
        ready = {str(t.id): t for t in wf.get_tasks(state=TaskState.READY, manual=True)}
        open_rows = session.execute(select(HumanTask).where(
            HumanTask.instance_id == row.id, HumanTask.status == "open")).scalars().all()
        for ht in open_rows:
            if ht.id not in ready:
                ht.status = "cancelled"
                ht.completed_at = step.now
        known = {ht.id for ht in open_rows}
        for task_id, task in ready.items():
            if task_id in known:
                continue
            spec = task.task_spec
            props = _properties(spec)
            ht = HumanTask(
                id=task_id, instance_id=row.id, process_key=row.process_key,
                bpmn_id=spec.bpmn_id, name=spec.bpmn_name, lane=spec.lane,
                form=props.get(FORM_PROPERTY), mandatory=props.get("mandatory") == "true",
                status="open", created_at=step.now)
            if self.task_due is not None:
                ht.due_at = self.task_due(ht)
            session.add(ht)

    # -- public steps ---------------------------------------------------------------------
    def definition(self, session: Session, key: str, version: int | None = None
                   ) -> ProcessDefinition:
        from .errors import DefinitionNotFound

        query = select(ProcessDefinition).where(ProcessDefinition.key == key)
        if version is not None:
            query = query.where(ProcessDefinition.version == version)
        row = session.execute(query.order_by(ProcessDefinition.version.desc()).limit(1)
                              ).scalar_one_or_none()
        if row is None:
            raise DefinitionNotFound(key, version)
        return row

    def start(self, session: Session, key: str, data: dict[str, Any], *,
              actor: str | None = None, business_key: str | None = None,
              version: int | None = None) -> ProcessInstance:
        definition = self.definition(session, key, version)
        parsed = deploying.parsed(definition)
        now = clock.now()
        wf = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=self.script_engine)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(data)
        row = ProcessInstance(definition=definition, definition_id=definition.id,
                              process_key=key, business_key=business_key, status="running",
                              state="{}", started_by=actor, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        locks.mark_locked(session, row)
        with self._stepping(session, row, actor, now) as step:
            step.audit("instance.started", {"business_key": business_key})
            self._advance(session, row, wf, step)
        return row

    def get_instance(self, session: Session, instance_id: int) -> ProcessInstance:
        row = session.get(ProcessInstance, instance_id)
        if row is None:
            raise InstanceNotFound(instance_id)
        return row

    @staticmethod
    def lock_instance(session: Session, instance_id: int) -> ProcessInstance:
        """The instance locked for this transaction, with its state: every step's first act.

        Callers that read or lock other rows of the instance before the step (a task's
        claim) call it first themselves, so the instance row is always locked first
        (``engine/locks.py``). No autoflush: the caller's pending changes go out with the
        step's own flush, after the lock.
        """
        row = locks.lock_instance(session, instance_id)
        assert row is not None
        return row

    @staticmethod
    def locks_rows(session: Session) -> bool:
        """Whether locking waits for other transactions (PostgreSQL), so that rows read
        before the lock may be older than what the lock holder committed."""
        return locks.row_locks(session)

    def get_task(self, session: Session, task_id: str) -> HumanTask:
        task = session.get(HumanTask, task_id)
        if task is None:
            raise TaskNotFound(task_id)
        return task

    def form_schema(self, task: HumanTask) -> dict[str, Any] | None:
        if not task.form:
            return None
        return deploying.parsed(task.instance.definition).forms.get(task.form)

    def validate_task_data(self, task: HumanTask, data: dict[str, Any]) -> None:
        schema = self.form_schema(task)
        if schema is None:
            if data:
                raise FormValidationError(task.id, {"(form)": ["this task takes no data"]})
            return
        errors = _form_errors(schema, data)
        if errors:
            raise FormValidationError(task.id, errors)

    def complete_task(self, session: Session, task_id: str, data: dict[str, Any], *,
                      actor: str | None = None, expected_revision: int | None = None
                      ) -> ProcessInstance:
        ht = self.get_task(session, task_id)
        if ht.status != "open":
            raise TaskNotReady(task_id, ht.status)
        row = self.lock_instance(session, ht.instance_id)
        if expected_revision is not None and expected_revision != row.revision:
            raise StaleInstance(row.id, expected_revision, row.revision)
        self.validate_task_data(ht, data)
        wf = self.load(row)
        task = wf.get_task_from_id(UUID(task_id))
        if task is None or task.state != TaskState.READY:
            raise TaskNotReady(task_id, TaskState.get_name(task.state) if task else "missing")
        now = clock.now()
        with self._stepping(session, row, actor, now) as step:
            task.data.update(data)
            task.run()
            ht.status, ht.completed_by, ht.completed_at, ht.data = "completed", actor, now, data
            step.audit("task.completed", {"task": ht.bpmn_id, "name": ht.name, "task_id": ht.id,
                                          "lane": ht.lane, "data": data})
            self._advance(session, row, wf, step)
        return row

    def skip_task(self, session: Session, task_id: str, *, actor: str | None, reason: str,
                  expected_revision: int | None = None) -> ProcessInstance:
        """Move past an open user task without its data: an explicit, audited override.

        The task's index row keeps status ``skipped`` with the reason, so whoever measures
        what was done (a compliance rate) sees the gap. Who may skip what is the caller's
        policy; the engine only records it.
        """
        ht = self.get_task(session, task_id)
        if ht.status != "open":
            raise TaskNotReady(task_id, ht.status)
        row = self.lock_instance(session, ht.instance_id)
        if expected_revision is not None and expected_revision != row.revision:
            raise StaleInstance(row.id, expected_revision, row.revision)
        wf = self.load(row)
        task = wf.get_task_from_id(UUID(task_id))
        if task is None or task.state != TaskState.READY:
            raise TaskNotReady(task_id, TaskState.get_name(task.state) if task else "missing")
        now = clock.now()
        with self._stepping(session, row, actor, now) as step:
            task.run()
            ht.status, ht.completed_by, ht.completed_at = "skipped", actor, now
            ht.data = {"skip_reason": reason}
            step.audit("task.skipped", {"task": ht.bpmn_id, "task_id": ht.id,
                                        "lane": ht.lane, "reason": reason})
            self._advance(session, row, wf, step)
        return row

    def task_properties(self, task: HumanTask) -> dict[str, Any]:
        """The ``spiffworkflow:property`` values of a task's BPMN element (mandatory, …)."""
        spec = deploying.parsed(task.instance.definition).spec.task_specs.get(task.bpmn_id)
        return dict(_properties(spec)) if spec is not None else {}

    def send_message(self, session: Session, instance_id: int, name: str,
                     payload: dict[str, Any] | None = None, *, actor: str | None = None,
                     signal: bool = False) -> ProcessInstance:
        row = self.lock_instance(session, instance_id)
        wf = self.load(row)
        definition = (SignalEventDefinition if signal else MessageEventDefinition)(name)
        now = clock.now()
        with self._stepping(session, row, actor, now) as step:
            try:
                wf.send_event(BpmnEvent(definition, payload or {}))
            except WorkflowException:
                raise TaskNotReady(f"{instance_id}:{name}", "not waiting") from None
            step.audit("event.received", {"name": name, "signal": signal, "payload": payload})
            self._advance(session, row, wf, step)
        return row

    def cancel(self, session: Session, instance_id: int, *, actor: str | None,
               reason: str) -> ProcessInstance:
        row = self.lock_instance(session, instance_id)
        if row.status != "running":
            raise TaskNotReady(str(instance_id), row.status)
        wf = self.load(row)
        now = clock.now()
        with self._stepping(session, row, actor, now) as step:
            wf.cancel()
            row.status = "cancelled"
            row.completed_at = now
            for incident in session.execute(select(Incident).where(
                    Incident.instance_id == row.id, Incident.status == "open")).scalars():
                incident.status, incident.resolved_at, incident.resolved_by = \
                    "cancelled", now, actor
            row.has_incident = False
            step.audit("instance.cancelled", {"reason": reason})
            self._save(session, row, wf, step)
        return row

    def fire_timers(self, session: Session, row: ProcessInstance) -> ProcessInstance:
        row = self.lock_instance(session, row.id)
        wf = self.load(row)
        now = clock.now()
        with self._stepping(session, row, "timer", now) as step:
            wf.refresh_timers()
            self._advance(session, row, wf, step)
        return row

    def due_timer_instances(self, session: Session, *, limit: int = 100) -> list[int]:
        query = (select(ProcessInstance.id)
                 .where(ProcessInstance.status == "running",
                        ProcessInstance.next_timer_at <= clock.now())
                 .order_by(ProcessInstance.next_timer_at).limit(limit))
        return list(session.execute(query).scalars())

    def retry_incident(self, session: Session, incident_id: int, *,
                       actor: str | None = None) -> Incident:
        incident, row, wf, task = self._open_incident(session, incident_id)
        now = clock.now()
        with self._stepping(session, row, actor or "retry", now) as step:
            task.reset_data() if hasattr(task, "reset_data") else None
            task._set_state(TaskState.READY)
            step.audit("incident.retried", {"incident": incident.id, "task": incident.bpmn_id})
            self._advance(session, row, wf, step)
            if not wf.get_tasks(state=TaskState.ERROR):
                incident.status, incident.resolved_at, incident.resolved_by = \
                    "resolved", now, actor or "retry"
                incident.next_retry_at = None
                row.has_incident = self._other_incidents(session, incident)
                session.flush()
        return incident

    def incident_properties(self, session: Session, incident: Incident) -> dict[str, Any]:
        """The ``spiffworkflow:property`` values of the failed task's BPMN element."""
        row = self.get_instance(session, incident.instance_id)
        spec = deploying.parsed(row.definition).spec.task_specs.get(incident.bpmn_id)
        return dict(_properties(spec)) if spec is not None else {}

    def skip_incident(self, session: Session, incident_id: int, *, actor: str | None,
                      reason: str) -> Incident:
        """Move past a failed service task without running it again: an audited override.

        The task is marked completed with whatever data it had; what follows runs as usual
        (a gateway that needed the skipped result fails again, as a new incident). Whether a
        step may be skipped at all is the caller's policy, as for :meth:`skip_task`.
        """
        incident, row, wf, task = self._open_incident(session, incident_id)
        if task.state != TaskState.ERROR:
            raise TaskNotReady(incident.task_id, TaskState.get_name(task.state))
        now = clock.now()
        with self._stepping(session, row, actor, now) as step:
            task.complete()
            incident.status, incident.resolved_at, incident.resolved_by = "skipped", now, actor
            incident.next_retry_at = None
            step.audit("incident.skipped", {"incident": incident.id, "task": incident.bpmn_id,
                                            "operator": incident.operator, "reason": reason})
            row.has_incident = self._other_incidents(session, incident)
            self._advance(session, row, wf, step)
        return incident

    def _open_incident(self, session: Session, incident_id: int
                       ) -> tuple[Incident, ProcessInstance, BpmnWorkflow, Any]:
        """The open incident, its instance, the loaded workflow and the failed task."""
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise IncidentNotFound(incident_id)
        if incident.status != "open":
            raise TaskNotReady(str(incident_id), incident.status)
        held = locks.is_locked(session, incident.instance_id)
        row = self.lock_instance(session, incident.instance_id)
        if not held and self.locks_rows(session):
            session.refresh(incident)  # read before the lock: another retry may have won
            if incident.status != "open":
                raise TaskNotReady(str(incident_id), incident.status)
        wf = self.load(row)
        task = wf.get_task_from_id(UUID(incident.task_id))
        if task is None:
            raise TaskNotReady(incident.task_id, "missing")
        return incident, row, wf, task

    @staticmethod
    def _other_incidents(session: Session, incident: Incident) -> bool:
        return session.execute(select(Incident.id).where(
            Incident.instance_id == incident.instance_id, Incident.status == "open",
            Incident.id != incident.id)).first() is not None

    def due_incidents(self, session: Session, *, limit: int = 100) -> list[int]:
        return list(session.execute(
            select(Incident.id).where(Incident.status == "open",
                                      Incident.next_retry_at <= clock.now())
            .order_by(Incident.next_retry_at).limit(limit)).scalars())

    # -- moving an instance to another version -------------------------------------------
    def _migration_target(self, session: Session, row: ProcessInstance,
                          to_version: int | None) -> ProcessDefinition:
        if row.status != "running":
            raise TaskNotReady(str(row.id), row.status)
        return self.definition(session, row.process_key, to_version)

    def migration_preview(self, session: Session, instance_id: int, *,
                          to_version: int | None = None) -> migration.MigrationPlan:
        """What moving the instance to ``to_version`` (default: the latest) would change."""
        row = self.get_instance(session, instance_id)
        target = self._migration_target(session, row, to_version)
        return migration.plan(self.load(row), deploying.parsed(target), instance_id=row.id,
                              key=row.process_key, from_version=row.definition.version,
                              to_version=target.version)

    def migrate(self, session: Session, instance_id: int, *, to_version: int | None,
                actor: str | None, expected_revision: int | None = None
                ) -> migration.MigrationPlan:
        """Move a running instance to another version, audited; refuse when tasks would orphan.

        Ready and waiting tasks keep their ids (the inbox rows stay); they are predicted
        again on the new spec, and the engine then runs whatever became runnable.
        """
        row = self.lock_instance(session, instance_id)
        if expected_revision is not None and expected_revision != row.revision:
            raise StaleInstance(row.id, expected_revision, row.revision)
        target = self._migration_target(session, row, to_version)
        wf = self.load(row)
        parsed = deploying.parsed(target)
        plan = migration.plan(wf, parsed, instance_id=row.id, key=row.process_key,
                              from_version=row.definition.version, to_version=target.version)
        if not plan.possible:
            raise migration.MigrationRefused(plan)
        migration.apply(wf, parsed)
        row.definition, row.definition_id = target, target.id
        with self._stepping(session, row, actor, clock.now()) as step:
            step.audit("instance.migrated", {
                "from_version": plan.from_version, "to_version": plan.to_version,
                "added": plan.added, "changed": plan.changed,
                "reset": [t["bpmn_id"] for t in plan.reset]})
            self._advance(session, row, wf, step)
        return plan


    def describe(self, session: Session, instance_id: int) -> dict[str, Any]:
        """The instance view: executed and current nodes, flows taken, timers, audit trail."""
        from . import trace

        row = self.get_instance(session, instance_id)
        return trace.describe(session, row, self.load(row))
