"""A small toolkit for writing permit processes as Python tables.

A process is a list of lanes (one per role key, design §5), flow nodes placed on a grid
(lane, column, row within the lane) and sequence flows. ``write`` turns it into a BPMN file
with collaboration, lanes and full BPMNDI (shapes and orthogonal edges, so bpmn-js renders
it as laid out), plus one JSON Schema form per user task. The per-type scripts beside this
file (``gen_confined_space.py`` …) hold the tables; this module holds no permit knowledge
beyond the conventions every permit BPMN shares (form builders are in ``permitforms.py``):

* process id = type key; lanes named by role keys, Chinese label in ``documentation``;
* every user task names ``<type>.<task>.schema.json`` (``additionalProperties: false``);
* mandatory nodes carry ``<spiffworkflow:property name="mandatory" value="true"/>``;
* service parameters are Python expressions; no parameter id may equal a flow node id
  (SpiffWorkflow 3.2 indexes every element with an id and the last one wins).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

BPMN_DIR = Path(__file__).resolve().parent.parent

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
SIZE = {
    "startEvent": (36, 36), "endEvent": (36, 36), "boundaryEvent": (36, 36),
    "exclusiveGateway": (50, 50), "parallelGateway": (50, 50),
    "serviceTask": (100, 80), "businessRuleTask": (100, 80), "userTask": (100, 80),
}
EVENTS = ("startEvent", "endEvent", "boundaryEvent")
GATEWAYS = ("exclusiveGateway", "parallelGateway")

POOL_X, POOL_Y = 120, 60
LANE_HEADER = 30
COL_W, ROW_H = 150, 130
FIRST_COL_X = POOL_X + LANE_HEADER + 80
LANE_PAD = 20


@dataclass
class Node:
    """One flow node. ``col``/``row`` place it on the grid; ``row`` counts within its lane."""

    id: str
    kind: str
    name: str
    lane: str
    col: float = 0
    row: int = 0
    doc: str | None = None
    mandatory: bool = False
    #: further spiffworkflow properties, e.g. {"skippable": "true"}
    props: dict[str, str] = field(default_factory=dict)
    #: service task: (operator id, result variable, {param: (type, expression)})
    service: tuple[str, str, dict[str, tuple[str, str]]] | None = None
    decision: str | None = None
    #: boundary event: host task, interrupting, and a timer (kind, expr) or a message name
    attached: str | None = None
    interrupting: bool = True
    timer: tuple[str, str] | None = None
    message: str | None = None


@dataclass
class Flow:
    source: str
    target: str
    name: str | None = None
    cond: str | None = None
    default: bool = False
    id: str | None = None

    def flow_id(self) -> str:
        return self.id or f"f_{self.source}__{self.target}"


@dataclass
class Process:
    key: str
    name: str
    title: str
    doc: str
    #: (role key, Chinese label), top to bottom
    lanes: list[tuple[str, str]]
    nodes: list[Node]
    flows: list[Flow]
    #: message name → the task-data variable its payload lands in
    messages: dict[str, str] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


def svc(operator: str, result: str, **params: str) -> tuple[str, str, dict[str, tuple[str,
                                                                                      str]]]:
    """A service operator with Python-expression parameters (``permit_id`` is an int)."""
    typed = {name: ("int" if name == "permit_id" else "any", expr)
             for name, expr in params.items()}
    return operator, result, typed


# -- layout ------------------------------------------------------------------------------
class Layout:
    """Grid → coordinates: lanes grow to hold their rows; shapes are centred in cells."""

    def __init__(self, process: Process):
        self.process = process
        rows: dict[str, int] = {role: 1 for role, _ in process.lanes}
        for node in process.nodes:
            if node.kind != "boundaryEvent":
                rows[node.lane] = max(rows[node.lane], node.row + 1)
        self.lane_y: dict[str, tuple[float, float]] = {}
        y = POOL_Y
        for role, _label in process.lanes:
            height = rows[role] * ROW_H + 2 * LANE_PAD
            self.lane_y[role] = (y, y + height)
            y += height
        self.pool_h = y - POOL_Y
        last = max(n.col for n in process.nodes)
        self.pool_w = FIRST_COL_X - POOL_X + last * COL_W + 120
        self.centre: dict[str, tuple[float, float]] = {}
        for node in process.nodes:
            if node.kind != "boundaryEvent":
                y0, _ = self.lane_y[node.lane]
                self.centre[node.id] = (FIRST_COL_X + node.col * COL_W,
                                        y0 + LANE_PAD + node.row * ROW_H + ROW_H / 2)
        attached: dict[str, int] = {}
        for node in process.nodes:
            if node.kind == "boundaryEvent":
                assert node.attached, node.id
                hx, hy = self.centre[node.attached]
                k = attached.get(node.attached, 0)
                attached[node.attached] = k + 1
                self.centre[node.id] = (hx - 30 + 30 * k, hy + 40)

    def bounds(self, node: Node) -> tuple[float, float, float, float]:
        w, h = SIZE[node.kind]
        cx, cy = self.centre[node.id]
        return cx - w / 2, cy - h / 2, w, h

    def half(self, node: Node) -> tuple[float, float]:
        w, h = SIZE[node.kind]
        return w / 2, h / 2

    def waypoints(self, flow: Flow) -> list[tuple[float, float]]:
        src, tgt = self.process.node(flow.source), self.process.node(flow.target)
        (sx, sy), (tx, ty) = self.centre[src.id], self.centre[tgt.id]
        (sw, sh), (tw, th) = self.half(src), self.half(tgt)
        if src.kind == "boundaryEvent":
            start = (sx, sy + sh)
            if tx - tw > sx:
                return [start, (sx, ty), (tx - tw, ty)]
            return [start, (sx, ty - th - 20), (tx, ty - th - 20), (tx, ty - th)]
        if tx > sx:
            if abs(ty - sy) < 1:
                return [(sx + sw, sy), (tx - tw, ty)]
            if src.kind in GATEWAYS:
                edge = sy + sh if ty > sy else sy - sh
                return [(sx, edge), (sx, ty), (tx - tw, ty)]
            mid = tx - tw - 25
            return [(sx + sw, sy), (mid, sy), (mid, ty), (tx - tw, ty)]
        below = max(sy + sh, ty + th) + 28
        return [(sx, sy + sh), (sx, below), (tx, below), (tx, ty + th)]


# -- XML ---------------------------------------------------------------------------------
def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _sub(parent: Any, prefix: str, tag: str, text: str | None = None, **attrs: Any) -> Any:
    el = etree.SubElement(parent, _q(prefix, tag), {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


def _bounds(parent: Any, x: float, y: float, w: float, h: float) -> None:
    etree.SubElement(parent, _q("dc", "Bounds"), x=_fmt(x), y=_fmt(y), width=_fmt(w),
                     height=_fmt(h))


def check(process: Process) -> None:
    """Fail loudly on tables the parser would misread or the runtime refuse."""
    ids = [n.id for n in process.nodes]
    assert len(ids) == len(set(ids)), "duplicate node id"
    roles = {role for role, _ in process.lanes}
    for node in process.nodes:
        assert node.lane in roles, (node.id, node.lane)
        if node.service:
            clash = set(node.service[2]) & set(ids)
            assert not clash, f"{node.id}: parameter ids {clash} shadow flow nodes"
    for flow in process.flows:
        assert flow.source in ids and flow.target in ids, flow
    for node in process.nodes:
        outgoing = [f for f in process.flows if f.source == node.id]
        if node.kind == "exclusiveGateway" and len(outgoing) > 1:
            assert sum(f.default for f in outgoing) == 1, f"{node.id} needs one default flow"


def build_bpmn(process: Process) -> Any:
    check(process)
    key = process.key
    layout = Layout(process)
    root = etree.Element(_q("bpmn", "definitions"), nsmap=NS, attrib={
        "id": f"Definitions_{key}", "targetNamespace": f"urn:permitflow:bpmn:{key}",
        "exporter": "permitflow bpmn/tools/permitgen.py", "exporterVersion": "1"})
    for name in process.messages:
        _sub(root, "bpmn", "message", id=f"msg_{name}", name=name)
    collab = _sub(root, "bpmn", "collaboration", id=f"collab_{key}", name=process.title)
    _sub(collab, "bpmn", "participant", id=f"participant_{key}", name=f"{process.title}许可证",
         processRef=key)
    proc = _sub(root, "bpmn", "process", id=key, name=process.name, isExecutable="true")
    _sub(proc, "bpmn", "documentation", process.doc)
    lane_set = _sub(proc, "bpmn", "laneSet", id=f"laneset_{key}")
    for role, label in process.lanes:
        lane = _sub(lane_set, "bpmn", "lane", id=f"lane_{role}", name=role)
        _sub(lane, "bpmn", "documentation", label)
        for node in process.nodes:
            if node.lane == role:
                _sub(lane, "bpmn", "flowNodeRef", node.id)

    incoming: dict[str, list[str]] = {n.id: [] for n in process.nodes}
    outgoing: dict[str, list[str]] = {n.id: [] for n in process.nodes}
    defaults: dict[str, str] = {}
    for flow in process.flows:
        outgoing[flow.source].append(flow.flow_id())
        incoming[flow.target].append(flow.flow_id())
        if flow.default:
            defaults[flow.source] = flow.flow_id()
    for node in process.nodes:
        attrs: dict[str, Any] = {"id": node.id, "name": node.name}
        if node.kind == "exclusiveGateway" and node.id in defaults:
            attrs["default"] = defaults[node.id]
        if node.kind == "boundaryEvent":
            attrs["attachedToRef"] = node.attached
            attrs["cancelActivity"] = "true" if node.interrupting else "false"
        el = _sub(proc, "bpmn", node.kind, **attrs)
        if node.doc:
            _sub(el, "bpmn", "documentation", node.doc)
        if node.kind == "userTask":
            props = _sub(_sub(el, "bpmn", "extensionElements"), "spiffworkflow", "properties")
            _sub(props, "spiffworkflow", "property", name="formJsonSchemaFilename",
                 value=f"{key}.{node.id}.schema.json")
            if node.mandatory:
                _sub(props, "spiffworkflow", "property", name="mandatory", value="true")
            for name, value in node.props.items():
                _sub(props, "spiffworkflow", "property", name=name, value=value)
        elif node.kind == "serviceTask":
            assert node.service, node.id
            operator, result, params = node.service
            op = _sub(_sub(el, "bpmn", "extensionElements"), "spiffworkflow",
                      "serviceTaskOperator", id=operator, resultVariable=result)
            holder = _sub(op, "spiffworkflow", "parameters")
            for name, (ptype, expr) in params.items():
                _sub(holder, "spiffworkflow", "parameter", id=name, type=ptype, value=expr)
        elif node.kind == "businessRuleTask":
            _sub(_sub(el, "bpmn", "extensionElements"), "spiffworkflow", "calledDecisionId",
                 node.decision)
        for flow_id in incoming[node.id]:
            _sub(el, "bpmn", "incoming", flow_id)
        for flow_id in outgoing[node.id]:
            _sub(el, "bpmn", "outgoing", flow_id)
        if node.timer:
            timer_kind, expr = node.timer
            ted = _sub(el, "bpmn", "timerEventDefinition", id=f"{node.id}_timer")
            _sub(ted, "bpmn", timer_kind, expr).set(_q("xsi", "type"), "bpmn:tFormalExpression")
        elif node.message:
            med = _sub(el, "bpmn", "messageEventDefinition", id=f"{node.id}_message",
                       messageRef=f"msg_{node.message}")
            _sub(_sub(med, "bpmn", "extensionElements"), "spiffworkflow", "messageVariable",
                 process.messages[node.message])
    for flow in process.flows:
        attrs = {"id": flow.flow_id(), "sourceRef": flow.source, "targetRef": flow.target}
        if flow.name:
            attrs["name"] = flow.name
        el = _sub(proc, "bpmn", "sequenceFlow", **attrs)
        if flow.cond:
            _sub(el, "bpmn", "conditionExpression", flow.cond).set(
                _q("xsi", "type"), "bpmn:tFormalExpression")

    diagram = _sub(root, "bpmndi", "BPMNDiagram", id=f"BPMNDiagram_{key}")
    plane = _sub(diagram, "bpmndi", "BPMNPlane", id=f"BPMNPlane_{key}",
                 bpmnElement=f"collab_{key}")
    shape = _sub(plane, "bpmndi", "BPMNShape", id=f"participant_{key}_di",
                 bpmnElement=f"participant_{key}", isHorizontal="true")
    _bounds(shape, POOL_X, POOL_Y, layout.pool_w, layout.pool_h)
    for role, _label in process.lanes:
        y0, y1 = layout.lane_y[role]
        shape = _sub(plane, "bpmndi", "BPMNShape", id=f"lane_{role}_di",
                     bpmnElement=f"lane_{role}", isHorizontal="true")
        _bounds(shape, POOL_X + LANE_HEADER, y0, layout.pool_w - LANE_HEADER, y1 - y0)
    hosts_first = sorted(process.nodes, key=lambda n: n.kind == "boundaryEvent")
    for node in hosts_first:
        attrs = {"id": f"{node.id}_di", "bpmnElement": node.id}
        if node.kind == "exclusiveGateway":
            attrs["isMarkerVisible"] = "true"
        shape = _sub(plane, "bpmndi", "BPMNShape", **attrs)
        x, y, w, h = layout.bounds(node)
        _bounds(shape, x, y, w, h)
        if node.kind in EVENTS or node.kind in GATEWAYS:
            _bounds(_sub(shape, "bpmndi", "BPMNLabel"), x + w / 2 - 40, y + h + 4, 80, 14)
    for flow in process.flows:
        edge = _sub(plane, "bpmndi", "BPMNEdge", id=f"{flow.flow_id()}_di",
                    bpmnElement=flow.flow_id())
        points = layout.waypoints(flow)
        for x, y in points:
            _sub(edge, "di", "waypoint", x=_fmt(x), y=_fmt(y))
        if flow.name:
            (x0, y0), (x1, y1) = points[0], points[1]
            _bounds(_sub(edge, "bpmndi", "BPMNLabel"), (x0 + x1) / 2 + 4, (y0 + y1) / 2 - 16,
                    48, 14)
    return etree.ElementTree(root)


# -- writing -----------------------------------------------------------------------------
def write_xml(tree: Any, path: Path) -> None:
    etree.indent(tree, space="  ")
    body = etree.tostring(tree, encoding="unicode", pretty_print=True)
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + body, encoding="utf-8")


def write(process: Process, forms: dict[str, dict[str, Any]]) -> list[Path]:
    """Write ``<key>.bpmn`` and ``forms/<key>.<task>.schema.json``; return the paths."""
    user_tasks = {n.id for n in process.nodes if n.kind == "userTask"}
    assert set(forms) == user_tasks, set(forms) ^ user_tasks
    written = [BPMN_DIR / f"{process.key}.bpmn"]
    write_xml(build_bpmn(process), written[0])
    (BPMN_DIR / "forms").mkdir(exist_ok=True)
    for task_id, schema in forms.items():
        path = BPMN_DIR / "forms" / f"{process.key}.{task_id}.schema.json"
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written
