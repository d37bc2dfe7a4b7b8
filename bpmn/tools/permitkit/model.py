"""Permit processes as data: flow nodes in lanes, sequence flows between them.

Conventions every permit BPMN shares (design §3), checked here so that a table the parser
would misread fails when it is generated rather than when it is deployed:

* process id = type key; lanes are named by role keys, the Chinese label goes in
  ``documentation``;
* every user task carries its form (written as ``<type>.<task>.schema.json``);
* an exclusive gateway with several ways out has exactly one default flow; an
  unconditional flow out of an exclusive gateway *is* its default;
* service parameters are Python expressions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: a service parameter: (type, Python expression)
Param = tuple[str, str]
PID: Param = ("int", "permit_id")


@dataclass
class Service:
    """A ``spiffworkflow:serviceTaskOperator`` call; its result lands in ``result``."""

    operator: str
    result: str
    params: dict[str, Param]


def svc(operator: str, result: str, **params: Param | str) -> Service:
    """A service call; a bare string parameter is an expression of type ``any``."""
    typed = {name: value if isinstance(value, tuple) else ("any", value)
             for name, value in params.items()}
    return Service(operator, result, typed)


@dataclass
class Lane:
    """A swimlane named by a role key; ``rows`` is the least number of grid rows it has."""

    role: str
    label: str
    rows: int = 1


@dataclass
class Node:
    """One flow node.

    Placement is either on a grid (``col`` and ``row`` within the lane; a boundary event
    sits on its host, ``dx`` from its centre) or by hand (``at`` = centre, ``label`` =
    the external label's bounds). Which one a diagram uses is its layout's choice.
    """

    id: str
    kind: str
    name: str
    lane: str
    col: float = 0
    row: int = 0
    doc: str | None = None
    mandatory: bool = False
    #: further ``spiffworkflow:property`` elements, e.g. {"skippable": "true"}
    props: dict[str, str] = field(default_factory=dict)
    service: Service | None = None
    decision: str | None = None
    form: dict[str, Any] | None = None
    #: boundary event: its host, whether it interrupts it, and a timer or a message
    attached: str | None = None
    interrupting: bool = True
    timer: tuple[str, str] | None = None
    message: str | None = None
    terminate: bool = False
    dx: float | None = None
    at: tuple[float, float] | None = None
    size: tuple[float, float] | None = None
    label: tuple[float, float, float, float] | None = None


@dataclass
class Flow:
    """A sequence flow; ``route``, ``via_col`` or ``waypoints`` override the layout's own
    routing."""

    src: str
    tgt: str
    name: str | None = None
    cond: str | None = None
    default: bool = False
    id: str | None = None
    route: str | None = None
    via_col: float | None = None
    waypoints: list[tuple[float, float]] | None = None
    label: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        self.id = self.id or f"f_{self.src}__{self.tgt}"


@dataclass
class Process:
    """One executable process in one pool (participant) of a collaboration."""

    key: str
    name: str
    #: the collaboration's name and the participant's (the pool's caption)
    title: str
    participant: str
    doc: str
    lanes: list[Lane]
    nodes: dict[str, Node] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    #: message name → the task-data variable its payload lands in (None: not kept)
    messages: dict[str, str | None] = field(default_factory=dict)
    #: whether the message definitions precede the collaboration in the document (they
    #: do in the watched-work diagrams, follow it in hot work; SpiffWorkflow reads both
    #: alike, the flag keeps the committed files byte-identical)
    messages_first: bool = False

    def add(self, *nodes: Node) -> None:
        for node in nodes:
            assert node.id not in self.nodes, f"duplicate node id {node.id}"
            assert node.lane in {lane.role for lane in self.lanes}, (node.id, node.lane)
            self.nodes[node.id] = node

    def connect(self, src: str, tgt: str, name: str | None = None, **kwargs: Any) -> Flow:
        flow = Flow(src, tgt, name, **kwargs)
        self.link(flow)
        return flow

    def link(self, *flows: Flow) -> None:
        for flow in flows:
            assert all(f.id != flow.id for f in self.flows), f"duplicate flow id {flow.id}"
            self.flows.append(flow)

    def lane(self, role: str) -> Lane:
        return next(lane for lane in self.lanes if lane.role == role)

    def check(self) -> None:
        """Fail loudly on tables the parser would misread or the runtime refuse."""
        for flow in self.flows:
            assert flow.src in self.nodes and flow.tgt in self.nodes, flow
            source = self.nodes[flow.src]
            if source.kind == "exclusiveGateway" and not flow.cond:
                flow.default = True
        for node in self.nodes.values():
            outgoing = [f for f in self.flows if f.src == node.id]
            if node.kind == "exclusiveGateway":
                defaults = sum(f.default for f in outgoing)
                assert defaults == 1 or (defaults == 0 and len(outgoing) < 2), (
                    f"{node.id} needs one default flow")
            if node.kind == "userTask":
                assert node.form is not None, f"user task {node.id} has no form"
            if node.kind == "boundaryEvent":
                assert node.attached in self.nodes, node.id
