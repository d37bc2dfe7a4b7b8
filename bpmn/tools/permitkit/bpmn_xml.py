"""The BPMN 2.0 document of a process: collaboration, lanes, flow nodes with the
SpiffWorkflow extensions the engine reads, sequence flows, and BPMNDI from a layout.

What the engine relies on (design §3): ``formJsonSchemaFilename`` on every user task,
``mandatory`` and further flags as ``spiffworkflow:property``, service calls as
``spiffworkflow:serviceTaskOperator`` with Python-expression parameters, decisions by id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from .layout import Layout
from .model import Node, Process

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _sub(parent: Any, prefix: str, tag: str, text: str | None = None, **attrs: Any) -> Any:
    el = etree.SubElement(parent, _q(prefix, tag), {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def emission_order(process: Process) -> tuple[list[str], set[str]]:
    """Flow nodes in document order, and the parameter ids that shadow node ids.

    SpiffWorkflow 3.2.0 (``ProcessParser._index_process_nodes``) indexes *every* element
    with an ``id``, ``spiffworkflow:parameter`` included; the last one in document order
    wins and ``targetRef`` is resolved through that index. A service task whose parameter
    shares its id with a flow node (hot work's ``permit.set_grade`` has a parameter
    ``grade``, the business rule task is ``grade`` too) is therefore written before every
    other node, so the node comes last and wins.
    """
    ids = set(process.nodes)
    clash = {p for n in process.nodes.values() if n.service for p in n.service.params} & ids
    first = [n.id for n in process.nodes.values()
             if n.service and set(n.service.params) & ids]
    return first + [n for n in process.nodes if n not in first], clash


def build_bpmn(process: Process, layout: Layout, exporter: str) -> etree._ElementTree:
    process.check()
    key = process.key
    root = etree.Element(_q("bpmn", "definitions"), nsmap=NS, attrib={
        "id": f"Definitions_{key}", "targetNamespace": f"urn:permitflow:bpmn:{key}",
        "exporter": exporter, "exporterVersion": "1"})

    def messages() -> None:
        for name in process.messages:
            _sub(root, "bpmn", "message", id=f"msg_{name}", name=name)

    if process.messages_first:
        messages()
    collab = _sub(root, "bpmn", "collaboration", id=f"collab_{key}", name=process.title)
    _sub(collab, "bpmn", "participant", id=f"participant_{key}", name=process.participant,
         processRef=key)
    if not process.messages_first:
        messages()
    proc = _sub(root, "bpmn", "process", id=key, name=process.name, isExecutable="true")
    _sub(proc, "bpmn", "documentation", process.doc)
    lane_set = _sub(proc, "bpmn", "laneSet", id=f"laneset_{key}")
    for lane in process.lanes:
        el = _sub(lane_set, "bpmn", "lane", id=f"lane_{lane.role}", name=lane.role)
        _sub(el, "bpmn", "documentation", lane.label)
        for node in process.nodes.values():
            if node.lane == lane.role:
                _sub(el, "bpmn", "flowNodeRef", node.id)

    incoming: dict[str, list[str]] = {n: [] for n in process.nodes}
    outgoing: dict[str, list[str]] = {n: [] for n in process.nodes}
    defaults: dict[str, str] = {}
    for flow in process.flows:
        assert flow.id
        outgoing[flow.src].append(flow.id)
        incoming[flow.tgt].append(flow.id)
        if flow.default:
            defaults[flow.src] = flow.id
    order, clash = emission_order(process)
    if order[0] != next(iter(process.nodes)):
        name = " ".join(sorted(clash))
        proc.append(etree.Comment(
            f" {order[0]} is listed first on purpose: SpiffWorkflow 3.2.0 resolves targetRef "
            "through an index of every element with an id (parameters included, last one "
            f"wins); its parameter '{name}' must not shadow the task '{name}'. "))
    for node_id in order:
        node = process.nodes[node_id]
        _node(proc, process, node, incoming[node_id], outgoing[node_id], defaults.get(node_id))
    for flow in process.flows:
        attrs = {"id": flow.id, "sourceRef": flow.src, "targetRef": flow.tgt}
        if flow.name:
            attrs["name"] = flow.name
        el = _sub(proc, "bpmn", "sequenceFlow", **attrs)
        if flow.cond:
            _sub(el, "bpmn", "conditionExpression", flow.cond).set(
                _q("xsi", "type"), "bpmn:tFormalExpression")
    _diagram(root, process, layout)
    return etree.ElementTree(root)


def _node(parent: Any, process: Process, node: Node, incoming: list[str],
          outgoing: list[str], default: str | None) -> None:
    attrs: dict[str, Any] = {"id": node.id, "name": node.name}
    if node.kind == "exclusiveGateway" and default:
        attrs["default"] = default
    if node.kind == "boundaryEvent":
        attrs["attachedToRef"] = node.attached
        attrs["cancelActivity"] = "true" if node.interrupting else "false"
    el = _sub(parent, "bpmn", node.kind, **attrs)
    if node.doc:
        _sub(el, "bpmn", "documentation", node.doc)
    if node.kind == "userTask":
        props = _sub(_sub(el, "bpmn", "extensionElements"), "spiffworkflow", "properties")
        _sub(props, "spiffworkflow", "property", name="formJsonSchemaFilename",
             value=f"{process.key}.{node.id}.schema.json")
        if node.mandatory:
            _sub(props, "spiffworkflow", "property", name="mandatory", value="true")
        for name, value in node.props.items():
            _sub(props, "spiffworkflow", "property", name=name, value=value)
    elif node.kind == "serviceTask":
        assert node.service, node.id
        op = _sub(_sub(el, "bpmn", "extensionElements"), "spiffworkflow",
                  "serviceTaskOperator", id=node.service.operator,
                  resultVariable=node.service.result)
        holder = _sub(op, "spiffworkflow", "parameters")
        for name, (ptype, expr) in node.service.params.items():
            _sub(holder, "spiffworkflow", "parameter", id=name, type=ptype, value=expr)
    elif node.kind == "businessRuleTask":
        assert node.decision, node.id
        _sub(_sub(el, "bpmn", "extensionElements"), "spiffworkflow", "calledDecisionId",
             node.decision)
    for flow_id in incoming:
        _sub(el, "bpmn", "incoming", flow_id)
    for flow_id in outgoing:
        _sub(el, "bpmn", "outgoing", flow_id)
    if node.timer:
        timer_kind, expr = node.timer
        ted = _sub(el, "bpmn", "timerEventDefinition", id=f"{node.id}_timer")
        _sub(ted, "bpmn", timer_kind, expr).set(_q("xsi", "type"), "bpmn:tFormalExpression")
    if node.message:
        med = _sub(el, "bpmn", "messageEventDefinition", id=f"{node.id}_message",
                   messageRef=f"msg_{node.message}")
        variable = process.messages[node.message]
        if variable:
            _sub(_sub(med, "bpmn", "extensionElements"), "spiffworkflow", "messageVariable",
                 variable)
    if node.terminate:
        _sub(el, "bpmn", "terminateEventDefinition", id=f"{node.id}_terminate")


def _diagram(root: Any, process: Process, layout: Layout) -> None:
    key, fmt = process.key, layout.fmt

    def bounds(parent: Any, box: tuple[float, float, float, float]) -> None:
        x, y, w, h = box
        etree.SubElement(parent, _q("dc", "Bounds"), x=fmt(x), y=fmt(y), width=fmt(w),
                         height=fmt(h))

    diagram = _sub(root, "bpmndi", "BPMNDiagram", id=f"BPMNDiagram_{key}")
    plane = _sub(diagram, "bpmndi", "BPMNPlane", id=f"BPMNPlane_{key}",
                 bpmnElement=f"collab_{key}")
    bounds(_sub(plane, "bpmndi", "BPMNShape", id=f"participant_{key}_di",
                bpmnElement=f"participant_{key}", isHorizontal="true"), layout.pool())
    for lane in process.lanes:
        bounds(_sub(plane, "bpmndi", "BPMNShape", id=f"lane_{lane.role}_di",
                    bpmnElement=f"lane_{lane.role}", isHorizontal="true"),
               layout.lane_box(lane.role))
    # hosts before boundary events, so that the events are drawn on top
    for node in sorted(process.nodes.values(), key=lambda n: n.kind == "boundaryEvent"):
        attrs = {"id": f"{node.id}_di", "bpmnElement": node.id}
        if node.kind == "exclusiveGateway":
            attrs["isMarkerVisible"] = "true"
        shape = _sub(plane, "bpmndi", "BPMNShape", **attrs)
        bounds(shape, layout.box(node.id))
        label = layout.node_label(node)
        if label:
            bounds(_sub(shape, "bpmndi", "BPMNLabel"), label)
    for flow in process.flows:
        edge = _sub(plane, "bpmndi", "BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
        points = layout.waypoints(flow)
        for x, y in points:
            _sub(edge, "di", "waypoint", x=fmt(x), y=fmt(y))
        label = layout.flow_label(flow, points)
        if label:
            bounds(_sub(edge, "bpmndi", "BPMNLabel"), label)


def write_xml(tree: etree._ElementTree, path: Path) -> None:
    etree.indent(tree, space="  ")
    body = etree.tostring(tree, encoding="unicode", pretty_print=True)
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + body, encoding="utf-8")
