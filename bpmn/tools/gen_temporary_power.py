"""Generate the temporary-power (临时用电作业) process: ``bpmn/temporary_power.bpmn`` + forms.

GB 30871-2022 clause 10 and Form A.6. Approved and closed by the power supplier (配送电单位,
Table B.1). In a fire/explosion-hazard area the gas test to the 5.3.2 limits comes first
(10.1): a gateway on ``facts["gas_required"]``. Validity: the days applied for (≤ 15, ≤ 30
with a reason), or the life of the hot-work or confined-space permit the supply serves —
when that permit ends, the ``served_permit_ended`` message expires this one (10.8).

Usage: ``python bpmn/tools/gen_temporary_power.py``
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from permitforms import (
    approval_form,
    checklist_form,
    close_form,
    confirm_form,
    gas_form,
    watcher_return_form,
    watcher_sign_in_form,
)
from permitgen import Flow, Node, Process, svc, write

KEY = "temporary_power"
PID = {"permit_id": "permit_id"}
GAS = {"permit_id": "permit_id", "readings": "readings", "instrument_id": "instrument_id",
       "photo": "photo"}
VALID_UNTIL = ("timeDate", 'activation["valid_until"]')

NODES = [
    Node("start", "startEvent", "临时用电申请", "applicant", 0),
    Node("check_credentials", "serviceTask", "电工资质核验", "applicant", 1,
         service=svc("credentials.check", "credentials", **PID)),
    Node("assess", "serviceTask", "用电条件评估", "applicant", 2,
         doc="危险场所、用电期限、线路敷设、负荷与所服务作业票核查（GB 30871 10.1–10.8）。",
         service=svc("permit.assess", "facts", **PID)),
    Node("record_grade", "serviceTask", "登记风险与审批级数", "applicant", 3,
         service=svc("permit.set_grade", "grading", permit_id="permit_id",
                     permit_grade="None", risk='facts["risk"]',
                     approvals='facts["approvals"]')),
    Node("safety_measures", "userTask", "安全措施确认", "applicant", 4, mandatory=True,
         props={"skippable": "true"},
         doc="逐项确认临时用电安全措施（GB 30871 表A.6）。"),
    Node("gw_gas", "exclusiveGateway", "是否火灾爆炸危险场所", "applicant", 5),
    Node("gas_test", "userTask", "气体检测", "applicant", 6, row=1, mandatory=True,
         doc="火灾爆炸危险场所内临时用电，接电前30分钟内按5.3.2检测可燃气体（GB 30871 10.1）。"),
    Node("validate_gas", "serviceTask", "气体检测结果校验", "applicant", 7, row=1,
         service=svc("gas.validate", "gas_check", **GAS)),
    Node("gw_gas_join", "exclusiveGateway", "检测完成", "applicant", 8),
    Node("approve_1", "userTask", "配送电单位审批", "power_supplier", 9, mandatory=True,
         doc="配送电单位审核接入点、负荷与线路后审批（GB 30871 表B.1）。"),
    Node("gw_approve_1", "exclusiveGateway", "配送电单位意见", "power_supplier", 10),
    Node("mark_rejected", "serviceTask", "登记驳回", "power_supplier", 11, row=1,
         service=svc("permit.reject", "rejection", **PID)),
    Node("end_rejected", "endEvent", "许可证已驳回", "power_supplier", 12, row=1),
    Node("watcher_sign_in", "userTask", "监护人到岗签到", "watcher", 11, mandatory=True,
         doc="接电、拆线时监护人在场（GB 30871 10.3）。"),
    Node("activate", "serviceTask", "送电生效", "watcher", 12,
         service=svc("permit.activate", "activation", **PID)),
    Node("work", "userTask", "临时用电", "applicant", 13,
         doc="用电结束、线路拆除后提交；所服务的作业票结束时本票随之终止（GB 30871 10.8）。"),
    Node("validity_expired", "boundaryEvent", "有效期满", "applicant", attached="work",
         interrupting=True, timer=VALID_UNTIL),
    Node("watcher_left", "boundaryEvent", "监护人离开", "applicant", attached="work",
         interrupting=True, message="watcher_left"),
    Node("served_ended", "boundaryEvent", "所服务作业票结束", "applicant", attached="work",
         interrupting=True, message="served_permit_ended"),
    Node("suspend", "serviceTask", "收回作业票、停止用电", "watcher", 14, row=1,
         service=svc("permit.suspend", "suspension", permit_id="permit_id",
                     reason='withdrawal.get("reason")')),
    Node("watcher_return", "userTask", "监护人返回", "watcher", 15, row=1,
         doc="监护人返回现场后决定继续或结束用电。"),
    Node("return_expired", "boundaryEvent", "有效期满", "watcher", attached="watcher_return",
         interrupting=True, timer=VALID_UNTIL),
    Node("gw_return", "exclusiveGateway", "是否继续用电", "watcher", 16, row=1),
    Node("resume_work", "serviceTask", "恢复用电", "watcher", 17, row=1,
         service=svc("permit.resume", "resumption", **PID)),
    Node("gw_expired", "exclusiveGateway", "有效期满", "power_supplier", 16, row=1),
    Node("expire", "serviceTask", "登记许可证过期", "power_supplier", 17, row=1,
         service=svc("permit.expire", "expiry", **PID)),
    Node("expire_served", "serviceTask", "随所服务作业票终止", "power_supplier", 17, row=2,
         service=svc("permit.expire", "expiry", permit_id="permit_id",
                     reason='served_end.get("reason")')),
    Node("gw_work_end", "exclusiveGateway", "用电结束", "power_supplier", 18),
    Node("close", "userTask", "断电拆线验收", "power_supplier", 19, mandatory=True,
         doc="配送电单位断电、拆除线路并注销作业票（GB 30871 10.8）。"),
    Node("mark_closed", "serviceTask", "关闭许可证", "power_supplier", 20,
         service=svc("permit.close", "closure", **PID)),
    Node("end_closed", "endEvent", "许可证已关闭", "power_supplier", 21),
]

FLOWS = [
    Flow("start", "check_credentials"),
    Flow("check_credentials", "assess"),
    Flow("assess", "record_grade"),
    Flow("record_grade", "safety_measures"),
    Flow("safety_measures", "gw_gas"),
    Flow("gw_gas", "gas_test", "危险场所", cond='facts["gas_required"] == True'),
    Flow("gw_gas", "gw_gas_join", "一般场所", default=True),
    Flow("gas_test", "validate_gas"),
    Flow("validate_gas", "gw_gas_join"),
    Flow("gw_gas_join", "approve_1", default=True),
    Flow("approve_1", "gw_approve_1"),
    Flow("gw_approve_1", "mark_rejected", "驳回", cond='decision == "reject"'),
    Flow("gw_approve_1", "watcher_sign_in", "通过", default=True),
    Flow("mark_rejected", "end_rejected"),
    Flow("watcher_sign_in", "activate"),
    Flow("activate", "work"),
    Flow("work", "gw_work_end"),
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
    Flow("served_ended", "expire_served"),
    Flow("expire_served", "gw_work_end"),
    Flow("gw_work_end", "close", default=True),
    Flow("close", "mark_closed"),
    Flow("mark_closed", "end_closed"),
]

PROCESS = Process(
    key=KEY, name="临时用电作业许可", title="临时用电作业",
    doc="临时用电作业许可证流程（GB 30871-2022 第10章，表A.6）：安全措施确认、火灾爆炸危险场所"
        "气体检测、配送电单位审批、监护人签到、用电（不超过15天，特殊情况不超过30天，或随所服务"
        "的动火/受限空间作业票）、断电拆线验收。",
    lanes=[("applicant", "申请人/作业负责人"), ("watcher", "监护人"),
           ("power_supplier", "配送电单位")],
    nodes=NODES, flows=FLOWS,
    messages={"watcher_left": "withdrawal", "served_permit_ended": "served_end"})


def forms() -> dict[str, dict]:
    return {
        "safety_measures": checklist_form(
            KEY, "safety_measures", "临时用电安全措施确认",
            "GB 30871-2022 Form A.6 checklist (item 13 is the gas test itself): true = done, "
            'false = not done, "na" = not applicable.'),
        "gas_test": gas_form("接电前气体检测"),
        "approve_1": approval_form("配送电单位审批"),
        "watcher_sign_in": watcher_sign_in_form(),
        "work": confirm_form("临时用电", "finished", "用电已结束",
                             "Use finished; the supply may be disconnected and removed."),
        "watcher_return": watcher_return_form(),
        "close": close_form(),
    }


if __name__ == "__main__":
    for path in write(PROCESS, forms()):
        print(path)
