"""Decision tables as DMN 1.3 files, one decision per file named after its id.

SpiffWorkflow 3.2.0 reads only the first ``<decision>`` of a DMN file. Cells are Python
expressions; the hit policy is UNIQUE and the last rule is a catch-all (every input cell
empty), so a table always answers — with the fail-safe (strictest) outcome when the facts
are incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

DMN_NS = {
    None: "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "dc": "http://www.omg.org/spec/DMN/20180521/DC/",
}
ANY = None  # an empty input cell matches anything


@dataclass
class Decision:
    """Inputs (key, label, Python expression, type), outputs (name, label, type) and rules
    (input cells, output cells, description)."""

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
