"""The shape every permit process shares, laid out on the flowkit grid.

    start → <pre steps: assess, grading/routing tables, credentials, record, checklist …>
          → [gw_route → <path without approval> (approvals == 0)]
          → approve_1 → … (escalation; countersigns as a parallel block) → gw_approved
          → watcher_sign_in → activate → work ─(validity timer: expire)→ close → closed
    any rejection → mark_rejected → end_rejected (terminate: open countersigns stop too)

A type's generator lists its lanes, its pre steps and its approval chain; this module
adds the fixed parts with the stable ids of design §3 (``approve_<n>``, ``countersign_<dept>``,
``watcher_sign_in``, ``work``, ``close``) and the validity timer on ``work``
(``activation["valid_until"]``, interrupting).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flowkit import (
    COL_W,
    Diagram,
    Lane,
    Node,
    approval_form,
    close_form,
    sign_in_form,
    svc,
    work_form,
)

PID = ("int", "permit_id")


@dataclass
class Approval:
    """One escalation step; ``when`` is the condition to reach it (None: always)."""

    id: str
    lane: str
    name: str
    doc: str
    when: str | None = None


@dataclass
class Countersigns:
    """Departments that countersign in parallel (会签); any refusal stops the permit."""

    items: list[tuple[str, str, str]]  # (department key, lane, task name)
    join_lane: str
    doc: str


@dataclass
class PermitSpec:
    key: str
    type_zh: str
    doc: str
    lanes: list[Lane]
    pre: list[Node]
    chain: list[Approval | Countersigns]
    work_doc: str
    auto: list[Node] = field(default_factory=list)
    close_lane: str = "unit_approver"
    reject_lane: str = "plant_leader"


def build(spec: PermitSpec) -> Diagram:
    d = Diagram(spec.key, f"{spec.type_zh}许可", f"{spec.type_zh}许可证", spec.doc, spec.lanes)
    col = 0
    d.add(Node("start", "startEvent", f"{spec.type_zh}申请", "applicant", col))
    prev = "start"
    for node in spec.pre:
        col += 1
        node.col = col
        d.add(node)
        d.connect(prev, node.id)
        prev = node.id
    entry: dict[str, object] = {}
    if spec.auto:
        col += 1
        d.add(Node("gw_route", "exclusiveGateway", "是否需审批", "applicant", col))
        d.connect(prev, "gw_route")
        auto_prev = "gw_route"
        for i, node in enumerate(spec.auto, start=1):
            node.col = col + i
            d.add(node)
            if auto_prev == "gw_route":
                d.connect("gw_route", node.id, name="免审批", cond="approvals == 0")
            else:
                d.connect(auto_prev, node.id)
            auto_prev = node.id
        prev = "gw_route"
        entry = {"name": "需审批", "default": True}
    col += 1
    rejecting: list[str] = []
    approving: list[str] = []
    countersign_rejects: list[tuple[str, float]] = []
    for index, item in enumerate(spec.chain):
        following = spec.chain[index + 1] if index + 1 < len(spec.chain) else None
        if isinstance(item, Approval):
            d.add(Node(item.id, "userTask", item.name, item.lane, col, doc=item.doc,
                       mandatory=True, form=approval_form(item.name)))
            d.connect(prev, item.id, **entry)
            gw = f"gw_{item.id}"
            d.add(Node(gw, "exclusiveGateway", f"{item.name}意见", item.lane, col + 1))
            d.connect(item.id, gw)
            rejecting.append(gw)
            if following is None:
                approving.append(gw)
                entry = {}
            elif isinstance(following, Approval) and following.when:
                approving.append(gw)
                entry = {"name": "继续审批", "route": "z",
                         "cond": f'decision != "reject" and {following.when}'}
            else:
                entry = {"name": "同意", "default": True, "route": "z"}
            prev = gw
            col += 2
        else:
            split, join = f"gw_countersign_{index}", f"gw_countersigned_{index}"
            lane = d.nodes[prev].lane
            d.add(Node(split, "parallelGateway", "多部门会签", lane, col))
            d.connect(prev, split, **entry)
            for dept, dept_lane, name in item.items:
                task, gw = f"countersign_{dept}", f"gw_countersign_{dept}"
                d.add(Node(task, "userTask", name, dept_lane, col + 1, doc=item.doc,
                           mandatory=True, properties={"approval": "true", "department": dept},
                           form=approval_form(name, "会签：同意（approve）或不同意（reject，须说明"
                                                    "理由，许可证随即终止）。")))
                d.add(Node(gw, "exclusiveGateway", f"{name}意见", dept_lane, col + 2))
                d.connect(split, task)
                d.connect(task, gw)
                d.connect(gw, join, name="同意", default=True, route="h")
                countersign_rejects.append((gw, col + 3))
            d.add(Node(join, "parallelGateway", "会签完成", item.join_lane, col + 4))
            prev, entry = join, {}
            col += 5
    # rejection sink, right of every rejecting gateway
    d.add(Node("gw_rejected", "exclusiveGateway", "审批驳回", spec.reject_lane, col,
               row=d.lane_of(spec.reject_lane).rows - 1))
    d.add(Node("mark_rejected", "serviceTask", "登记驳回", spec.reject_lane, col + 1,
               row=d.lane_of(spec.reject_lane).rows - 1,
               service=svc("permit.reject", "rejection", permit_id=PID)))
    d.add(Node("end_rejected", "endEvent", "许可证已驳回（终止）", spec.reject_lane, col + 2,
               row=d.lane_of(spec.reject_lane).rows - 1, terminate=True))
    for gw in rejecting:
        d.connect(gw, "gw_rejected", name="驳回", cond='decision == "reject"')
    sink_x, sink_y = d.center("gw_rejected")
    for gw, bus_col in countersign_rejects:
        gx, gy = d.center(gw)
        bus_x = d.center("start")[0] + bus_col * COL_W
        d.connect(gw, "gw_rejected", name="不同意", cond='decision == "reject"', waypoints=[
            (gx, gy + 25), (gx, gy + 45), (bus_x, gy + 45), (bus_x, sink_y),
            (sink_x - 25, sink_y)])
    d.connect("gw_rejected", "mark_rejected", default=True)
    d.connect("mark_rejected", "end_rejected")
    # approved: watcher, activation, work with its validity timer, close
    d.add(Node("gw_approved", "exclusiveGateway", "审批通过", "watcher", col))
    for gw in approving:
        d.connect(gw, "gw_approved", name="通过", default=True)
    if spec.auto:
        d.connect(spec.auto[-1].id, "gw_approved", route="h")
    d.add(Node("watcher_sign_in", "userTask", "监护人到岗签到", "watcher", col + 1,
               mandatory=True, form=sign_in_form(),
               doc="监护人到达现场，确认措施落实后签到；监护人离开即收回许可证。"))
    d.connect("gw_approved", "watcher_sign_in", default=True)
    d.add(Node("activate", "serviceTask", "许可证生效", "watcher", col + 2,
               service=svc("permit.activate", "activation", permit_id=PID)))
    d.connect("watcher_sign_in", "activate")
    d.add(Node("work", "userTask", f"{spec.type_zh}实施", "applicant", col + 3,
               doc=spec.work_doc, form=work_form(f"{spec.type_zh}实施")))
    d.connect("activate", "work")
    d.add(Node("validity_expired", "boundaryEvent", "有效期满", "applicant", -20,
               attached="work", interrupting=True,
               timer=("timeDate", 'activation["valid_until"]')))
    d.add(Node("expire", "serviceTask", "登记许可证过期", "applicant", col + 4, row=1,
               service=svc("permit.expire", "expiry", permit_id=PID)))
    d.connect("validity_expired", "expire")
    d.add(Node("gw_close_join", "exclusiveGateway", "作业结束", spec.close_lane, col + 5))
    d.connect("work", "gw_close_join")
    d.connect("expire", "gw_close_join")
    d.add(Node("close", "userTask", "完工验收", spec.close_lane, col + 6, mandatory=True,
               form=close_form(), doc="作业结束后现场完工验收。"))
    d.connect("gw_close_join", "close", default=True)
    d.add(Node("mark_closed", "serviceTask", "关闭许可证", spec.close_lane, col + 7,
               service=svc("permit.close", "closure", permit_id=PID)))
    d.connect("close", "mark_closed")
    d.add(Node("end_closed", "endEvent", "许可证已关闭", spec.close_lane, col + 8))
    d.connect("mark_closed", "end_closed")
    return d
