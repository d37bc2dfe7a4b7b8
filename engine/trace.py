"""Where a running instance is and how it got there, for the operations console.

Derived from the workflow's task tree (the engine's own truth) and the stored BPMN: the
nodes executed, the nodes it waits at, the sequence flows taken between them, pending
timers with their due time, and the audit trail of the instance. Nothing here changes the
instance, so the view can be opened on any instance at any time.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from .deploy import _xml_parser
from .lint import BPMN
from .models import AuditEvent, HumanTask, ProcessInstance

_CURRENT = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
#: BPMN element kinds shown as "nodes" (flow nodes a person recognises on the diagram)
_NODE_KINDS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
               "boundaryEvent", "userTask", "serviceTask", "scriptTask", "businessRuleTask",
               "manualTask", "task", "sendTask", "receiveTask", "callActivity", "subProcess",
               "exclusiveGateway", "parallelGateway", "inclusiveGateway",
               "eventBasedGateway"}


def diagram_index(xml: str, key: str) -> tuple[list[dict[str, Any]],
                                                dict[tuple[str, str], str]]:
    """The process's flow nodes (id, name, type, lane) and its flows by (source, target)."""
    root = etree.fromstring(xml.encode("utf-8"), _xml_parser())
    nodes: list[dict[str, Any]] = []
    flows: dict[tuple[str, str], str] = {}
    for process in root.iter(f"{{{BPMN}}}process"):
        if process.get("id") != key:
            continue
        lanes = {ref.text.strip(): lane.get("name") or lane.get("id")
                 for lane in process.iter(f"{{{BPMN}}}lane")
                 for ref in lane.iter(f"{{{BPMN}}}flowNodeRef") if ref.text}
        for node in process.iter():
            if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN:
                continue
            kind = etree.QName(node).localname
            if kind == "sequenceFlow":
                flows[(node.get("sourceRef"), node.get("targetRef"))] = node.get("id")
            elif kind in _NODE_KINDS and node.get("id"):
                nodes.append({"id": node.get("id"), "name": node.get("name"), "type": kind,
                              "lane": lanes.get(node.get("id"))})
    return nodes, flows


def _bpmn_id(task: Any) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def _ancestor_node(task: Any) -> Any:
    parent = task.parent
    while parent is not None and _bpmn_id(parent) is None:
        parent = parent.parent
    return parent


def _timer_due(task: Any) -> str | None:
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, TimerEventDefinition):
        return None
    value = definition.details(task).value
    return value if isinstance(value, str) else None


def describe(session: Session, row: ProcessInstance, wf: Any) -> dict[str, Any]:
    """Everything the instance view shows, as plain JSON-ready data."""
    definition = row.definition
    nodes, flows = diagram_index(definition.bpmn_xml, definition.key)
    executed: list[str] = []
    current: list[dict[str, Any]] = []
    taken: list[str] = []
    timers: list[dict[str, Any]] = []
    for task in wf.get_tasks():
        bpmn_id = _bpmn_id(task)
        if bpmn_id is None:
            continue
        if task.state == TaskState.COMPLETED:
            if bpmn_id not in executed:
                executed.append(bpmn_id)
            parent = _ancestor_node(task)
            flow = flows.get((_bpmn_id(parent), bpmn_id)) if parent is not None else None
            if flow and flow not in taken:
                taken.append(flow)
        elif task.state & _CURRENT:
            current.append({"id": bpmn_id, "name": task.task_spec.bpmn_name,
                            "state": TaskState.get_name(task.state),
                            "lane": task.task_spec.lane})
            due = _timer_due(task) if task.state == TaskState.WAITING else None
            if due is not None:
                timers.append({"id": bpmn_id, "name": task.task_spec.bpmn_name, "due": due,
                               "kind": type(task.task_spec.event_definition).__name__})
            parent = _ancestor_node(task)
            if parent is not None and parent.state == TaskState.COMPLETED:
                flow = flows.get((_bpmn_id(parent), bpmn_id))
                if flow and flow not in taken:
                    taken.append(flow)
    human = session.execute(select(HumanTask).where(HumanTask.instance_id == row.id)
                            .order_by(HumanTask.created_at)).scalars().all()
    events = session.execute(select(AuditEvent).where(AuditEvent.instance_id == row.id)
                             .order_by(AuditEvent.id)).scalars().all()
    return {
        "id": row.id, "key": row.process_key, "version": definition.version,
        "definition_name": definition.name, "business_key": row.business_key,
        "status": row.status, "revision": row.revision, "has_incident": row.has_incident,
        "started_by": row.started_by, "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "completed_at": row.completed_at.isoformat() if row.completed_at else None,
        "next_timer_at": row.next_timer_at.isoformat() if row.next_timer_at else None,
        "nodes": nodes, "executed": executed, "current": current, "flows_taken": taken,
        "timers": sorted(timers, key=lambda t: t["due"]),
        "tasks": [{"id": t.id, "bpmn_id": t.bpmn_id, "name": t.name, "lane": t.lane,
                   "status": t.status, "created_at": t.created_at.isoformat(),
                   "claimed_by": t.claimed_by, "completed_by": t.completed_by,
                   "completed_at": t.completed_at.isoformat() if t.completed_at else None,
                   "due_at": t.due_at.isoformat() if t.due_at else None, "data": t.data}
                  for t in human],
        "path": [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
                  "version": e.process_version,
                  "task": (e.data or {}).get("task"), "data": e.data} for e in events],
    }
