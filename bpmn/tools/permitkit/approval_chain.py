"""The backbone of the approval-chain permits (work at height, lifting, excavation, road
closure), laid out on :class:`~.layout.Grid`::

    start → assess → <grade table> → routing table → credentials → record → checklist
          → [gw_route → <path without approval> (approvals == 0)]
          → approve_1 → … (escalation; countersigns as a parallel block) → gw_approved
          → watcher_sign_in → activate → work ─(validity timer: expire)→ close → closed
    any rejection → mark_rejected → end_rejected (terminate: open countersigns stop too)

A type lists its lanes, its decision tables and its approval chain; this module adds the
fixed parts with the stable ids of design §3 (``approve_<n>``, ``countersign_<dept>``,
``watcher_sign_in``, ``work``, ``close``) and the validity timer on ``work``
(``activation["valid_until"]``, interrupting). The helpers below hold what the types
share, so that a type's generator is only what makes it different.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .dmn import Decision
from .forms import (
    AGREE,
    approval_form,
    close_form,
    numbered_checklist_form,
    sign_in_form,
    work_form,
)
from .model import PID, Lane, Node, Process, svc
from .output import rules_data

APPLICANT = Lane("applicant", "申请人/作业负责人", rows=2)


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
    #: where the rejection sink sits: the last lane (the highest approver) unless given
    reject_lane: str | None = None


# -- what the types share ----------------------------------------------------------------
def lanes(*approvers: Lane) -> list[Lane]:
    """Applicant (two rows: the expiry path), watcher, the unit, then the further approvers;
    the last one gets a second row for the rejection sink."""
    *middle, last = approvers
    return [APPLICANT, Lane("watcher", "监护人"), Lane("unit_approver", "所在基层单位"),
            *middle, Lane(last.role, last.label, rows=2)]


def assessment(key: str, type_zh: str, measures: str, routing: Decision,
               grade: Decision | None = None) -> list[Node]:
    """assess → [grade] → routing → credentials → record → the checklist of the type's form.

    A graded type hands the grade to the credential check (a grade may need a higher
    certificate) and records it; an ungraded one records the risk only.
    """
    graded = {"grade": ("str", "grade")} if grade else {}
    steps = [Node("assess", "serviceTask", "作业风险评估", "applicant",
                  service=svc("permit.assess", "facts", permit_id=PID))]
    if grade:
        steps.append(Node("decide_grade", "businessRuleTask", grade.name, "applicant",
                          decision=grade.id))
    table = rules_data("checklists.json")[key]["form"]
    return [*steps,
            Node("decide_route", "businessRuleTask", "审批路由判定", "applicant",
                 decision=routing.id),
            Node("check_credentials", "serviceTask", "作业人员资质核验", "applicant",
                 service=svc("credentials.check", "credentials", permit_id=PID, **graded)),
            Node("record_grade", "serviceTask",
                 f"登记{type_zh}级别" if grade else "登记风险等级", "applicant",
                 service=svc("permit.set_grade", "grading", permit_id=PID,
                             permit_grade=("str", "grade" if grade else "None"),
                             risk=("str", "risk"), approvals=("int", "approvals"))),
            Node("safety_measures", "userTask", "安全措施确认", "applicant", mandatory=True,
                 doc=f"逐项确认{measures}安全措施（GB 30871 表{table}），不涉及的项选“不涉及”。",
                 form=numbered_checklist_form(f"{type_zh}安全措施确认", key))]


def escalation(unit_doc: str, specialist_doc: str, leader_doc: str) -> list[Approval]:
    """所在基层单位, then the 专业部门 from two approvals, the 主管厂长/总工程师 from three
    (the grades of work at height and lifting)."""
    return [
        Approval("approve_1", "unit_approver", "所在基层单位审批", unit_doc),
        Approval("approve_2", "specialist", "专业部门审批", specialist_doc,
                 when="approvals >= 2"),
        Approval("approve_3", "plant_leader", "主管厂长/总工程师审批", leader_doc,
                 when="approvals >= 3"),
    ]


ESCALATION_LANES = (Lane("specialist", "所在单位专业部门"),
                    Lane("plant_leader", "主管厂长/总工程师"))


def countersign_chain(rules_file: str, lane_labels: dict[str, str], unit_doc: str,
                      countersign_doc: str, specialist_doc: str,
                      ) -> tuple[list[Lane], list[Approval | Countersigns]]:
    """所在基层单位, the departments of ``rules_file`` countersigning in parallel (one lane
    each), then the 所在单位专业部门: the lanes between the unit and the specialist, and
    the chain."""
    departments = rules_data(rules_file)["countersign_departments"]["items"]
    return ([Lane(d["role"], lane_labels[d["role"]]) for d in departments], [
        Approval("approve_1", "unit_approver", "所在基层单位审批", unit_doc),
        Countersigns([(d["key"], d["role"], f"{d['label_zh']}部门会签") for d in departments],
                     join_lane="specialist", doc=countersign_doc),
        Approval("approve_2", "specialist", "专业部门审批", specialist_doc),
    ])


SPECIALIST = Lane("specialist", "所在单位专业部门（审批部门）")


# -- the backbone ------------------------------------------------------------------------
def build(spec: PermitSpec) -> Process:
    d = Process(spec.key, f"{spec.type_zh}许可", f"{spec.type_zh}许可", f"{spec.type_zh}许可证",
                spec.doc, spec.lanes)
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
                       mandatory=True, form=approval_form(item.name, choices=AGREE)))
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
                           mandatory=True, props={"approval": "true", "department": dept},
                           form=approval_form(name, "会签：同意（approve）或不同意（reject，须说明"
                                                    "理由，许可证随即终止）。", AGREE)))
                d.add(Node(gw, "exclusiveGateway", f"{name}意见", dept_lane, col + 2))
                d.connect(split, task)
                d.connect(task, gw)
                d.connect(gw, join, name="同意", default=True, route="h")
                countersign_rejects.append((gw, col + 3))
            d.add(Node(join, "parallelGateway", "会签完成", item.join_lane, col + 4))
            prev, entry = join, {}
            col += 5
    # rejection sink, right of every rejecting gateway
    sink = spec.reject_lane or spec.lanes[-1].role
    sink_row = d.lane(sink).rows - 1
    d.add(Node("gw_rejected", "exclusiveGateway", "审批驳回", sink, col, row=sink_row),
          Node("mark_rejected", "serviceTask", "登记驳回", sink, col + 1,
               row=sink_row, service=svc("permit.reject", "rejection", permit_id=PID)),
          Node("end_rejected", "endEvent", "许可证已驳回（终止）", sink, col + 2,
               row=sink_row, terminate=True))
    for gw in rejecting:
        d.connect(gw, "gw_rejected", name="驳回", cond='decision == "reject"')
    for gw, bus_col in countersign_rejects:
        d.connect(gw, "gw_rejected", name="不同意", cond='decision == "reject"',
                  via_col=bus_col)
    d.connect("gw_rejected", "mark_rejected")
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
    d.connect("gw_approved", "watcher_sign_in")
    d.add(Node("activate", "serviceTask", "许可证生效", "watcher", col + 2,
               service=svc("permit.activate", "activation", permit_id=PID)))
    d.connect("watcher_sign_in", "activate")
    d.add(Node("work", "userTask", f"{spec.type_zh}实施", "applicant", col + 3,
               doc=spec.work_doc, form=work_form(f"{spec.type_zh}实施")))
    d.connect("activate", "work")
    d.add(Node("validity_expired", "boundaryEvent", "有效期满", "applicant", dx=-20,
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
    d.connect("gw_close_join", "close")
    d.add(Node("mark_closed", "serviceTask", "关闭许可证", spec.close_lane, col + 7,
               service=svc("permit.close", "closure", permit_id=PID)))
    d.connect("close", "mark_closed")
    d.add(Node("end_closed", "endEvent", "许可证已关闭", spec.close_lane, col + 8))
    d.connect("mark_closed", "end_closed")
    return d
