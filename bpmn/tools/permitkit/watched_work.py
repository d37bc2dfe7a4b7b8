"""The backbone of the watched-work permits (blind plate, temporary power, confined
space), laid out on :class:`~.layout.WideGrid`::

    start → credentials → assess → record risk → <pre steps> → approve_1 ─(reject)→ rejected
          → watcher_sign_in → activate → work → <after-work steps> → gw_work_end
          → <before-close steps> → close → <after-close steps> → closed
    on work: validity timer → expire;  watcher_left (message) → suspend → watcher_return
             → resume (back to work) or end;  the return waits under the validity timer too

One approver (the type's lane) approves and closes. A type gives its wording, its pre
steps and what it adds around the work step: further boundary events on ``work``
(``work_events``, in order), branches they start (``during``), steps between work and its
end (``after_work``), further expiry paths (``expiry``), steps before and after close.
Pre steps take the columns after ``record_grade`` in turn; ``during``, ``after_work`` and
``expiry`` nodes give their column counted from the work step's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from .forms import ON_SITE, Schema, approval_form, close_form, sign_in_form, watcher_return_form
from .model import PID, Flow, Lane, Node, Process, svc

VALID_UNTIL = ("timeDate", 'activation["valid_until"]')


def validity_expired() -> Node:
    return Node("validity_expired", "boundaryEvent", "有效期满", "applicant", attached="work",
                timer=VALID_UNTIL)


def watcher_left() -> Node:
    """The presence watch (processes/supervision) sends ``watcher_left``: the permit is
    withdrawn while the watcher is away (GB 30871 4.10)."""
    return Node("watcher_left", "boundaryEvent", "监护人离开", "applicant", attached="work",
                message="watcher_left")


@dataclass
class WatchedPermit:
    key: str
    title: str
    doc: str
    approver: Lane
    assess: str
    approve: str
    approve_gateway: str
    approve_doc: str
    sign_in_doc: str
    work: str
    work_doc: str
    work_form: Schema
    return_doc: str
    close_doc: str
    start: str | None = None
    credentials: str = "作业人员资质核验"
    assess_doc: str | None = None
    pre: list[Node] = field(default_factory=list)
    #: flows among the pre steps (None: one after the other)
    pre_flows: list[Flow] | None = None
    approve_mandatory: bool = True
    activate: str = "许可证生效"
    activate_doc: str | None = None
    #: what is suspended, resumed and ended: 作业 (work) or 用电 (the power supply)
    activity: str = "作业"
    work_events: list[Node] = field(default_factory=lambda: [validity_expired(),
                                                             watcher_left()])
    during: list[Node] = field(default_factory=list)
    during_flows: list[Flow] = field(default_factory=list)
    after_work: list[Node] = field(default_factory=list)
    expiry: list[Node] = field(default_factory=list)
    expiry_flows: list[Flow] = field(default_factory=list)
    work_end_lane: str | None = None
    before_close: list[Node] = field(default_factory=list)
    close: str = "完工验收"
    close_mandatory: bool = True
    after_close: list[Node] = field(default_factory=list)
    #: further messages the work step catches: name → variable of the payload
    messages: dict[str, str | None] = field(default_factory=dict)


def _chain(p: Process, ids: list[str]) -> None:
    for src, tgt in pairwise(ids):
        p.connect(src, tgt)


def build(spec: WatchedPermit) -> Process:
    lane = spec.approver.role
    p = Process(spec.key, f"{spec.title}许可", spec.title, f"{spec.title}许可证", spec.doc,
                [Lane("applicant", "申请人/作业负责人"), Lane("watcher", "监护人"),
                 spec.approver],
                messages={"watcher_left": "withdrawal", **spec.messages}, messages_first=True)
    p.add(Node("start", "startEvent", spec.start or f"{spec.title}申请", "applicant", 0),
          Node("check_credentials", "serviceTask", spec.credentials, "applicant", 1,
               service=svc("credentials.check", "credentials", permit_id=PID)),
          Node("assess", "serviceTask", spec.assess, "applicant", 2, doc=spec.assess_doc,
               service=svc("permit.assess", "facts", permit_id=PID)),
          Node("record_grade", "serviceTask", "登记风险与审批级数", "applicant", 3,
               service=svc("permit.set_grade", "grading", permit_id=PID, permit_grade="None",
                           risk='facts["risk"]', approvals='facts["approvals"]')))
    for col, node in enumerate(spec.pre, start=4):
        node.col = col
    p.add(*spec.pre)
    a = 4 + len(spec.pre)
    w = a + 4
    for node in (*spec.during, *spec.after_work, *spec.expiry):
        node.col += w
    p.add(Node("approve_1", "userTask", spec.approve, lane, a,
               mandatory=spec.approve_mandatory, doc=spec.approve_doc,
               form=approval_form(spec.approve, ON_SITE)),
          Node("gw_approve_1", "exclusiveGateway", spec.approve_gateway, lane, a + 1),
          Node("mark_rejected", "serviceTask", "登记驳回", lane, a + 2, row=1,
               service=svc("permit.reject", "rejection", permit_id=PID)),
          Node("end_rejected", "endEvent", "许可证已驳回", lane, a + 3, row=1),
          Node("watcher_sign_in", "userTask", "监护人到岗签到", "watcher", a + 2,
               mandatory=True, doc=spec.sign_in_doc, form=sign_in_form()),
          Node("activate", "serviceTask", spec.activate, "watcher", a + 3,
               doc=spec.activate_doc,
               service=svc("permit.activate", "activation", permit_id=PID)),
          Node("work", "userTask", spec.work, "applicant", w, doc=spec.work_doc,
               form=spec.work_form),
          *spec.work_events, *spec.during, *spec.after_work,
          Node("suspend", "serviceTask", f"收回作业票、停止{spec.activity}", "watcher", w + 1,
               row=1, service=svc("permit.suspend", "suspension", permit_id=PID,
                                  reason='withdrawal.get("reason")')),
          Node("watcher_return", "userTask", "监护人返回", "watcher", w + 2, row=1,
               doc=spec.return_doc, form=watcher_return_form()),
          Node("return_expired", "boundaryEvent", "有效期满", "watcher",
               attached="watcher_return", timer=VALID_UNTIL),
          Node("gw_return", "exclusiveGateway", f"是否继续{spec.activity}", "watcher", w + 3,
               row=1),
          Node("resume_work", "serviceTask", f"恢复{spec.activity}", "watcher", w + 4, row=1,
               service=svc("permit.resume", "resumption", permit_id=PID)),
          Node("gw_expired", "exclusiveGateway", "有效期满", lane, w + 3, row=1),
          Node("expire", "serviceTask", "登记许可证过期", lane, w + 4, row=1,
               service=svc("permit.expire", "expiry", permit_id=PID)),
          *spec.expiry,
          Node("gw_work_end", "exclusiveGateway", f"{spec.activity}结束",
               spec.work_end_lane or lane, w + 5))
    closing = [*spec.before_close,
               Node("close", "userTask", spec.close, lane, mandatory=spec.close_mandatory,
                    doc=spec.close_doc, form=close_form()),
               *spec.after_close,
               Node("mark_closed", "serviceTask", "关闭许可证", lane,
                    service=svc("permit.close", "closure", permit_id=PID)),
               Node("end_closed", "endEvent", "许可证已关闭", lane)]
    for col, node in enumerate(closing, start=w + 6):
        node.col = col
    p.add(*closing)

    pre = [n.id for n in spec.pre]
    _chain(p, ["start", "check_credentials", "assess", "record_grade", *pre[:1]])
    if spec.pre_flows is None:
        _chain(p, pre)
    else:
        p.link(*spec.pre_flows)
    _chain(p, [*(pre[-1:] or ["record_grade"]), "approve_1", "gw_approve_1"])
    p.connect("gw_approve_1", "mark_rejected", "驳回", cond='decision == "reject"')
    p.connect("gw_approve_1", "watcher_sign_in", "通过", default=True)
    _chain(p, ["mark_rejected", "end_rejected"])
    _chain(p, ["watcher_sign_in", "activate", "work", *[n.id for n in spec.after_work],
               "gw_work_end"])
    p.link(*spec.during_flows)
    _chain(p, ["watcher_left", "suspend", "watcher_return", "gw_return"])
    p.connect("gw_return", "resume_work", "继续", cond="resume == True")
    p.connect("gw_return", "gw_work_end", "结束", default=True)
    p.connect("resume_work", "work")
    p.connect("validity_expired", "gw_expired")
    _chain(p, ["return_expired", "gw_expired", "expire", "gw_work_end"])
    p.link(*spec.expiry_flows)
    _chain(p, ["gw_work_end", *[n.id for n in closing]])
    return p
