"""Generate the confined-space (受限空间作业) process: ``bpmn/confined_space.bpmn`` + forms.

GB 30871-2022 clause 6 and Form A.2. Approver: 所在基层单位 (Table B.1). The seven mandatory
nodes of the customer's case are marked (ventilation, lighting check, communication test,
emergency preparation, gas test, watcher sign-in, entry/exit log), plus the 2-hourly
monitoring reading; the four checklist steps and the entry/exit log may be skipped only
through the audited override (``skippable``). Work carries the validity timer (24 h, 6.10),
the 2-hourly monitoring cycle (6.5) and the watcher-left message (4.10); nobody finishes or
closes the job while the entry/exit log shows anyone inside (6.8).

Usage: ``python bpmn/tools/gen_confined_space.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from permitforms import (
    COMMENT,
    approval_form,
    checklist_form,
    close_form,
    confirm_form,
    gas_form,
    obj,
    watcher_return_form,
    watcher_sign_in_form,
)
from permitgen import Flow, Node, Process, svc, write

KEY = "confined_space"
PID = {"permit_id": "permit_id"}
GAS = {"permit_id": "permit_id", "readings": "readings", "instrument_id": "instrument_id",
       "photo": "photo"}
SKIP = {"skippable": "true"}
VALID_UNTIL = ("timeDate", 'activation["valid_until"]')

NODES = [
    Node("start", "startEvent", "受限空间作业申请", "applicant", 0),
    Node("check_credentials", "serviceTask", "作业人员资质核验", "applicant", 1,
         service=svc("credentials.check", "credentials", **PID)),
    Node("assess", "serviceTask", "作业条件评估", "applicant", 2,
         service=svc("permit.assess", "facts", **PID)),
    Node("record_grade", "serviceTask", "登记风险与审批级数", "applicant", 3,
         service=svc("permit.set_grade", "grading", permit_id="permit_id",
                     permit_grade="None", risk='facts["risk"]',
                     approvals='facts["approvals"]')),
    Node("ventilation", "userTask", "隔离、置换与通风确认", "applicant", 4, mandatory=True,
         props=SKIP, doc="隔绝（盲板或拆除管段）、清洗置换、自然或强制通风，严禁通入氧气"
                         "（GB 30871 6.1–6.2，表A.2 第1–4、8项）。"),
    Node("lighting_check", "userTask", "照明及防爆检查", "applicant", 5, mandatory=True,
         props=SKIP, doc="照明电压不超过36 V，潮湿或狭小容器不超过12 V；防爆灯具与工具"
                         "（GB 30871 4.13，表A.2 第5项）。"),
    Node("communication_test", "userTask", "通讯与监测测试", "applicant", 6, mandatory=True,
         props=SKIP, doc="内外通讯联络测试；便携式气体检测仪连续监测（GB 30871 6.5–6.6，"
                         "表A.2 第9、12项）。"),
    Node("emergency_preparation", "userTask", "应急准备", "applicant", 7, mandatory=True,
         props=SKIP, doc="出入口畅通、警戒、防护装备、应急救援器材（GB 30871 6.6–6.9，"
                         "表A.2 第6、10、11、13–15项）。"),
    Node("gas_test", "userTask", "气体检测", "applicant", 8, mandatory=True,
         doc="进入前30分钟内取样：氧含量19.5%~21%（富氧环境不超过23.5%），可燃气体按5.3.2，"
             "有毒气体不超过GBZ 2.1限值；申请中列明的气体均须检测（GB 30871 6.3–6.4）。"),
    Node("validate_gas", "serviceTask", "气体检测结果校验", "applicant", 9,
         service=svc("gas.validate", "gas_check", **GAS)),
    Node("approve_1", "userTask", "所在基层单位审批", "unit_approver", 10,
         doc="基层单位到现场核查后审批（GB 30871 表B.1）。"),
    Node("gw_approve_1", "exclusiveGateway", "基层单位意见", "unit_approver", 11),
    Node("mark_rejected", "serviceTask", "登记驳回", "unit_approver", 12, row=1,
         service=svc("permit.reject", "rejection", **PID)),
    Node("end_rejected", "endEvent", "许可证已驳回", "unit_approver", 13, row=1),
    Node("watcher_sign_in", "userTask", "监护人到岗签到", "watcher", 12, mandatory=True,
         doc="监护人在受限空间外全程监护，不得离开；离开即收回作业票（GB 30871 4.10、6.8）。"),
    Node("activate", "serviceTask", "许可证生效", "watcher", 13,
         service=svc("permit.activate", "activation", **PID)),
    Node("work", "userTask", "作业实施", "applicant", 14,
         doc="监护人在出入口登记人员进出；每2 h记录连续监测结果；全部人员撤出后方可提交。"),
    Node("validity_expired", "boundaryEvent", "有效期满", "applicant", attached="work",
         interrupting=True, timer=VALID_UNTIL),
    Node("retest_due", "boundaryEvent", "2 h监测记录", "applicant", attached="work",
         interrupting=False, timer=("timeCycle", 'activation["retest_cycle"]')),
    Node("watcher_left", "boundaryEvent", "监护人离开", "applicant", attached="work",
         interrupting=True, message="watcher_left"),
    Node("gas_retest", "userTask", "连续监测记录", "applicant", 15, row=1, mandatory=True,
         doc="作业期间连续监测，每2 h记录一次氧、可燃、有毒气体结果（GB 30871 6.5）。"),
    Node("validate_retest", "serviceTask", "监测结果校验", "applicant", 16, row=1,
         service=svc("gas.validate", "retest_check", **GAS)),
    Node("end_retest", "endEvent", "记录完成", "applicant", 17, row=1),
    Node("check_work_out", "serviceTask", "清点人数（作业完成）", "applicant", 16,
         service=svc("entries.check_all_out", "work_head_count", **PID)),
    Node("suspend", "serviceTask", "收回作业票、停止作业", "watcher", 15, row=1,
         service=svc("permit.suspend", "suspension", permit_id="permit_id",
                     reason='withdrawal.get("reason")')),
    Node("watcher_return", "userTask", "监护人返回", "watcher", 16, row=1,
         doc="监护人返回现场后决定继续作业或结束作业；中断超过60 min须先复测（GB 30871 6.3）。"),
    Node("return_expired", "boundaryEvent", "有效期满", "watcher", attached="watcher_return",
         interrupting=True, timer=VALID_UNTIL),
    Node("gw_return", "exclusiveGateway", "是否继续作业", "watcher", 17, row=1),
    Node("resume_work", "serviceTask", "恢复作业", "watcher", 18, row=1,
         service=svc("permit.resume", "resumption", **PID)),
    Node("gw_expired", "exclusiveGateway", "有效期满", "unit_approver", 17, row=1),
    Node("expire", "serviceTask", "登记许可证过期", "unit_approver", 18, row=1,
         service=svc("permit.expire", "expiry", **PID)),
    Node("gw_work_end", "exclusiveGateway", "作业结束", "watcher", 19),
    Node("entry_log", "userTask", "进出登记与清点", "watcher", 20, mandatory=True,
         props=SKIP, doc="监护人核对进出登记：所有进入人员均已撤出（GB 30871 6.8）。"),
    Node("check_log_out", "serviceTask", "清点人数（监护人）", "watcher", 21,
         service=svc("entries.check_all_out", "log_head_count", **PID)),
    Node("close", "userTask", "完工验收", "unit_approver", 22,
         doc="作业结束、人员全部撤出后现场完工验收。"),
    Node("check_close_out", "serviceTask", "清点人数（验收）", "unit_approver", 23,
         service=svc("entries.check_all_out", "close_head_count", **PID)),
    Node("mark_closed", "serviceTask", "关闭许可证", "unit_approver", 24,
         service=svc("permit.close", "closure", **PID)),
    Node("end_closed", "endEvent", "许可证已关闭", "unit_approver", 25),
]

FLOWS = [
    Flow("start", "check_credentials"),
    Flow("check_credentials", "assess"),
    Flow("assess", "record_grade"),
    Flow("record_grade", "ventilation"),
    Flow("ventilation", "lighting_check"),
    Flow("lighting_check", "communication_test"),
    Flow("communication_test", "emergency_preparation"),
    Flow("emergency_preparation", "gas_test"),
    Flow("gas_test", "validate_gas"),
    Flow("validate_gas", "approve_1"),
    Flow("approve_1", "gw_approve_1"),
    Flow("gw_approve_1", "mark_rejected", "驳回", cond='decision == "reject"'),
    Flow("gw_approve_1", "watcher_sign_in", "通过", default=True),
    Flow("mark_rejected", "end_rejected"),
    Flow("watcher_sign_in", "activate"),
    Flow("activate", "work"),
    Flow("work", "check_work_out"),
    Flow("check_work_out", "gw_work_end"),
    Flow("retest_due", "gas_retest"),
    Flow("gas_retest", "validate_retest"),
    Flow("validate_retest", "end_retest"),
    Flow("watcher_left", "suspend"),
    Flow("suspend", "watcher_return"),
    Flow("watcher_return", "gw_return"),
    Flow("gw_return", "resume_work", "继续", cond="resume == True"),
    Flow("gw_return", "gw_work_end", "结束", default=True),
    Flow("resume_work", "work"),
    Flow("validity_expired", "gw_expired"),
    Flow("return_expired", "gw_expired"),
    Flow("gw_expired", "expire", default=True),
    Flow("expire", "gw_work_end"),
    Flow("gw_work_end", "entry_log", default=True),
    Flow("entry_log", "check_log_out"),
    Flow("check_log_out", "close"),
    Flow("close", "check_close_out"),
    Flow("check_close_out", "mark_closed"),
    Flow("mark_closed", "end_closed"),
]

PROCESS = Process(
    key=KEY, name="受限空间作业许可", title="受限空间作业",
    doc="受限空间作业许可证流程（GB 30871-2022 第6章，表A.2）：隔离通风、照明、通讯、应急准备、"
        "进入前30分钟内气体检测、所在基层单位审批、监护人签到、作业实施（24 h有效期、每2 h"
        "监测记录、进出登记）、清点人数、完工验收。",
    lanes=[("applicant", "申请人/作业负责人"), ("watcher", "监护人"),
           ("unit_approver", "所在基层单位")],
    nodes=NODES, flows=FLOWS, messages={"watcher_left": "withdrawal"})


def forms() -> dict[str, dict]:
    return {
        "ventilation": checklist_form(
            KEY, "ventilation", "隔离、置换与通风确认",
            "GB 30871-2022 Form A.2 items 1–4, 8: true = done, false = not done, "
            '"na" = not applicable.',
            extra={"method": {"enum": ["natural", "forced", "ducted"], "title": "通风方式",
                              "description": "natural = 自然通风, forced = 强制通风, "
                                             "ducted = 管道送风."}},
            extra_required=["method"]),
        "lighting_check": checklist_form(
            KEY, "lighting_check", "照明及防爆检查",
            "GB 30871-2022 Form A.2 item 5 and clause 4.13.",
            extra={"voltage_v": {"type": "number", "minimum": 0, "maximum": 400,
                                 "title": "照明电压 V",
                                 "description": "Lamp voltage: at most 36 V, 12 V in a wet "
                                                "or cramped space (GB 30871 4.13)."}},
            extra_required=["voltage_v"]),
        "communication_test": checklist_form(
            KEY, "communication_test", "通讯与监测测试",
            "GB 30871-2022 Form A.2 items 9 and 12.",
            extra={"channel": {"enum": ["radio", "phone", "intercom", "rope_signal"],
                               "title": "联络方式",
                               "description": "radio = 对讲机, phone = 电话, intercom = "
                                              "内部通话, rope_signal = 绳索信号."},
                   "tested_ok": {"const": True, "title": "通讯测试正常",
                                 "description": "Inside and outside can hear each other."}},
            extra_required=["channel", "tested_ok"]),
        "emergency_preparation": checklist_form(
            KEY, "emergency_preparation", "应急准备",
            "GB 30871-2022 Form A.2 items 6, 10, 11, 13–15.",
            extra={"rescuers_on_standby": {"type": "integer", "minimum": 1, "maximum": 20,
                                           "title": "待命救援人数",
                                           "description": "People on standby to rescue "
                                                          "(with breathing apparatus)."}},
            extra_required=["rescuers_on_standby"]),
        "gas_test": gas_form("进入前气体检测"),
        "gas_retest": gas_form("连续监测记录"),
        "approve_1": approval_form("所在基层单位审批"),
        "watcher_sign_in": watcher_sign_in_form(),
        "work": confirm_form("作业实施", "finished", "作业已完成",
                             "Work finished and everyone logged out of the space."),
        "watcher_return": watcher_return_form(),
        "entry_log": obj("进出登记与清点", {
            "all_out": {"const": True, "title": "人员已全部撤出",
                        "description": "The watcher counted everyone out against the "
                                       "entry/exit log."},
            "tools_out": {"type": "boolean", "title": "工具材料已清点带出",
                          "description": "Tools and materials taken in were counted out."},
            "comment": COMMENT}, ["all_out"]),
        "close": close_form(),
    }


if __name__ == "__main__":
    for path in write(PROCESS, forms()):
        print(path)
