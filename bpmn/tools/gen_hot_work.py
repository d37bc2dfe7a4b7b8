"""Generate the hot-work (动火作业) process artefacts.

Writes, relative to the ``bpmn/`` directory:

* ``hot_work.bpmn``                       process ``hot_work`` with collaboration, lanes and BPMNDI
* ``hot_work_grade.dmn``                  decision ``hot_work_grade``
* ``hot_work_routing.dmn``                decision ``hot_work_routing``
* ``forms/hot_work.<task_id>.schema.json``  one JSON Schema (Draft 2020-12) per user task

SpiffWorkflow 3.2.0 reads only the first ``<decision>`` of a DMN file, so every
decision lives in its own file named after the decision id.

Usage::

    python bpmn/tools/gen_hot_work.py

The layout is hand-placed (left to right, orthogonal edges); coordinates are the
centres of shapes. Edit the tables below, re-run, and re-run the tests in
``tests/bpmn_raw``.
"""

from __future__ import annotations

import json
from pathlib import Path

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
DMN_NS = {
    None: "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "dc": "http://www.omg.org/spec/DMN/20180521/DC/",
}

PROCESS_ID = "hot_work"

# ---------------------------------------------------------------------------
# Lanes: name = role key (SpiffWorkflow reports the lane *name*), id = lane_<role>,
# Chinese label in <documentation>.  y-range of each horizontal swimlane.
# ---------------------------------------------------------------------------
POOL_X, POOL_Y, POOL_W = 120, 60, 3740
LANE_X = POOL_X + 30
LANES = [
    # role,          documentation,           y0,   y1
    ("applicant", "申请人/作业负责人", 60, 360),
    ("watcher", "监护人", 360, 620),
    ("unit_approver", "所在基层单位", 620, 780),
    ("safety_dept", "安全管理部门", 780, 920),
    ("plant_leader", "主管领导", 920, 1200),
    ("team_leader", "班组长", 1200, 1340),
]
POOL_H = LANES[-1][3] - POOL_Y

SIZE = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "boundaryEvent": (36, 36),
    "exclusiveGateway": (50, 50),
    "serviceTask": (100, 80),
    "businessRuleTask": (100, 80),
    "userTask": (100, 80),
}


def svc(operator, result, **params):
    """Service task operator: params are (type, python expression)."""
    return {"operator": operator, "result": result, "params": params}


PID = ("int", "permit_id")
GAS_PARAMS = {
    "permit_id": PID,
    "readings": ("any", "readings"),
    "instrument_id": ("str", "instrument_id"),
    "photo": ("str", "photo"),
}

# ---------------------------------------------------------------------------
# Flow nodes: id -> spec.  "at" is the shape centre; "label" is (x, y, w, h) for
# external labels (events, gateways).
# ---------------------------------------------------------------------------
NODES: dict[str, dict] = {
    "start": dict(
        kind="startEvent",
        name="动火申请",
        lane="applicant",
        at=(220, 140),
        label=(190, 163, 60, 14),
    ),
    "check_credentials": dict(
        kind="serviceTask",
        name="作业人员资质核验",
        lane="applicant",
        at=(330, 140),
        service=svc("credentials.check", "credentials", permit_id=PID),
    ),
    "assess": dict(
        kind="serviceTask",
        name="作业风险评估",
        lane="applicant",
        at=(470, 140),
        service=svc("permit.assess", "facts", permit_id=PID),
    ),
    "grade": dict(
        kind="businessRuleTask",
        name="动火作业分级",
        lane="applicant",
        at=(610, 140),
        decision="hot_work_grade",
    ),
    "record_grade": dict(
        kind="serviceTask",
        name="登记动火等级",
        lane="applicant",
        at=(890, 140),
        service=svc("permit.set_grade", "grading", permit_id=PID,
                    permit_grade=("str", "grade"), risk=("str", "risk"),
                    approvals=("int", "approvals")),
    ),
    "route": dict(
        kind="businessRuleTask",
        name="审批路由判定",
        lane="applicant",
        at=(750, 140),
        decision="hot_work_routing",
    ),
    "safety_measures": dict(
        kind="userTask",
        name="安全措施确认",
        lane="applicant",
        at=(1030, 140),
        mandatory=True,
        doc="逐项确认动火安全措施（GB 30871 表A.1），不涉及的项选“不涉及”。",
    ),
    "gas_test": dict(
        kind="userTask",
        name="气体检测",
        lane="applicant",
        at=(1170, 140),
        mandatory=True,
        doc="动火前30分钟内取样分析，录入各取样点结果并上传检测照片。",
    ),
    "validate_gas": dict(
        kind="serviceTask",
        name="气体检测结果校验",
        lane="applicant",
        at=(1310, 140),
        service=svc("gas.validate", "gas_check", **GAS_PARAMS),
    ),
    "gw_route": dict(
        kind="exclusiveGateway",
        name="是否需审批",
        lane="applicant",
        at=(1430, 140),
        label=(1390, 88, 80, 14),
    ),
    "auto_approve": dict(
        kind="serviceTask",
        name="自动批准",
        lane="applicant",
        at=(1550, 140),
        service=svc("routing.auto_approve", "auto_approval", permit_id=PID, risk=("str", "risk")),
    ),
    "approve_1": dict(
        kind="userTask",
        name="所在基层单位审批",
        lane="unit_approver",
        at=(1550, 700),
        mandatory=True,
        doc="基层单位到现场核查后审批。",
    ),
    "gw_approve_1": dict(
        kind="exclusiveGateway",
        name="基层单位意见",
        lane="unit_approver",
        at=(1670, 700),
        label=(1678, 656, 72, 14),
    ),
    "approve_2": dict(
        kind="userTask",
        name="安全管理部门审批",
        lane="safety_dept",
        at=(1810, 850),
        mandatory=True,
        doc="安全管理部门到现场核查后审批。",
    ),
    "gw_approve_2": dict(
        kind="exclusiveGateway",
        name="安全部门意见",
        lane="safety_dept",
        at=(1930, 850),
        label=(1938, 806, 72, 14),
    ),
    "approve_3": dict(
        kind="userTask",
        name="主管领导审批",
        lane="plant_leader",
        at=(2090, 980),
        mandatory=True,
        doc="主管领导到现场核查后审批（特级动火）。",
    ),
    "gw_approve_3": dict(
        kind="exclusiveGateway",
        name="主管领导意见",
        lane="plant_leader",
        at=(2230, 980),
        label=(2190, 926, 80, 14),
    ),
    "gw_rejected": dict(
        kind="exclusiveGateway",
        name="审批驳回",
        lane="plant_leader",
        at=(1930, 1100),
        label=(1850, 1056, 72, 14),
    ),
    "mark_rejected": dict(
        kind="serviceTask",
        name="登记驳回",
        lane="plant_leader",
        at=(2060, 1100),
        service=svc("permit.reject", "rejection", permit_id=PID),
    ),
    "end_rejected": dict(
        kind="endEvent",
        name="许可证已驳回",
        lane="plant_leader",
        at=(2160, 1100),
        label=(2120, 1123, 80, 14),
    ),
    "gw_approved": dict(
        kind="exclusiveGateway",
        name="审批通过",
        lane="watcher",
        at=(2330, 430),
        label=(2338, 386, 60, 14),
    ),
    "watcher_sign_in": dict(
        kind="userTask",
        name="监护人到岗签到",
        lane="watcher",
        at=(2470, 430),
        mandatory=True,
        doc="监护人到达现场，确认措施落实后签到；监护人离开即收回许可证。",
    ),
    "activate": dict(
        kind="serviceTask",
        name="许可证生效",
        lane="watcher",
        at=(2610, 430),
        service=svc("permit.activate", "activation", permit_id=PID),
    ),
    "gw_work_join": dict(
        kind="exclusiveGateway",
        name="作业进行",
        lane="applicant",
        at=(2700, 140),
        label=(2626, 104, 44, 14),
    ),
    "work": dict(
        kind="userTask",
        name="作业实施",
        lane="applicant",
        at=(2830, 140),
        size=(140, 80),
        doc="动火作业实施；作业完成后提交。监护人缺位（未按时复核在岗或定位在围栏外）时作业暂停。",
    ),
    "validity_expired": dict(
        kind="boundaryEvent",
        name="有效期满",
        lane="applicant",
        at=(2780, 180),
        attached="work",
        interrupting=True,
        timer=("timeDate", 'activation["valid_until"]'),
        label=(2732, 205, 44, 14),
    ),
    "watcher_absent": dict(
        kind="boundaryEvent",
        name="监护人缺位",
        lane="applicant",
        at=(2830, 180),
        attached="work",
        interrupting=True,
        message="watcher_absent",
        label=(2836, 205, 40, 14),
    ),
    "retest_due": dict(
        kind="boundaryEvent",
        name="复测周期",
        lane="applicant",
        at=(2880, 180),
        attached="work",
        interrupting=False,
        timer=("timeCycle", 'activation["retest_cycle"]'),
        label=(2886, 205, 44, 14),
    ),
    "gas_retest": dict(
        kind="userTask",
        name="气体复测",
        lane="applicant",
        at=(3000, 290),
        mandatory=True,
        doc="作业期间按周期复测气体，录入结果并上传照片。",
    ),
    "validate_retest": dict(
        kind="serviceTask",
        name="复测结果校验",
        lane="applicant",
        at=(3140, 290),
        service=svc("gas.validate", "retest_check", **GAS_PARAMS),
    ),
    "end_retest": dict(
        kind="endEvent",
        name="复测完成",
        lane="applicant",
        at=(3260, 290),
        label=(3240, 313, 50, 14),
    ),
    "suspend": dict(
        kind="serviceTask",
        name="暂停作业",
        lane="watcher",
        at=(2950, 550),
        service=svc("watch.suspend", "suspension", permit_id=PID),
    ),
    "watcher_resume": dict(
        kind="userTask",
        name="监护人重新签到",
        lane="watcher",
        at=(3090, 550),
        mandatory=True,
        doc="作业暂停后，监护人（或经交接的替班监护人）重新扫码、定位、人脸签到，作业方可恢复。",
    ),
    "resume_expired": dict(
        kind="boundaryEvent",
        name="暂停中期满",
        lane="watcher",
        at=(3090, 590),
        attached="watcher_resume",
        interrupting=True,
        timer=("timeDate", 'activation["valid_until"]'),
        label=(3112, 600, 60, 14),
    ),
    "resume": dict(
        kind="serviceTask",
        name="恢复作业",
        lane="watcher",
        at=(3230, 550),
        service=svc("watch.resume", "resumption", permit_id=PID),
    ),
    "expire": dict(
        kind="serviceTask",
        name="登记许可证过期",
        lane="unit_approver",
        at=(2950, 700),
        service=svc("permit.expire", "expiry", permit_id=PID),
    ),
    "gw_close_join": dict(
        kind="exclusiveGateway",
        name="作业结束",
        lane="unit_approver",
        at=(3400, 700),
        label=(3360, 732, 80, 14),
    ),
    "close": dict(
        kind="userTask",
        name="完工验收",
        lane="unit_approver",
        at=(3530, 700),
        mandatory=True,
        doc="作业结束后现场完工验收。",
    ),
    "mark_closed": dict(
        kind="serviceTask",
        name="关闭许可证",
        lane="unit_approver",
        at=(3670, 700),
        service=svc("permit.close", "closure", permit_id=PID),
    ),
    "end_closed": dict(
        kind="endEvent",
        name="许可证已关闭",
        lane="unit_approver",
        at=(3800, 700),
        label=(3760, 723, 80, 14),
    ),
}

# ---------------------------------------------------------------------------
# Sequence flows: (id, source, target, waypoints, extras).  extras: name, cond,
# default (bool), label (x, y, w, h).
# ---------------------------------------------------------------------------
FLOWS = [
    ("f_start", "start", "check_credentials", [(238, 140), (280, 140)], {}),
    ("f_credentials_assess", "check_credentials", "assess", [(380, 140), (420, 140)], {}),
    ("f_assess_grade", "assess", "grade", [(520, 140), (560, 140)], {}),
    ("f_grade_route", "grade", "route", [(660, 140), (700, 140)], {}),
    ("f_route_record", "route", "record_grade", [(800, 140), (840, 140)], {}),
    ("f_measures_gas", "safety_measures", "gas_test", [(1080, 140), (1120, 140)], {}),
    ("f_gas_validate", "gas_test", "validate_gas", [(1220, 140), (1260, 140)], {}),
    ("f_validate_route", "validate_gas", "gw_route", [(1360, 140), (1405, 140)], {}),
    (
        "f_route_auto",
        "gw_route",
        "auto_approve",
        [(1455, 140), (1500, 140)],
        dict(name="免审批", cond="approvals == 0", label=(1458, 120, 40, 14)),
    ),
    (
        "f_route_approve_1",
        "gw_route",
        "approve_1",
        [(1430, 165), (1430, 700), (1500, 700)],
        dict(name="需审批", default=True, label=(1436, 200, 40, 14)),
    ),
    ("f_auto_approved", "auto_approve", "gw_approved", [(1600, 140), (2330, 140), (2330, 405)], {}),
    ("f_approve_1_gw", "approve_1", "gw_approve_1", [(1600, 700), (1645, 700)], {}),
    (
        "f_gw1_reject",
        "gw_approve_1",
        "gw_rejected",
        [(1670, 725), (1670, 1100), (1905, 1100)],
        dict(name="驳回", cond='decision == "reject"', label=(1676, 735, 28, 14)),
    ),
    (
        "f_gw1_approve_2",
        "gw_approve_1",
        "approve_2",
        [(1695, 700), (1720, 700), (1720, 850), (1760, 850)],
        dict(
            name="继续审批",
            cond='decision != "reject" and approvals >= 2',
            label=(1726, 760, 50, 14),
        ),
    ),
    (
        "f_gw1_approved",
        "gw_approve_1",
        "gw_approved",
        [(1670, 675), (1670, 430), (2305, 430)],
        dict(name="通过", default=True, label=(1636, 470, 28, 14)),
    ),
    ("f_approve_2_gw", "approve_2", "gw_approve_2", [(1860, 850), (1905, 850)], {}),
    (
        "f_gw2_reject",
        "gw_approve_2",
        "gw_rejected",
        [(1930, 875), (1930, 1075)],
        dict(name="驳回", cond='decision == "reject"', label=(1936, 910, 28, 14)),
    ),
    (
        "f_gw2_approve_3",
        "gw_approve_2",
        "approve_3",
        [(1955, 850), (1980, 850), (1980, 980), (2040, 980)],
        dict(
            name="继续审批",
            cond='decision != "reject" and approvals >= 3',
            label=(1986, 890, 50, 14),
        ),
    ),
    (
        "f_gw2_approved",
        "gw_approve_2",
        "gw_approved",
        [(1930, 825), (1930, 760), (2330, 760), (2330, 455)],
        dict(name="通过", default=True, label=(1896, 790, 28, 14)),
    ),
    ("f_approve_3_gw", "approve_3", "gw_approve_3", [(2140, 980), (2205, 980)], {}),
    (
        "f_gw3_reject",
        "gw_approve_3",
        "gw_rejected",
        [(2230, 1005), (2230, 1170), (1930, 1170), (1930, 1125)],
        dict(name="驳回", cond='decision == "reject"', label=(2236, 1040, 28, 14)),
    ),
    (
        "f_gw3_approved",
        "gw_approve_3",
        "gw_approved",
        [(2255, 980), (2330, 980), (2330, 455)],
        dict(name="通过", default=True, label=(2262, 960, 28, 14)),
    ),
    (
        "f_rejected_mark",
        "gw_rejected",
        "mark_rejected",
        [(1955, 1100), (2010, 1100)],
        dict(default=True),
    ),
    ("f_mark_rejected_end", "mark_rejected", "end_rejected", [(2110, 1100), (2142, 1100)], {}),
    (
        "f_approved_sign_in",
        "gw_approved",
        "watcher_sign_in",
        [(2355, 430), (2420, 430)],
        dict(default=True),
    ),
    ("f_sign_in_activate", "watcher_sign_in", "activate", [(2520, 430), (2560, 430)], {}),
    ("f_activate_join", "activate", "gw_work_join", [(2660, 430), (2700, 430), (2700, 165)], {}),
    ("f_join_work", "gw_work_join", "work", [(2725, 140), (2760, 140)], dict(default=True)),
    ("f_work_done", "work", "gw_close_join", [(2900, 140), (3400, 140), (3400, 675)], {}),
    ("f_expired_expire", "validity_expired", "expire", [(2780, 198), (2780, 700), (2900, 700)], {}),
    ("f_expire_close", "expire", "gw_close_join", [(3000, 700), (3375, 700)], {}),
    ("f_retest_gas", "retest_due", "gas_retest", [(2880, 198), (2880, 290), (2950, 290)], {}),
    ("f_gas_retest_validate", "gas_retest", "validate_retest", [(3050, 290), (3090, 290)], {}),
    ("f_validate_retest_end", "validate_retest", "end_retest", [(3190, 290), (3242, 290)], {}),
    ("f_absent_suspend", "watcher_absent", "suspend", [(2830, 198), (2830, 550), (2900, 550)], {}),
    ("f_suspend_resume", "suspend", "watcher_resume", [(3000, 550), (3040, 550)], {}),
    ("f_resume_task_resume", "watcher_resume", "resume", [(3140, 550), (3180, 550)], {}),
    (
        "f_resume_join",
        "resume",
        "gw_work_join",
        [(3230, 510), (3230, 80), (2700, 80), (2700, 115)],
        {},
    ),
    (
        "f_resume_expired_expire",
        "resume_expired",
        "expire",
        [(3090, 608), (3090, 640), (2950, 640), (2950, 660)],
        {},
    ),
    ("f_join_close", "gw_close_join", "close", [(3425, 700), (3480, 700)], dict(default=True)),
    ("f_close_mark", "close", "mark_closed", [(3580, 700), (3620, 700)], {}),
    ("f_mark_closed_end", "mark_closed", "end_closed", [(3720, 700), (3782, 700)], {}),
]


# ---------------------------------------------------------------------------
# Pre-approval hold (fatigue / rest warning) between grading and the safety measures:
# credentials.fatigue_check counts the crew's matching applications this month; a warning
# freezes the application (a hold in the domain) and routes it to the team leader's
# fatigue_review; release continues, reject ends like any rejection.  Every shape right
# of record_grade moves HOLD_DX to the right to make room; the tables above keep their
# original coordinates.
# ---------------------------------------------------------------------------
HOLD_X0, HOLD_DX = 960, 460


def _make_room() -> None:
    global POOL_W

    def sx(x: float) -> float:
        return x + HOLD_DX if x >= HOLD_X0 else x

    for node in NODES.values():
        node["at"] = (sx(node["at"][0]), node["at"][1])
        if "label" in node:
            x, y, w, h = node["label"]
            node["label"] = (sx(x), y, w, h)
    for i, (fid, src, tgt, wps, extra) in enumerate(FLOWS):
        if "label" in extra:
            x, y, w, h = extra["label"]
            extra = {**extra, "label": (sx(x), y, w, h)}
        FLOWS[i] = (fid, src, tgt, [(sx(x), y) for x, y in wps], extra)
    POOL_W += HOLD_DX


_make_room()
NODES.update({
    "check_fatigue": dict(
        kind="serviceTask",
        name="疲劳与休息核查",
        lane="applicant",
        at=(1010, 140),
        service=svc("credentials.fatigue_check", "fatigue_check", permit_id=PID),
    ),
    "gw_fatigue": dict(
        kind="exclusiveGateway",
        name="是否疲劳预警",
        lane="applicant",
        at=(1130, 140),
        label=(1090, 88, 80, 14),
    ),
    "fatigue_review": dict(
        kind="userTask",
        name="班组长疲劳复核",
        lane="team_leader",
        at=(1130, 1270),
        mandatory=True,
        doc="疲劳预警：申请已冻结。班组长复核后放行或驳回（须说明理由）。",
    ),
    "release_hold": dict(
        kind="serviceTask",
        name="登记复核结论",
        lane="team_leader",
        at=(1290, 1270),
        service=svc("credentials.release_hold", "fatigue_release", permit_id=PID,
                    decision=("str", "decision"), comment=("str", "comment")),
    ),
    "gw_fatigue_review": dict(
        kind="exclusiveGateway",
        name="复核结论",
        lane="team_leader",
        at=(1410, 1270),
        label=(1370, 1302, 80, 14),
    ),
})
FLOWS.extend([
    ("f_record_fatigue", "record_grade", "check_fatigue", [(940, 140), (960, 140)], {}),
    ("f_fatigue_gw", "check_fatigue", "gw_fatigue", [(1060, 140), (1105, 140)], {}),
    (
        "f_fatigue_ok",
        "gw_fatigue",
        "safety_measures",
        [(1155, 140), (1440, 140)],
        dict(name="无预警", default=True, label=(1170, 120, 40, 14)),
    ),
    (
        "f_fatigue_warn",
        "gw_fatigue",
        "fatigue_review",
        [(1130, 165), (1130, 1230)],
        dict(name="疲劳预警", cond='fatigue_check["fatigue"] == True', label=(1136, 200, 50, 14)),
    ),
    ("f_review_release", "fatigue_review", "release_hold", [(1180, 1270), (1240, 1270)], {}),
    ("f_release_gw", "release_hold", "gw_fatigue_review", [(1340, 1270), (1385, 1270)], {}),
    (
        "f_review_go",
        "gw_fatigue_review",
        "safety_measures",
        [(1410, 1245), (1410, 260), (1470, 260), (1470, 180)],
        dict(name="放行", default=True, label=(1416, 1170, 28, 14)),
    ),
    (
        "f_review_reject",
        "gw_fatigue_review",
        "gw_rejected",
        [(1435, 1270), (2390, 1270), (2390, 1125)],
        dict(name="驳回", cond='decision == "reject"', label=(1445, 1250, 28, 14)),
    ),
])


def q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def sub(parent, prefix, tag, text=None, **attrs):
    el = etree.SubElement(parent, q(prefix, tag), {k: str(v) for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def bounds(node_id: str) -> tuple[float, float, float, float]:
    node = NODES[node_id]
    w, h = node.get("size") or SIZE[node["kind"]]
    cx, cy = node["at"]
    return cx - w / 2, cy - h / 2, w, h


def fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def add_bounds(parent, x, y, w, h):
    etree.SubElement(parent, q("dc", "Bounds"), x=fmt(x), y=fmt(y), width=fmt(w), height=fmt(h))


def emission_order() -> list[str]:
    """Order of flow nodes in the XML.

    SpiffWorkflow 3.2.0 (ProcessParser._index_process_nodes) indexes *every* element
    with an ``id`` attribute, including ``spiffworkflow:parameter``; the last one in
    document order wins and ``targetRef`` is resolved through that index.  The
    ``permit.set_grade`` parameter ``grade`` has the same id as the business rule
    task ``grade``, so every service task whose parameter ids collide with a flow
    node id is emitted *before* all other nodes.  If the order is ever flipped the
    parser fails loudly ("There is no support implemented for this task type").
    """
    colliding = [
        n
        for n, spec in NODES.items()
        if "service" in spec and set(spec["service"]["params"]) & set(NODES)
    ]
    return colliding + [n for n in NODES if n not in colliding]


def build_bpmn() -> etree._ElementTree:
    root = etree.Element(
        q("bpmn", "definitions"),
        nsmap=NS,
        attrib={
            "id": "Definitions_hot_work",
            "targetNamespace": "urn:permitflow:bpmn:hot_work",
            "exporter": "permitflow bpmn/tools/gen_hot_work.py",
            "exporterVersion": "1",
        },
    )
    collab = sub(root, "bpmn", "collaboration", id="collab_hot_work", name="动火作业")
    sub(
        collab,
        "bpmn",
        "participant",
        id="participant_hot_work",
        name="动火作业许可证",
        processRef=PROCESS_ID,
    )

    for message in sorted({n["message"] for n in NODES.values() if "message" in n}):
        # sent by the presence check (processes/supervision) when the watcher is absent
        sub(root, "bpmn", "message", id=f"msg_{message}", name=message)
    process = sub(root, "bpmn", "process", id=PROCESS_ID, name="动火作业许可", isExecutable="true")
    sub(
        process,
        "bpmn",
        "documentation",
        "动火作业许可证流程（GB 30871-2022 第5章）：分级、安全措施、气体检测、分级审批、"
        "监护人签到、作业实施（有效期与复测计时；监护人缺位即暂停，重新签到后恢复）、完工验收。",
    )
    lane_set = sub(process, "bpmn", "laneSet", id="laneset_hot_work")
    for role, label, _y0, _y1 in LANES:
        lane = sub(lane_set, "bpmn", "lane", id=f"lane_{role}", name=role)
        sub(lane, "bpmn", "documentation", label)
        for node_id, node in NODES.items():
            if node["lane"] == role:
                sub(lane, "bpmn", "flowNodeRef", node_id)

    incoming: dict[str, list[str]] = {n: [] for n in NODES}
    outgoing: dict[str, list[str]] = {n: [] for n in NODES}
    defaults: dict[str, str] = {}
    for flow_id, src, tgt, _wps, extra in FLOWS:
        outgoing[src].append(flow_id)
        incoming[tgt].append(flow_id)
        if extra.get("default"):
            assert src not in defaults, src
            defaults[src] = flow_id

    order = emission_order()
    if order[0] != next(iter(NODES)):
        process.append(
            etree.Comment(
                f" {order[0]} is listed first on purpose: SpiffWorkflow 3.2.0 resolves targetRef "
                "through an index of every element with an id (parameters included, last one "
                "wins); its parameter 'grade' must not shadow the task 'grade'. "
            )
        )
    for node_id in order:
        node = NODES[node_id]
        kind = node["kind"]
        attrs = {"id": node_id, "name": node["name"]}
        if kind == "exclusiveGateway":
            attrs["default"] = defaults[node_id]
        if kind == "boundaryEvent":
            attrs["attachedToRef"] = node["attached"]
            attrs["cancelActivity"] = "true" if node["interrupting"] else "false"
        el = sub(process, "bpmn", kind, **attrs)
        if "doc" in node:
            sub(el, "bpmn", "documentation", node["doc"])
        if kind == "userTask":
            ext = sub(el, "bpmn", "extensionElements")
            props = sub(ext, "spiffworkflow", "properties")
            sub(
                props,
                "spiffworkflow",
                "property",
                name="formJsonSchemaFilename",
                value=f"{PROCESS_ID}.{node_id}.schema.json",
            )
            if node.get("mandatory"):
                sub(props, "spiffworkflow", "property", name="mandatory", value="true")
        elif kind == "serviceTask":
            service = node["service"]
            ext = sub(el, "bpmn", "extensionElements")
            op = sub(
                ext,
                "spiffworkflow",
                "serviceTaskOperator",
                id=service["operator"],
                resultVariable=service["result"],
            )
            params = sub(op, "spiffworkflow", "parameters")
            for pname, (ptype, expr) in service["params"].items():
                sub(params, "spiffworkflow", "parameter", id=pname, type=ptype, value=expr)
        elif kind == "businessRuleTask":
            ext = sub(el, "bpmn", "extensionElements")
            sub(ext, "spiffworkflow", "calledDecisionId", node["decision"])
        for flow_id in incoming[node_id]:
            sub(el, "bpmn", "incoming", flow_id)
        for flow_id in outgoing[node_id]:
            sub(el, "bpmn", "outgoing", flow_id)
        if kind == "boundaryEvent" and "message" in node:
            sub(el, "bpmn", "messageEventDefinition", id=f"{node_id}_message",
                messageRef=f"msg_{node['message']}")
        elif kind == "boundaryEvent":
            timer_kind, expr = node["timer"]
            ted = sub(el, "bpmn", "timerEventDefinition", id=f"{node_id}_timer")
            t = sub(ted, "bpmn", timer_kind, expr)
            t.set(q("xsi", "type"), "bpmn:tFormalExpression")

    for flow_id, src, tgt, _wps, extra in FLOWS:
        attrs = {"id": flow_id, "sourceRef": src, "targetRef": tgt}
        if "name" in extra:
            attrs["name"] = extra["name"]
        flow = sub(process, "bpmn", "sequenceFlow", **attrs)
        if "cond" in extra:
            c = sub(flow, "bpmn", "conditionExpression", extra["cond"])
            c.set(q("xsi", "type"), "bpmn:tFormalExpression")

    # ---- BPMNDI -----------------------------------------------------------
    diagram = sub(root, "bpmndi", "BPMNDiagram", id="BPMNDiagram_hot_work")
    plane = sub(
        diagram, "bpmndi", "BPMNPlane", id="BPMNPlane_hot_work", bpmnElement="collab_hot_work"
    )
    shape = sub(
        plane,
        "bpmndi",
        "BPMNShape",
        id="participant_hot_work_di",
        bpmnElement="participant_hot_work",
        isHorizontal="true",
    )
    add_bounds(shape, POOL_X, POOL_Y, POOL_W, POOL_H)
    for role, _label, y0, y1 in LANES:
        shape = sub(
            plane,
            "bpmndi",
            "BPMNShape",
            id=f"lane_{role}_di",
            bpmnElement=f"lane_{role}",
            isHorizontal="true",
        )
        add_bounds(shape, LANE_X, y0, POOL_X + POOL_W - LANE_X, y1 - y0)
    # hosts before boundary events so boundary events are drawn on top
    ordered = [n for n in NODES if NODES[n]["kind"] != "boundaryEvent"] + [
        n for n in NODES if NODES[n]["kind"] == "boundaryEvent"
    ]
    for node_id in ordered:
        node = NODES[node_id]
        attrs = {"id": f"{node_id}_di", "bpmnElement": node_id}
        if node["kind"] == "exclusiveGateway":
            attrs["isMarkerVisible"] = "true"
        shape = sub(plane, "bpmndi", "BPMNShape", **attrs)
        add_bounds(shape, *bounds(node_id))
        if "label" in node:
            add_bounds(sub(shape, "bpmndi", "BPMNLabel"), *node["label"])
    for flow_id, _src, _tgt, wps, extra in FLOWS:
        edge = sub(plane, "bpmndi", "BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
        for x, y in wps:
            sub(edge, "di", "waypoint", x=fmt(x), y=fmt(y))
        if "label" in extra:
            add_bounds(sub(edge, "bpmndi", "BPMNLabel"), *extra["label"])
    return etree.ElementTree(root)


# ---------------------------------------------------------------------------
# DMN (expressions are Python; hit policy UNIQUE = first match; catch-all last)
# ---------------------------------------------------------------------------
ANY = None  # empty cell: matches anything

GRADE_DECISION = dict(
    id="hot_work_grade",
    name="动火作业分级",
    inputs=[
        ("hazard_class", "危险场所类别", 'facts["hazard_class"]', "string"),
        ("running_equipment", "在运设备/管道", 'facts["running_equipment"]', "boolean"),
        ("tank_farm_dike", "罐区防火堤内", 'facts["tank_farm_dike"]', "boolean"),
        ("pipe_rack", "管廊上", 'facts["pipe_rack"]', "boolean"),
        ("upgrade", "升级管理", 'facts["upgrade"]', "boolean"),
    ],
    outputs=[("grade", "动火等级", "string")],
    rules=[
        (
            ['"fire_explosion"', "True", ANY, ANY, ANY],
            ['"special"'],
            "5.1.2 火灾爆炸危险场所在运设备动火 → 特级（已是最高级，升级不变）",
        ),
        ([ANY, ANY, "True", ANY, ANY], ['"special"'], "5.1.2 甲乙类罐区防火堤内动火 → 特级"),
        ([ANY, ANY, ANY, "True", "True"], ['"special"'], "5.1.3 管廊一级 + 升级 → 特级"),
        (
            ['"fire_explosion"', ANY, ANY, ANY, "True"],
            ['"special"'],
            "5.1.3 火灾爆炸危险场所其他动火一级 + 升级 → 特级",
        ),
        ([ANY, ANY, ANY, "True", "False"], ['"grade1"'], "5.1.3 管廊上动火 → 一级"),
        (
            ['"fire_explosion"', ANY, ANY, ANY, "False"],
            ['"grade1"'],
            "5.1.3 火灾爆炸危险场所其他动火 → 一级",
        ),
        ([ANY, ANY, ANY, ANY, "True"], ['"grade1"'], "5.1.4 二级 + 升级 → 一级"),
        ([ANY, ANY, ANY, ANY, "False"], ['"grade2"'], "5.1.4 其他动火 → 二级"),
        (
            [ANY, ANY, ANY, ANY, ANY],
            ['"special"'],
            "兜底：数据不完整时按最严格的特级处理 (fail-safe)",
        ),
    ],
)

ROUTING_DECISION = dict(
    id="hot_work_routing",
    name="动火审批路由",
    inputs=[
        ("grade", "动火等级", "grade", "string"),
        ("hazard_class", "危险场所类别", 'facts["hazard_class"]', "string"),
        ("crew_incidents", "作业队伍事故记录数", 'facts["crew_incidents"]', "integer"),
        ("upgrade", "升级管理", 'facts["upgrade"]', "boolean"),
    ],
    outputs=[("risk", "风险等级", "string"), ("approvals", "审批级数", "integer")],
    rules=[
        (
            ['"grade2"', '"general"', "0", "False"],
            ['"low"', "0"],
            "二级、一般场所、无事故记录、未升级 → 低风险，自动批准",
        ),
        (['"grade2"', ANY, ANY, ANY], ['"medium"', "1"], "二级 → 所在基层单位审批"),
        (['"grade1"', ANY, ANY, ANY], ['"high"', "2"], "一级 → 基层单位 + 安全管理部门"),
        (
            ['"special"', ANY, ANY, ANY],
            ['"high"', "3"],
            "特级 → 基层单位 + 安全管理部门 + 主管领导",
        ),
        ([ANY, ANY, ANY, ANY], ['"high"', "3"], "兜底：未知等级按特级审批"),
    ],
)


def build_dmn(decision: dict) -> etree._ElementTree:
    m = DMN_NS[None]
    did = decision["id"]

    def el(parent, tag, text=None, **attrs):
        e = etree.SubElement(parent, f"{{{m}}}{tag}", {k: str(v) for k, v in attrs.items()})
        if text is not None:
            e.text = text
        return e

    root = etree.Element(
        f"{{{m}}}definitions",
        nsmap=DMN_NS,
        attrib={
            "id": f"Definitions_{did}",
            "name": decision["name"],
            "namespace": f"urn:permitflow:dmn:{did}",
            "exporter": "permitflow bpmn/tools/gen_hot_work.py",
            "exporterVersion": "1",
        },
    )
    dec = el(root, "decision", id=did, name=decision["name"])
    table = el(dec, "decisionTable", id=f"{did}_table", hitPolicy="UNIQUE")
    for key, label, expr, type_ref in decision["inputs"]:
        inp = el(table, "input", id=f"{did}_in_{key}", label=label)
        ie = el(inp, "inputExpression", id=f"{did}_in_{key}_expr", typeRef=type_ref)
        el(ie, "text", expr)
    for key, label, type_ref in decision["outputs"]:
        el(table, "output", id=f"{did}_out_{key}", label=label, name=key, typeRef=type_ref)
    for idx, (ins, outs, desc) in enumerate(decision["rules"], start=1):
        rule = el(table, "rule", id=f"{did}_r{idx}")
        el(rule, "description", desc)
        for col, cell in enumerate(ins):
            entry = el(rule, "inputEntry", id=f"{did}_r{idx}_i{col}")
            el(entry, "text", cell if cell is not None else "")
        for col, cell in enumerate(outs):
            entry = el(rule, "outputEntry", id=f"{did}_r{idx}_o{col}")
            el(entry, "text", cell)
    dmndi = etree.SubElement(root, f"{{{DMN_NS['dmndi']}}}DMNDI")
    diagram = etree.SubElement(dmndi, f"{{{DMN_NS['dmndi']}}}DMNDiagram", id=f"DMNDiagram_{did}")
    shape = etree.SubElement(
        diagram, f"{{{DMN_NS['dmndi']}}}DMNShape", id=f"DMNShape_{did}", dmnElementRef=did
    )
    etree.SubElement(shape, f"{{{DMN_NS['dc']}}}Bounds", x="160", y="100", width="180", height="80")
    return etree.ElementTree(root)


# ---------------------------------------------------------------------------
# Forms (JSON Schema Draft 2020-12).  additionalProperties: false everywhere so a
# client cannot smuggle process variables (approvals, grade, ...) into task data.
# ---------------------------------------------------------------------------
SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"

CHECKLIST = [
    (
        "purged",
        "动火设备已清洗、吹扫或置换合格",
        "Equipment emptied, cleaned, steamed or purged to hot-work condition.",
    ),
    (
        "blinds_fitted",
        "相连管道已断开或加盲板，未以水封或关阀代替",
        "Connected lines disconnected or blinded (count in blind_count); no water seal "
        "or closed valve used instead of a blind.",
    ),
    (
        "drains_covered",
        "周边孔洞、窨井、地沟等已清理并覆盖隔离",
        "Nearby openings, manholes, drains, trenches and cable trays cleared of combustibles "
        "and covered or sand-sealed.",
    ),
    (
        "no_dike_draining",
        "同一防火堤内储罐未同时脱水或取样",
        "No tank draining or sampling inside the same dike or fire-separation distance.",
    ),
    (
        "spark_control_at_height",
        "高处动火已采取防火花飞溅措施",
        "Hot work at height: spark/spatter containment in place, PPE worn.",
    ),
    (
        "lining_fire_barrier",
        "可燃构件或可燃内衬设备已采取防火隔绝措施",
        "Equipment with combustible internals or linings: fire barrier in place.",
    ),
    (
        "cylinders",
        "气瓶直立防倾倒、装回火防止器，间距符合要求",
        "Cylinders upright and secured, flashback arrestor fitted, O2 to C2H2 >= 5 m, "
        "both >= 10 m from the flame.",
    ),
    (
        "fire_kit",
        "现场已配备灭火器、灭火毯、消防水带/蒸汽带",
        "Fire kit on site: extinguishers, fire blankets, fire hose or steam hose.",
    ),
    (
        "welder_sited_earthed",
        "电焊机位置符合防火防爆要求并可靠接地",
        "Welding machine sited per fire/explosion rules and reliably earthed.",
    ),
    (
        "no_hazardous_ops_nearby",
        "周边无易燃易爆化学品装卸、排放等作业",
        "No loading, discharge or other handling of flammable chemicals nearby.",
    ),
    (
        "distance_rules",
        "满足30 m/15 m/10 m 距离要求",
        "Distance rules: no flammable gas venting within 30 m, no flammable liquid discharge "
        "within 15 m, no solvent cleaning/painting or combustible dust sweeping within 10 m.",
    ),
    (
        "jha_done",
        "已进行作业危害分析并明确协调人",
        "Job hazard analysis done and a coordinator named.",
    ),
    (
        "continuous_detector",
        "已设置便携式/连续可燃气体检测",
        "Portable or continuous flammable-gas detector in place (continuous for special grade).",
    ),
    (
        "ex_camera",
        "特级动火已设防爆视频监控",
        "Special-grade hot work: Ex-rated camera recording the whole job.",
    ),
    (
        "other_permits",
        "其他相关作业许可已办理，现场已隔离警戒",
        "Other required permits issued; work area barricaded.",
    ),
    (
        "other_measures",
        "其他安全措施",
        "Other measures (describe in the permit record if applicable).",
    ),
]

CHECK_VALUE = {"enum": [True, False, "na"]}
COMMENT = {
    "type": "string",
    "title": "备注",
    "maxLength": 2000,
    "description": "Free-text comment.",
}


def obj(title, properties, required, description=None, **extra):
    schema = {"$schema": SCHEMA_URI, "title": title}
    if description:
        schema["description"] = description
    schema.update(
        {
            "type": "object",
            "properties": properties,
            "required": required,
            "additionalProperties": False,
        }
    )
    schema.update(extra)
    return schema


def gas_form(title: str) -> dict:
    reading = {
        "type": "object",
        "title": "分析结果",
        "properties": {
            "gas": {
                "type": "string",
                "title": "代表性气体",
                "minLength": 1,
                "description": "Representative gas, e.g. CH4, H2, C3H8, H2S, O2.",
                "examples": ["CH4", "H2", "C3H8", "H2S", "O2"],
            },
            "value": {
                "type": "number",
                "title": "分析结果",
                "minimum": 0,
                "description": "Measured value in the given unit.",
            },
            "unit": {
                "enum": ["%LEL", "%VOL", "ppm", "mg/m3"],
                "title": "单位",
                "description": "Unit of value. GB 30871 5.3 limits are %VOL.",
            },
            "sampled_at": {
                "type": "string",
                "format": "date-time",
                "title": "取样分析时间",
                "description": "Sampling time, ISO 8601 with UTC offset.",
            },
            "point": {
                "type": "string",
                "title": "取样点",
                "minLength": 1,
                "description": "Sampling point (e.g. top/middle/bottom of the vessel).",
            },
        },
        "required": ["gas", "value", "unit", "sampled_at", "point"],
        "additionalProperties": False,
    }
    return obj(
        title,
        {
            "readings": {
                "type": "array",
                "title": "气体分析",
                "minItems": 1,
                "items": reading,
                "description": "One entry per gas and sampling point.",
            },
            "instrument_id": {
                "type": "string",
                "title": "检测仪器编号",
                "minLength": 1,
                "description": "Gas detector id.",
            },
            "photo": {
                "type": "string",
                "title": "检测照片",
                "minLength": 1,
                "description": "Upload id of the photo of the detector reading.",
            },
        },
        ["readings", "instrument_id", "photo"],
    )


def approval_form(title: str) -> dict:
    return obj(
        title,
        {
            "decision": {
                "enum": ["approve", "reject"],
                "title": "审批意见",
                "description": "approve = 批准, reject = 驳回.",
            },
            "comment": COMMENT,
        },
        ["decision"],
        allOf=[
            {
                "if": {"properties": {"decision": {"const": "reject"}}, "required": ["decision"]},
                "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1}}},
            }
        ],
    )


def build_forms() -> dict[str, dict]:
    items = {
        key: {**CHECK_VALUE, "title": title, "description": desc} for key, title, desc in CHECKLIST
    }
    return {
        "safety_measures": obj(
            "动火安全措施确认",
            {
                "items": {
                    "type": "object",
                    "title": "安全措施",
                    "properties": items,
                    "required": [k for k, _, _ in CHECKLIST],
                    "additionalProperties": False,
                    "description": "GB 30871-2022 Form A.1 checklist: true = done, "
                    'false = not done, "na" = not applicable.',
                },
                "blind_count": {
                    "type": "integer",
                    "minimum": 0,
                    "title": "盲板数量",
                    "description": "Number of blinds fitted.",
                },
                "confirmed_by": {
                    "type": "integer",
                    "minimum": 1,
                    "title": "确认人",
                    "description": "Person id of the person confirming.",
                },
            },
            ["items", "confirmed_by"],
        ),
        "gas_test": gas_form("动火前气体检测"),
        "gas_retest": gas_form("作业期间气体复测"),
        "fatigue_review": obj(
            "班组长疲劳复核",
            {
                "decision": {
                    "enum": ["release", "reject"],
                    "title": "复核结论",
                    "description": "release = 放行（继续申请）, reject = 驳回.",
                },
                "comment": {**COMMENT, "minLength": 1},
            },
            ["decision", "comment"],
        ),
        "approve_1": approval_form("所在基层单位审批"),
        "approve_2": approval_form("安全管理部门审批"),
        "approve_3": approval_form("主管领导审批"),
        "watcher_sign_in": obj(
            "监护人到岗签到",
            {
                "present": {
                    "const": True,
                    "title": "已到岗",
                    "description": "Watcher is present at the work site.",
                },
                "comment": COMMENT,
            },
            ["present"],
        ),
        "watcher_resume": obj(
            "监护人重新签到",
            {
                "present": {
                    "const": True,
                    "title": "已回到岗位",
                    "description": "Watcher is back at the work site (after a suspension).",
                },
                "comment": COMMENT,
            },
            ["present"],
        ),
        "work": obj(
            "作业实施",
            {
                "finished": {
                    "const": True,
                    "title": "作业已完成",
                    "description": "Hot work finished.",
                },
                "comment": COMMENT,
            },
            ["finished"],
        ),
        "close": obj(
            "完工验收",
            {
                "accepted": {
                    "type": "boolean",
                    "title": "验收合格",
                    "description": "Site inspected after the work and accepted.",
                },
                "comment": COMMENT,
            },
            ["accepted"],
        ),
    }


def write_xml(tree: etree._ElementTree, path: Path) -> None:
    etree.indent(tree, space="  ")
    body = etree.tostring(tree, encoding="unicode", pretty_print=True)
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + body, encoding="utf-8")


def main() -> None:
    user_tasks = {n for n, spec in NODES.items() if spec["kind"] == "userTask"}
    forms = build_forms()
    assert set(forms) == user_tasks, set(forms) ^ user_tasks
    write_xml(build_bpmn(), BPMN_DIR / "hot_work.bpmn")
    for decision in (GRADE_DECISION, ROUTING_DECISION):
        write_xml(build_dmn(decision), BPMN_DIR / f"{decision['id']}.dmn")
    forms_dir = BPMN_DIR / "forms"
    forms_dir.mkdir(exist_ok=True)
    for task_id, schema in forms.items():
        path = forms_dir / f"{PROCESS_ID}.{task_id}.schema.json"
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
