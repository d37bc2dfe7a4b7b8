"""Where a process is drawn: shape bounds, edge waypoints and label boxes for BPMNDI.

bpmn-js shows a diagram as it is laid out here, so every permit diagram opens readable in
the modeler. Three layouts exist because the committed diagrams were drawn three ways and
must stay byte-identical (a moved coordinate is a changed file every reviewer has to look
at):

* :class:`Grid` — lane/row/column grid with named edge routes; the one to use for a new
  type (approval-chain permits);
* :class:`WideGrid` — the same grid, wider, with edges routed from relative position only
  (the watched-work permits: blind plate, temporary power, confined space);
* :class:`Placed` — every centre, waypoint and label by hand (hot work).

All of them can be checked with :meth:`Layout.problems`: overlapping shapes, diagonal
segments, edges that run through a shape that is not one of their ends.
"""

from __future__ import annotations

from itertools import pairwise

from .model import Flow, Node, Process

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

Box = tuple[float, float, float, float]
Point = tuple[float, float]


class LayoutError(AssertionError):
    """A diagram that would be drawn with crossing or overlapping elements."""


class Layout:
    """Geometry shared by every layout; subclasses say where centres and edges go."""

    def __init__(self, process: Process):
        self.process = process
        self.nodes = process.nodes

    # -- to be given by a layout ------------------------------------------------------------
    def centre(self, node_id: str) -> Point:
        raise NotImplementedError

    def lane_span(self, role: str) -> tuple[float, float]:
        raise NotImplementedError

    def pool_width(self) -> float:
        raise NotImplementedError

    def route(self, flow: Flow) -> list[Point]:
        raise NotImplementedError

    def node_label(self, node: Node) -> Box | None:
        return node.label

    def flow_label(self, flow: Flow, points: list[Point]) -> Box | None:
        return flow.label

    @staticmethod
    def fmt(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else str(v)

    # -- derived ----------------------------------------------------------------------------
    def size(self, node_id: str) -> tuple[float, float]:
        node = self.nodes[node_id]
        return node.size or SIZE[node.kind]

    def half(self, node_id: str) -> tuple[float, float]:
        w, h = self.size(node_id)
        return w / 2, h / 2

    def box(self, node_id: str) -> Box:
        w, h = self.size(node_id)
        x, y = self.centre(node_id)
        return x - w / 2, y - h / 2, w, h

    def pool(self) -> Box:
        lanes = self.process.lanes
        return (POOL_X, POOL_Y, self.pool_width(),
                self.lane_span(lanes[-1].role)[1] - self.lane_span(lanes[0].role)[0])

    def lane_box(self, role: str) -> Box:
        y0, y1 = self.lane_span(role)
        return POOL_X + LANE_HEADER, y0, self.pool_width() - LANE_HEADER, y1 - y0

    def waypoints(self, flow: Flow) -> list[Point]:
        return flow.waypoints or self.route(flow)

    def problems(self) -> list[str]:
        """Overlapping shapes, diagonal segments, edges through shapes not their own."""
        found = []
        ids = [n for n in self.nodes if self.nodes[n].kind != "boundaryEvent"]
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if _overlap(self.box(a), self.box(b)):
                    found.append(f"shapes {a} and {b} overlap")
        for flow in self.process.flows:
            # an edge may touch its ends, their hosts and the events on them
            ends = {flow.src, flow.tgt}
            ends |= {self.nodes[e].attached for e in list(ends) if self.nodes[e].attached}
            ends |= {n.id for n in self.nodes.values() if n.attached in ends}
            for p, q in pairwise(self.waypoints(flow)):
                if p[0] != q[0] and p[1] != q[1]:
                    found.append(f"{flow.id}: diagonal segment {p}->{q}")
                for node_id in self.nodes:
                    if node_id not in ends and _segment_hits(p, q, self.box(node_id)):
                        found.append(f"{flow.id}: segment {p}->{q} crosses {node_id}")
        return found


class Grid(Layout):
    """Lanes stacked top to bottom, each ``rows`` rows high; nodes sit in (column, row).

    A lane grows to hold its lowest node. A boundary event sits on the lower edge of its
    host, ``dx`` right of its centre (the k-th event on a host at -30 + 30k when not
    given). Edges are routed by ``Flow.route`` or, failing that, by the kinds and places
    of their ends: ``straight``, ``z`` (across, down, across), ``v`` (down, then across)
    and ``h`` (across, then down); with ``Flow.via_col`` an edge leaves downwards and
    runs along that column to the target's row (a bus several edges share).
    """

    COL_W = 140
    ROW_H = 120
    FIRST_COL_X = POOL_X + LANE_HEADER + 70
    LANE_PAD = 20
    Z_GAP = 20

    def __init__(self, process: Process):
        super().__init__(process)
        self.rows = {lane.role: lane.rows for lane in process.lanes}
        for node in self.nodes.values():
            if node.kind != "boundaryEvent":
                self.rows[node.lane] = max(self.rows[node.lane], node.row + 1)
        self.spans: dict[str, tuple[float, float]] = {}
        y: float = POOL_Y
        for lane in process.lanes:
            height = self.rows[lane.role] * self.ROW_H + 2 * self.LANE_PAD
            self.spans[lane.role] = (y, y + height)
            y += height
        self.offsets: dict[str, float] = {}
        count: dict[str, int] = {}
        for node in self.nodes.values():
            if node.kind == "boundaryEvent":
                assert node.attached, node.id
                k = count.get(node.attached, 0)
                count[node.attached] = k + 1
                self.offsets[node.id] = node.dx if node.dx is not None else -30 + 30 * k

    def lane_span(self, role: str) -> tuple[float, float]:
        return self.spans[role]

    def centre(self, node_id: str) -> Point:
        node = self.nodes[node_id]
        if node.kind == "boundaryEvent":
            hx, hy = self.centre(node.attached or "")
            return hx + self.offsets[node_id], hy + self.half(node.attached or "")[1]
        x = self.FIRST_COL_X + node.col * self.COL_W
        y = self.lane_span(node.lane)[0] + self.LANE_PAD + self.ROW_H / 2 + node.row * self.ROW_H
        return x, y

    def pool_width(self) -> float:
        right = max(self.box(n)[0] + self.box(n)[2] for n in self.nodes)
        return right - POOL_X + 80

    def route(self, flow: Flow) -> list[Point]:
        src, tgt = self.nodes[flow.src], self.nodes[flow.tgt]
        (x1, y1), (x2, y2) = self.centre(flow.src), self.centre(flow.tgt)
        (w1, h1), (w2, h2) = self.half(flow.src), self.half(flow.tgt)
        if flow.via_col is not None:
            xb = self.FIRST_COL_X + flow.via_col * self.COL_W
            below = y1 + h1 + 20
            return [(x1, y1 + h1), (x1, below), (xb, below), (xb, y2), (x2 - w2, y2)]
        route = flow.route
        if route is None:
            if src.kind == "boundaryEvent" or (y1 != y2 and src.kind in GATEWAYS):
                route = "v"
            elif y1 == y2:
                route = "straight"
            elif tgt.kind in GATEWAYS:
                route = "h"
            else:
                route = "z"
        down = y2 > y1
        if route == "straight" or (route == "z" and y1 == y2):
            return [(x1 + w1, y1), (x2 - w2, y2)]
        if route == "z":
            xm = x2 - w2 - self.Z_GAP
            return [(x1 + w1, y1), (xm, y1), (xm, y2), (x2 - w2, y2)]
        if route == "v":
            start = (x1, y1 + h1 if down else y1 - h1)
            if x1 == x2:
                return [start, (x2, y2 - h2 if down else y2 + h2)]
            return [start, (x1, y2), (x2 - w2 if x2 > x1 else x2 + w2, y2)]
        if route == "h":
            return [(x1 + w1, y1), (x2, y1), (x2, y2 - h2 if down else y2 + h2)]
        raise ValueError(f"unknown route {route!r} on {flow.id}")

    def node_label(self, node: Node) -> Box | None:
        if node.kind not in GATEWAYS and not node.kind.endswith("Event"):
            return None
        x, y, w, h = self.box(node.id)
        return x + w / 2 - 45, y + h + (2 if node.kind == "boundaryEvent" else 4), 90, 27

    def flow_label(self, flow: Flow, points: list[Point]) -> Box | None:
        if not flow.name:
            return None
        (ax, ay), (bx, by) = points[0], points[1]
        lx = (ax + bx) / 2 if ay == by else ax
        ly = (ay + by) / 2 if ax == bx else ay
        return lx + 4, ly - 18, 56, 14


class WideGrid(Grid):
    """:class:`Grid` with wider columns and rows, a pool ending 120 right of the last
    column's centre, and edges routed from where their ends are: forward edges leave a
    gateway downwards and a task sideways (turning ``Z_GAP`` before the target); backward
    edges run below both ends."""

    COL_W = 150
    ROW_H = 130
    FIRST_COL_X = POOL_X + LANE_HEADER + 80
    Z_GAP = 25

    def pool_width(self) -> float:
        last = max(n.col for n in self.nodes.values())
        return self.FIRST_COL_X - POOL_X + last * self.COL_W + 120

    def route(self, flow: Flow) -> list[Point]:
        src = self.nodes[flow.src]
        (sx, sy), (tx, ty) = self.centre(flow.src), self.centre(flow.tgt)
        (sw, sh), (tw, th) = self.half(flow.src), self.half(flow.tgt)
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
            mid = tx - tw - self.Z_GAP
            return [(sx + sw, sy), (mid, sy), (mid, ty), (tx - tw, ty)]
        below = max(sy + sh, ty + th) + 28
        return [(sx, sy + sh), (sx, below), (tx, below), (tx, ty + th)]

    def node_label(self, node: Node) -> Box | None:
        if node.kind not in GATEWAYS and not node.kind.endswith("Event"):
            return None
        x, y, w, h = self.box(node.id)
        return x + w / 2 - 40, y + h + 4, 80, 14

    def flow_label(self, flow: Flow, points: list[Point]) -> Box | None:
        if not flow.name:
            return None
        (x0, y0), (x1, y1) = points[0], points[1]
        return (x0 + x1) / 2 + 4, (y0 + y1) / 2 - 16, 48, 14

    @staticmethod
    def fmt(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else f"{v:.1f}"


class Placed(Layout):
    """Hand-placed: ``Node.at`` centres, ``Flow.waypoints`` and labels as given, lanes of
    the given heights in the order of the process's lanes."""

    def __init__(self, process: Process, width: float, lane_heights: dict[str, float]):
        super().__init__(process)
        self.width = width
        self.spans: dict[str, tuple[float, float]] = {}
        y: float = POOL_Y
        for lane in process.lanes:
            self.spans[lane.role] = (y, y + lane_heights[lane.role])
            y += lane_heights[lane.role]

    def lane_span(self, role: str) -> tuple[float, float]:
        return self.spans[role]

    def centre(self, node_id: str) -> Point:
        at = self.nodes[node_id].at
        assert at is not None, f"{node_id} is not placed"
        return at

    def pool_width(self) -> float:
        return self.width

    def route(self, flow: Flow) -> list[Point]:
        raise LayoutError(f"{flow.id}: a placed diagram gives every edge its waypoints")


def _overlap(a: Box, b: Box) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def _segment_hits(p: Point, q: Point, box: Box) -> bool:
    x, y, w, h = box
    x0, x1 = sorted((p[0], q[0]))
    y0, y1 = sorted((p[1], q[1]))
    return x0 < x + w - 1 and x1 > x + 1 and y0 < y + h - 1 and y1 > y + 1
