"""A small kit for writing permit processes as data: BPMN with lanes and BPMNDI, DMN
tables (one decision per file) and JSON Schema forms.

A diagram is a grid: every flow node sits in a lane, a row of that lane and a column;
coordinates and edge waypoints are computed from the grid, and :meth:`Diagram.check`
refuses a layout in which an edge runs through a shape that is not its own end. The
generators ``gen_<type>.py`` beside this file describe one process each (most of them
through :mod:`permit_backbone`) and call :func:`write_all`.

Conventions of design §3 kept here: process id = type key, lanes named by role keys,
``formJsonSchemaFilename`` on every user task, ``mandatory`` / ``approval`` as
``spiffworkflow:property`` elements, service parameters and conditions as Python
expressions, DMN with UNIQUE hit policy and a catch-all last row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from lxml import etree

BPMN_DIR = Path(__file__).resolve().parent.parent
REPO = BPMN_DIR.parent

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
DMN_NS = {
    None: "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "dc": "http://www.omg.org/spec/DMN/20180521/DC/",
}

SIZE = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "boundaryEvent": (36, 36),
    "exclusiveGateway": (50, 50),
    "parallelGateway": (50, 50),
    "serviceTask": (100, 80),
    "businessRuleTask": (100, 80),
    "userTask": (100, 80),
}
GATEWAYS = {"exclusiveGateway", "parallelGateway"}

POOL_X, POOL_Y = 120, 60
LANE_HEADER = 30
COL_W = 140
FIRST_COL_X = POOL_X + LANE_HEADER + 70
ROW_H = 120
LANE_PAD = 20


def svc(operator: str, result: str, **params: tuple[str, str]) -> dict[str, Any]:
    """A service task's operator call: params are (type, Python expression)."""
    return {"operator": operator, "result": result, "params": params}


@dataclass
class Lane:
    role: str
    label: str
    rows: int = 1


@dataclass
class Node:
    id: str
    kind: str
    name: str
    lane: str
    col: float
    row: int = 0
    doc: str | None = None
    mandatory: bool = False
    properties: dict[str, str] = field(default_factory=dict)
    service: dict[str, Any] | None = None
    decision: str | None = None
    form: dict[str, Any] | None = None
    attached: str | None = None
    interrupting: bool = True
    timer: tuple[str, str] | None = None
    terminate: bool = False


@dataclass
class Flow:
    id: str
    src: str
    tgt: str
    name: str | None = None
    cond: str | None = None
    default: bool = False
    route: str | None = None
    waypoints: list[tuple[float, float]] | None = None


class LayoutError(AssertionError):
    pass


class Diagram:
    """One executable process in one pool, laid out on a lane/row/column grid."""

    def __init__(self, key: str, name: str, participant: str, doc: str, lanes: list[Lane]):
        self.key, self.name, self.participant, self.doc = key, name, participant, doc
        self.lanes = lanes
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []

    # -- building --------------------------------------------------------------------------
    def add(self, node: Node) -> Node:
        assert node.id not in self.nodes, node.id
        assert node.lane in {lane.role for lane in self.lanes}, node.lane
        self.nodes[node.id] = node
        return node

    def connect(self, src: str, tgt: str, **kwargs: Any) -> Flow:
        flow = Flow(id=kwargs.pop("id", f"f_{src}__{tgt}"), src=src, tgt=tgt, **kwargs)
        assert all(f.id != flow.id for f in self.flows), flow.id
        self.flows.append(flow)
        return flow

    # -- geometry --------------------------------------------------------------------------
    def lane_top(self, role: str) -> float:
        y = POOL_Y
        for lane in self.lanes:
            if lane.role == role:
                return y
            y += self.lane_height(lane)
        raise KeyError(role)

    @staticmethod
    def lane_height(lane: Lane) -> float:
        return 2 * LANE_PAD + lane.rows * ROW_H

    def lane_of(self, role: str) -> Lane:
        return next(lane for lane in self.lanes if lane.role == role)

    def center(self, node_id: str) -> tuple[float, float]:
        node = self.nodes[node_id]
        if node.kind == "boundaryEvent":
            hx, hy = self.center(node.attached or "")
            _w, h = SIZE[self.nodes[node.attached or ""].kind]
            return hx + (node.col or 0), hy + h / 2
        assert node.row < self.lane_of(node.lane).rows, (node.id, node.row)
        x = FIRST_COL_X + node.col * COL_W
        y = self.lane_top(node.lane) + LANE_PAD + ROW_H / 2 + node.row * ROW_H
        return x, y

    def box(self, node_id: str) -> tuple[float, float, float, float]:
        w, h = SIZE[self.nodes[node_id].kind]
        x, y = self.center(node_id)
        return x - w / 2, y - h / 2, w, h

    def half(self, node_id: str) -> tuple[float, float]:
        w, h = SIZE[self.nodes[node_id].kind]
        return w / 2, h / 2

    def pool_width(self) -> float:
        right = max(self.box(n)[0] + self.box(n)[2] for n in self.nodes)
        return right - POOL_X + 80

    def pool_height(self) -> float:
        return sum(self.lane_height(lane) for lane in self.lanes)

    def waypoints(self, flow: Flow) -> list[tuple[float, float]]:
        if flow.waypoints:
            return flow.waypoints
        src, tgt = self.nodes[flow.src], self.nodes[flow.tgt]
        (x1, y1), (x2, y2) = self.center(flow.src), self.center(flow.tgt)
        (w1, h1), (w2, h2) = self.half(flow.src), self.half(flow.tgt)
        route = flow.route
        if route is None:
            if src.kind == "boundaryEvent":
                route = "v"
            elif y1 == y2:
                route = "straight"
            elif src.kind in GATEWAYS:
                route = "v"
            elif tgt.kind in GATEWAYS:
                route = "h"
            else:
                route = "z"
        down = y2 > y1
        if route == "straight" or (route == "z" and y1 == y2):
            return [(x1 + w1, y1), (x2 - w2, y2)]
        if route == "z":
            xm = x2 - w2 - 20
            return [(x1 + w1, y1), (xm, y1), (xm, y2), (x2 - w2, y2)]
        if route == "v":
            start = (x1, y1 + h1 if down else y1 - h1)
            if x1 == x2:
                return [start, (x2, y2 - h2 if down else y2 + h2)]
            return [start, (x1, y2), (x2 - w2 if x2 > x1 else x2 + w2, y2)]
        if route == "h":
            return [(x1 + w1, y1), (x2, y1), (x2, y2 - h2 if down else y2 + h2)]
        raise ValueError(f"unknown route {route!r} on {flow.id}")

    def check(self) -> list[str]:
        """Layout problems: overlapping shapes, edges through foreign shapes."""
        problems = []
        ids = [n for n in self.nodes if self.nodes[n].kind != "boundaryEvent"]
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if _overlap(self.box(a), self.box(b)):
                    problems.append(f"shapes {a} and {b} overlap")
        for flow in self.flows:
            ends = {flow.src, flow.tgt}
            for end in list(ends):
                attached = self.nodes[end].attached
                if attached:
                    ends.add(attached)
            points = self.waypoints(flow)
            for p, q in pairwise(points):
                if p[0] != q[0] and p[1] != q[1]:
                    problems.append(f"{flow.id}: diagonal segment {p}->{q}")
                for node_id in self.nodes:
                    if node_id in ends:
                        continue
                    if _segment_hits(p, q, self.box(node_id)):
                        problems.append(f"{flow.id}: segment {p}->{q} crosses {node_id}")
        return problems

    # -- XML -------------------------------------------------------------------------------
    def build_bpmn(self, exporter: str) -> etree._ElementTree:
        root = etree.Element(_q("bpmn", "definitions"), nsmap=NS, attrib={
            "id": f"Definitions_{self.key}", "targetNamespace": f"urn:permitflow:bpmn:{self.key}",
            "exporter": exporter, "exporterVersion": "1"})
        collab = _sub(root, "bpmn", "collaboration", id=f"collab_{self.key}", name=self.name)
        _sub(collab, "bpmn", "participant", id=f"participant_{self.key}",
             name=self.participant, processRef=self.key)
        process = _sub(root, "bpmn", "process", id=self.key, name=self.name,
                       isExecutable="true")
        _sub(process, "bpmn", "documentation", self.doc)
        lane_set = _sub(process, "bpmn", "laneSet", id=f"laneset_{self.key}")
        for lane in self.lanes:
            el = _sub(lane_set, "bpmn", "lane", id=f"lane_{lane.role}", name=lane.role)
            _sub(el, "bpmn", "documentation", lane.label)
            for node in self.nodes.values():
                if node.lane == lane.role:
                    _sub(el, "bpmn", "flowNodeRef", node.id)
        incoming: dict[str, list[str]] = {n: [] for n in self.nodes}
        outgoing: dict[str, list[str]] = {n: [] for n in self.nodes}
        defaults: dict[str, str] = {}
        for flow in self.flows:
            outgoing[flow.src].append(flow.id)
            incoming[flow.tgt].append(flow.id)
            if flow.default:
                assert flow.src not in defaults, flow.src
                defaults[flow.src] = flow.id
        params = {p for n in self.nodes.values() if n.service for p in n.service["params"]}
        clash = params & set(self.nodes)
        assert not clash, f"parameter ids shadow flow nodes: {clash}"
        for node in self.nodes.values():
            self._emit_node(process, node, incoming[node.id], outgoing[node.id],
                            defaults.get(node.id))
        for flow in self.flows:
            attrs = {"id": flow.id, "sourceRef": flow.src, "targetRef": flow.tgt}
            if flow.name:
                attrs["name"] = flow.name
            el = _sub(process, "bpmn", "sequenceFlow", **attrs)
            if flow.cond:
                cond = _sub(el, "bpmn", "conditionExpression", flow.cond)
                cond.set(_q("xsi", "type"), "bpmn:tFormalExpression")
        self._emit_di(root)
        return etree.ElementTree(root)

    def _emit_node(self, process: Any, node: Node, incoming: list[str], outgoing: list[str],
                   default: str | None) -> None:
        attrs = {"id": node.id, "name": node.name}
        if node.kind == "exclusiveGateway":
            assert default, f"{node.id} needs a default flow"
            attrs["default"] = default
        if node.kind == "boundaryEvent":
            attrs["attachedToRef"] = node.attached or ""
            attrs["cancelActivity"] = "true" if node.interrupting else "false"
        el = _sub(process, "bpmn", node.kind, **attrs)
        if node.doc:
            _sub(el, "bpmn", "documentation", node.doc)
        if node.kind == "userTask":
            ext = _sub(el, "bpmn", "extensionElements")
            props = _sub(ext, "spiffworkflow", "properties")
            _sub(props, "spiffworkflow", "property", name="formJsonSchemaFilename",
                 value=f"{self.key}.{node.id}.schema.json")
            if node.mandatory:
                _sub(props, "spiffworkflow", "property", name="mandatory", value="true")
            for name, value in node.properties.items():
                _sub(props, "spiffworkflow", "property", name=name, value=value)
        elif node.kind == "serviceTask":
            assert node.service is not None, node.id
            ext = _sub(el, "bpmn", "extensionElements")
            op = _sub(ext, "spiffworkflow", "serviceTaskOperator", id=node.service["operator"],
                      resultVariable=node.service["result"])
            params = _sub(op, "spiffworkflow", "parameters")
            for pname, (ptype, expr) in node.service["params"].items():
                _sub(params, "spiffworkflow", "parameter", id=pname, type=ptype, value=expr)
        elif node.kind == "businessRuleTask":
            ext = _sub(el, "bpmn", "extensionElements")
            _sub(ext, "spiffworkflow", "calledDecisionId", node.decision or "")
        for flow_id in incoming:
            _sub(el, "bpmn", "incoming", flow_id)
        for flow_id in outgoing:
            _sub(el, "bpmn", "outgoing", flow_id)
        if node.timer:
            kind, expr = node.timer
            ted = _sub(el, "bpmn", "timerEventDefinition", id=f"{node.id}_timer")
            _sub(ted, "bpmn", kind, expr).set(_q("xsi", "type"), "bpmn:tFormalExpression")
        if node.terminate:
            _sub(el, "bpmn", "terminateEventDefinition", id=f"{node.id}_terminate")

    def _emit_di(self, root: Any) -> None:
        diagram = _sub(root, "bpmndi", "BPMNDiagram", id=f"BPMNDiagram_{self.key}")
        plane = _sub(diagram, "bpmndi", "BPMNPlane", id=f"BPMNPlane_{self.key}",
                     bpmnElement=f"collab_{self.key}")
        shape = _sub(plane, "bpmndi", "BPMNShape", id=f"participant_{self.key}_di",
                     bpmnElement=f"participant_{self.key}", isHorizontal="true")
        _bounds(shape, POOL_X, POOL_Y, self.pool_width(), self.pool_height())
        for lane in self.lanes:
            shape = _sub(plane, "bpmndi", "BPMNShape", id=f"lane_{lane.role}_di",
                         bpmnElement=f"lane_{lane.role}", isHorizontal="true")
            _bounds(shape, POOL_X + LANE_HEADER, self.lane_top(lane.role),
                    self.pool_width() - LANE_HEADER, self.lane_height(lane))
        ordered = sorted(self.nodes.values(), key=lambda n: n.kind == "boundaryEvent")
        for node in ordered:
            attrs = {"id": f"{node.id}_di", "bpmnElement": node.id}
            if node.kind == "exclusiveGateway":
                attrs["isMarkerVisible"] = "true"
            shape = _sub(plane, "bpmndi", "BPMNShape", **attrs)
            x, y, w, h = self.box(node.id)
            _bounds(shape, x, y, w, h)
            if node.kind in GATEWAYS or node.kind.endswith("Event"):
                label_y = y + h + 4 if node.kind != "boundaryEvent" else y + h + 2
                _bounds(_sub(shape, "bpmndi", "BPMNLabel"), x + w / 2 - 45, label_y, 90, 27)
        for flow in self.flows:
            edge = _sub(plane, "bpmndi", "BPMNEdge", id=f"{flow.id}_di", bpmnElement=flow.id)
            points = self.waypoints(flow)
            for px, py in points:
                _sub(edge, "di", "waypoint", x=_fmt(px), y=_fmt(py))
            if flow.name:
                (ax, ay), (bx, by) = points[0], points[1]
                lx = (ax + bx) / 2 if ay == by else ax
                ly = (ay + by) / 2 if ax == bx else ay
                _bounds(_sub(edge, "bpmndi", "BPMNLabel"), lx + 4, ly - 18, 56, 14)


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def _sub(parent: Any, prefix: str, tag: str, text: str | None = None, **attrs: Any) -> Any:
    el = etree.SubElement(parent, _q(prefix, tag), {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _bounds(parent: Any, x: float, y: float, w: float, h: float) -> None:
    etree.SubElement(parent, _q("dc", "Bounds"), x=_fmt(x), y=_fmt(y), width=_fmt(w),
                     height=_fmt(h))


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _segment_hits(p: tuple[float, float], q: tuple[float, float],
                  box: tuple[float, float, float, float]) -> bool:
    x, y, w, h = box
    x0, x1 = sorted((p[0], q[0]))
    y0, y1 = sorted((p[1], q[1]))
    return x0 < x + w - 1 and x1 > x + 1 and y0 < y + h - 1 and y1 > y + 1


# -- DMN ------------------------------------------------------------------------------------
ANY = None  # an empty input cell matches anything


@dataclass
class Decision:
    """A decision table: inputs (key, label, Python expression, type), outputs (name,
    label, type) and rules (input cells, output cells, description)."""

    id: str
    name: str
    inputs: list[tuple[str, str, str, str]]
    outputs: list[tuple[str, str, str]]
    rules: list[tuple[list[str | None], list[str], str]]


def build_dmn(decision: Decision, exporter: str) -> etree._ElementTree:
    m = DMN_NS[None]
    did = decision.id

    def el(parent: Any, tag: str, text: str | None = None, **attrs: Any) -> Any:
        e = etree.SubElement(parent, f"{{{m}}}{tag}", {k: str(v) for k, v in attrs.items()})
        if text is not None:
            e.text = text
        return e

    assert all(cell is None for cell in decision.rules[-1][0]), f"{did}: catch-all last"
    root = etree.Element(f"{{{m}}}definitions", nsmap=DMN_NS, attrib={
        "id": f"Definitions_{did}", "name": decision.name,
        "namespace": f"urn:permitflow:dmn:{did}", "exporter": exporter,
        "exporterVersion": "1"})
    dec = el(root, "decision", id=did, name=decision.name)
    table = el(dec, "decisionTable", id=f"{did}_table", hitPolicy="UNIQUE")
    for key, label, expr, type_ref in decision.inputs:
        inp = el(table, "input", id=f"{did}_in_{key}", label=label)
        el(el(inp, "inputExpression", id=f"{did}_in_{key}_expr", typeRef=type_ref), "text",
           expr)
    for key, label, type_ref in decision.outputs:
        el(table, "output", id=f"{did}_out_{key}", label=label, name=key, typeRef=type_ref)
    for idx, (ins, outs, desc) in enumerate(decision.rules, start=1):
        assert len(ins) == len(decision.inputs) and len(outs) == len(decision.outputs), idx
        rule = el(table, "rule", id=f"{did}_r{idx}")
        el(rule, "description", desc)
        for col, cell in enumerate(ins):
            el(el(rule, "inputEntry", id=f"{did}_r{idx}_i{col}"), "text", cell or "")
        for col, cell in enumerate(outs):
            el(el(rule, "outputEntry", id=f"{did}_r{idx}_o{col}"), "text", cell)
    dmndi = etree.SubElement(root, f"{{{DMN_NS['dmndi']}}}DMNDI")
    diagram = etree.SubElement(dmndi, f"{{{DMN_NS['dmndi']}}}DMNDiagram",
                               id=f"DMNDiagram_{did}")
    shape = etree.SubElement(diagram, f"{{{DMN_NS['dmndi']}}}DMNShape",
                             id=f"DMNShape_{did}", dmnElementRef=did)
    etree.SubElement(shape, f"{{{DMN_NS['dc']}}}Bounds", x="160", y="100", width="180",
                     height="80")
    return etree.ElementTree(root)


# -- forms (JSON Schema 2020-12, additionalProperties false everywhere) ----------------------
SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
COMMENT = {"type": "string", "title": "备注", "maxLength": 2000,
           "description": "Free-text comment."}
PERSON = {"type": "integer", "minimum": 1}


def obj(title: str, properties: dict[str, Any], required: list[str],
        description: str | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"$schema": SCHEMA_URI, "title": title}
    if description:
        schema["description"] = description
    schema.update({"type": "object", "properties": properties, "required": required,
                   "additionalProperties": False})
    schema.update(extra)
    return schema


def approval_form(title: str, description: str | None = None) -> dict[str, Any]:
    """approve / reject; a rejection says why."""
    return obj(title, {
        "decision": {"enum": ["approve", "reject"], "title": "审批意见",
                     "description": "approve = 同意, reject = 驳回/不同意."},
        "comment": COMMENT,
    }, ["decision"], description, allOf=[{
        "if": {"properties": {"decision": {"const": "reject"}}, "required": ["decision"]},
        "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1}}},
    }])


def checklist_form(title: str, permit_type: str) -> dict[str, Any]:
    """The numbered items of the type's form from ``checklists.json`` (the one source)."""
    raw = json.loads((REPO / "processes" / "rules" / "data" / "checklists.json")
                     .read_text(encoding="utf-8"))[permit_type]
    items = {
        item["key"]: {"enum": [True, False, "na"],
                      "title": f"{item['form_item']}. {item['label_zh']}",
                      "description": item["label_en"]}
        for item in raw["items"] if item.get("step", "safety_measures") == "safety_measures"
    }
    return obj(title, {
        "items": {"type": "object", "title": "安全措施", "properties": items,
                  "required": list(items), "additionalProperties": False,
                  "description": f"GB 30871-2022 Form {raw['form']} checklist: true = done, "
                                 'false = not done, "na" = not applicable (不涉及).'},
        "confirmed_by": {**PERSON, "title": "确认人",
                         "description": "Person id of the person confirming."},
    }, ["items", "confirmed_by"])


def sign_in_form() -> dict[str, Any]:
    return obj("监护人到岗签到", {
        "present": {"const": True, "title": "已到岗",
                    "description": "Watcher is present at the work site."},
        "comment": COMMENT,
    }, ["present"])


def work_form(title: str) -> dict[str, Any]:
    return obj(title, {
        "finished": {"const": True, "title": "作业已完成", "description": "Work finished."},
        "comment": COMMENT,
    }, ["finished"])


def close_form() -> dict[str, Any]:
    return obj("完工验收", {
        "accepted": {"type": "boolean", "title": "验收合格",
                     "description": "Site inspected after the work and accepted."},
        "comment": COMMENT,
    }, ["accepted"])


# -- writing --------------------------------------------------------------------------------
def write_xml(tree: etree._ElementTree, path: Path) -> None:
    etree.indent(tree, space="  ")
    body = etree.tostring(tree, encoding="unicode", pretty_print=True)
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + body, encoding="utf-8")


def write_all(diagram: Diagram, decisions: list[Decision], exporter: str,
              folder: Path = BPMN_DIR) -> list[Path]:
    """Check the layout, then write the BPMN, its DMN files and its forms."""
    problems = diagram.check()
    if problems:
        raise LayoutError("\n".join(problems))
    user_tasks = {n.id for n in diagram.nodes.values() if n.kind == "userTask"}
    missing = {n for n in user_tasks if diagram.nodes[n].form is None}
    assert not missing, f"user tasks without a form: {missing}"
    called = {n.decision for n in diagram.nodes.values() if n.decision}
    assert called == {d.id for d in decisions}, (called, [d.id for d in decisions])
    written = [folder / f"{diagram.key}.bpmn"]
    write_xml(diagram.build_bpmn(exporter), written[0])
    for decision in decisions:
        path = folder / f"{decision.id}.dmn"
        write_xml(build_dmn(decision, exporter), path)
        written.append(path)
    forms = folder / "forms"
    forms.mkdir(exist_ok=True)
    for node_id in sorted(user_tasks):
        path = forms / f"{diagram.key}.{node_id}.schema.json"
        path.write_text(json.dumps(diagram.nodes[node_id].form, ensure_ascii=False, indent=2)
                        + "\n", encoding="utf-8")
        written.append(path)
    return written
