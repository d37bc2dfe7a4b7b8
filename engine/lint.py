"""Deploy-time checks that go beyond the BPMN schema.

Each rule returns located :class:`Problem` objects: file, line, element id and name, a
message and a hint, so a process designer can find the element in the modeler.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree

from .errors import Problem
from .scripting import check_source

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)

#: the customer's hard limit: longer approval chains only slow the flow (seed case pitfall 2)
MAX_APPROVALS_IN_A_ROW = 4
FORM_PROPERTY = "formJsonSchemaFilename"


@dataclass
class SourceTree:
    name: str
    kind: str  # bpmn | dmn
    root: Any  # lxml element


def _locate(file: str, node: Any, message: str, hint: str | None = None,
            severity: str = "error") -> Problem:
    # The owning BPMN/DMN element: spiffworkflow extension elements carry ids of their own
    # (operator and parameter names) that a designer would not look for.
    owner = node
    while owner is not None and (owner.get("id") is None
                                 or etree.QName(owner).namespace == SPIFF):
        owner = owner.getparent()
    return Problem(
        file=file, message=message, hint=hint, severity=severity,
        line=getattr(node, "sourceline", None),
        element_id=owner.get("id") if owner is not None else None,
        element_name=owner.get("name") if owner is not None else None,
    )


def _properties(node: Any) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in
            node.findall("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property",
                         NS)}


def _executable_processes(tree: SourceTree) -> list[Any]:
    return [p for p in tree.root.iter(f"{{{BPMN}}}process") if p.get("isExecutable") == "true"]


def check_operators(tree: SourceTree, has_operator: Callable[[str], bool]) -> Iterable[Problem]:
    for task in tree.root.iter(f"{{{BPMN}}}serviceTask"):
        op = task.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if op is None or not op.get("id"):
            yield _locate(tree.name, task, "service task names no operator",
                          "add a spiffworkflow:serviceTaskOperator with a registered id")
        elif not has_operator(op.get("id")):
            yield _locate(tree.name, op, f"operator {op.get('id')!r} is not registered",
                          "use one of the operators listed by GET /api/v1/operators")


def check_forms(tree: SourceTree, forms: dict[str, Any]) -> Iterable[Problem]:
    for task in tree.root.iter(f"{{{BPMN}}}userTask"):
        form = _properties(task).get(FORM_PROPERTY)
        if not form:
            yield _locate(tree.name, task, "user task has no form",
                          f'add <spiffworkflow:property name="{FORM_PROPERTY}" value="….json"/>')
        elif form not in forms:
            yield _locate(tree.name, task, f"form file {form!r} was not deployed with the diagram",
                          "upload the JSON Schema file together with the BPMN file")


def check_form_schema(name: str, text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Problem(file=name, line=exc.lineno, message=f"invalid JSON: {exc.msg}")]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "(root)"
        return None, [Problem(file=name, message=f"not a valid JSON Schema at {path}: "
                                                 f"{exc.message}")]
    if schema.get("type") not in (None, "object"):
        return None, [Problem(file=name, message="a form schema must describe an object")]
    return schema, []


def check_scripts(tree: SourceTree) -> Iterable[Problem]:
    """Every expression and script SpiffWorkflow will evaluate must pass the sandbox rules."""

    def check(node: Any, source: str | None, mode: str, what: str) -> Iterable[Problem]:
        if not source or not source.strip():
            return
        for msg in check_source(source.strip() if mode == "eval" else source, mode=mode):
            yield _locate(tree.name, node, f"{what}: {msg}",
                          "scripts may not import, call I/O builtins or touch _private names; "
                          "put logic in a service operator or a DMN table")

    if tree.kind == "bpmn":
        for node in tree.root.iter(f"{{{BPMN}}}script"):
            yield from check(node, node.text, "exec", "script")
        for tag in ("preScript", "postScript"):
            for node in tree.root.iter(f"{{{SPIFF}}}{tag}"):
                yield from check(node, node.text, "exec", tag)
        for node in tree.root.iter(f"{{{BPMN}}}conditionExpression"):
            yield from check(node, node.text, "eval", "condition")
        for tag in ("timeDate", "timeCycle", "timeDuration"):
            for node in tree.root.iter(f"{{{BPMN}}}{tag}"):
                yield from check(node, node.text, "eval", "timer expression")
        for node in tree.root.iter(f"{{{SPIFF}}}parameter"):
            yield from check(node, node.get("value"), "eval", "service parameter")
        return
    for node in tree.root.iter():
        if not isinstance(node.tag, str):
            continue
        local = etree.QName(node).localname
        if local == "inputExpression":
            text_node = next((c for c in node if etree.QName(c).localname == "text"), None)
            if text_node is not None:
                yield from check(text_node, text_node.text, "eval", "DMN input expression")
        elif local in ("inputEntry", "outputEntry"):
            text_node = next((c for c in node if etree.QName(c).localname == "text"), None)
            if text_node is None or not (text_node.text or "").strip():
                continue
            entry = text_node.text.strip()
            if entry == "-":
                continue
            if entry[:1] in "<>=!" or entry.startswith("not ") or entry.startswith("in "):
                entry = f"x {entry}"
            yield from check(text_node, entry, "eval", f"DMN {local}")


def _is_approval(node: Any) -> bool:
    return node.get("id", "").startswith("approve") or _properties(node).get("approval") == "true"


def check_approval_chains(tree: SourceTree) -> Iterable[Problem]:
    """No path may hold more than four approval user tasks in a row (gateways don't break a run)."""
    for process in _executable_processes(tree):
        nodes = {n.get("id"): n for n in process if n.get("id")}
        outgoing: dict[str, list[str]] = {}
        for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
            outgoing.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
        walker = _ApprovalWalk(tree.name, nodes, outgoing)
        starts = [n for n in nodes.values() if etree.QName(n).localname == "startEvent"]
        for start in starts:
            yield from walker.walk(start.get("id"), 0)


_PASSTHROUGH = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
                "intermediateThrowEvent"}


class _ApprovalWalk:
    """Depth-first walk counting approval tasks in a row.

    The outcome depends only on (node, run so far): visiting each pair once keeps the walk
    linear in the diagram's size and ends loops.
    """

    def __init__(self, file: str, nodes: dict[str, Any], outgoing: dict[str, list[str]]):
        self.file, self.nodes, self.outgoing = file, nodes, outgoing
        self.reported: set[str] = set()
        self.visited: set[tuple[str, int]] = set()

    def walk(self, node_id: str, run: int) -> Iterable[Problem]:
        node = self.nodes.get(node_id)
        if node is None or (node_id, run) in self.visited:
            return
        self.visited.add((node_id, run))
        local = etree.QName(node).localname
        if local == "userTask" and _is_approval(node):
            run = min(run + 1, MAX_APPROVALS_IN_A_ROW + 1)
            if run > MAX_APPROVALS_IN_A_ROW and node_id not in self.reported:
                self.reported.add(node_id)
                yield _locate(self.file, node,
                              f"{run} approval steps in a row (at most "
                              f"{MAX_APPROVALS_IN_A_ROW})",
                              "route routine work to automatic approval; escalate only "
                              "high risk")
        elif local not in _PASSTHROUGH:
            run = 0
        for nxt in self.outgoing.get(node_id, []):
            yield from self.walk(nxt, run)


def check_lanes(tree: SourceTree) -> Iterable[Problem]:
    for process in _executable_processes(tree):
        if process.find("bpmn:laneSet", NS) is None and process.find(".//bpmn:userTask", NS) \
                is not None:
            yield _locate(tree.name, process, "user tasks without lanes: anyone may complete them",
                          "put user tasks in lanes named after roles", severity="warning")
