"""Generate the line-blinding (盲板抽堵作业) process: ``bpmn/blind_plate.bpmn`` + forms.

GB 30871-2022 clause 7 and Form A.3. One permit = one blind, one action (insert 堵 or
remove 抽); a second live job on the same line is refused at application and again at
activation (7.10). Approver: 所在基层单位 (Table B.1). The standard names no validity: the
timer on work reads the plant setting through ``activation["valid_until"]``. The work
report names the blind handled, which must be this permit's blind (7.4, 7.11).

Usage: ``python bpmn/tools/gen_blind_plate.py``
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
    obj,
    watcher_return_form,
    watcher_sign_in_form,
)
from permitgen import Flow, Node, Process, svc, write

KEY = "blind_plate"
PID = {"permit_id": "permit_id"}
VALID_UNTIL = ("timeDate", 'activation["valid_until"]')

NODES = [
    Node("start", "startEvent", "盲板抽堵作业申请", "applicant", 0),
    Node("check_credentials", "serviceTask", "作业人员资质核验", "applicant", 1,
         service=svc("credentials.check", "credentials", **PID)),
    Node("assess", "serviceTask", "同一管道作业核查", "applicant", 2,
         doc="同一管道上不得同时进行两处及以上盲板抽堵作业（GB 30871 7.10）。",
         service=svc("permit.assess", "facts", **PID)),
    Node("record_grade", "serviceTask", "登记风险与审批级数", "applicant", 3,
         service=svc("permit.set_grade", "grading", permit_id="permit_id",
                     permit_grade="None", risk='facts["risk"]',
                     approvals='facts["approvals"]')),
    Node("safety_measures", "userTask", "安全措施确认", "applicant", 4, mandatory=True,
         props={"skippable": "true"},
         doc="逐项确认盲板抽堵安全措施（GB 30871 表A.3）；介质有毒、腐蚀、高温、低温或在火灾"
             "爆炸危险场所时相应措施不得填“不涉及”。"),
    Node("approve_1", "userTask", "所在基层单位审批", "unit_approver", 5, mandatory=True,
         doc="基层单位到现场核查盲板位置图、盲板编号后审批（GB 30871 表B.1）。"),
    Node("gw_approve_1", "exclusiveGateway", "基层单位意见", "unit_approver", 6),
    Node("mark_rejected", "serviceTask", "登记驳回", "unit_approver", 7, row=1,
         service=svc("permit.reject", "rejection", **PID)),
    Node("end_rejected", "endEvent", "许可证已驳回", "unit_approver", 8, row=1),
    Node("watcher_sign_in", "userTask", "监护人到岗签到", "watcher", 7, mandatory=True,
         doc="专人监护；监护人离开即收回作业票（GB 30871 4.10、7.5）。"),
    Node("activate", "serviceTask", "许可证生效", "watcher", 8,
         doc="生效前再次核查同一管道无其他盲板抽堵作业。",
         service=svc("permit.activate", "activation", **PID)),
    Node("work", "userTask", "盲板抽堵实施", "applicant", 9,
         doc="按盲板位置图对编号盲板进行一次抽或堵，挂（摘）盲板标识牌后提交。"),
    Node("validity_expired", "boundaryEvent", "有效期满", "applicant", attached="work",
         interrupting=True, timer=VALID_UNTIL),
    Node("watcher_left", "boundaryEvent", "监护人离开", "applicant", attached="work",
         interrupting=True, message="watcher_left"),
    Node("confirm_blind", "serviceTask", "核对盲板编号", "applicant", 10,
         service=svc("blind.confirm", "blind_confirmation", permit_id="permit_id",
                     blind_number="blind_number")),
    Node("suspend", "serviceTask", "收回作业票、停止作业", "watcher", 10, row=1,
         service=svc("permit.suspend", "suspension", permit_id="permit_id",
                     reason='withdrawal.get("reason")')),
    Node("watcher_return", "userTask", "监护人返回", "watcher", 11, row=1,
         doc="监护人返回现场后决定继续作业或结束作业。"),
    Node("return_expired", "boundaryEvent", "有效期满", "watcher", attached="watcher_return",
         interrupting=True, timer=VALID_UNTIL),
    Node("gw_return", "exclusiveGateway", "是否继续作业", "watcher", 12, row=1),
    Node("resume_work", "serviceTask", "恢复作业", "watcher", 13, row=1,
         service=svc("permit.resume", "resumption", **PID)),
    Node("gw_expired", "exclusiveGateway", "有效期满", "unit_approver", 12, row=1),
    Node("expire", "serviceTask", "登记许可证过期", "unit_approver", 13, row=1,
         service=svc("permit.expire", "expiry", **PID)),
    Node("gw_work_end", "exclusiveGateway", "作业结束", "unit_approver", 14),
    Node("close", "userTask", "完工验收", "unit_approver", 15, mandatory=True,
         doc="作业单位与生产单位共同确认盲板状态后验收（GB 30871 7.12）。"),
    Node("mark_closed", "serviceTask", "关闭许可证", "unit_approver", 16,
         service=svc("permit.close", "closure", **PID)),
    Node("end_closed", "endEvent", "许可证已关闭", "unit_approver", 17),
]

FLOWS = [
    Flow("start", "check_credentials"),
    Flow("check_credentials", "assess"),
    Flow("assess", "record_grade"),
    Flow("record_grade", "safety_measures"),
    Flow("safety_measures", "approve_1"),
    Flow("approve_1", "gw_approve_1"),
    Flow("gw_approve_1", "mark_rejected", "驳回", cond='decision == "reject"'),
    Flow("gw_approve_1", "watcher_sign_in", "通过", default=True),
    Flow("mark_rejected", "end_rejected"),
    Flow("watcher_sign_in", "activate"),
    Flow("activate", "work"),
    Flow("work", "confirm_blind"),
    Flow("confirm_blind", "gw_work_end"),
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
    Flow("gw_work_end", "close", default=True),
    Flow("close", "mark_closed"),
    Flow("mark_closed", "end_closed"),
]

PROCESS = Process(
    key=KEY, name="盲板抽堵作业许可", title="盲板抽堵作业",
    doc="盲板抽堵作业许可证流程（GB 30871-2022 第7章，表A.3）：一张作业票只能进行一块盲板的"
        "一次抽或堵；同一管道不得同时进行两处及以上盲板抽堵作业。安全措施确认、所在基层单位审批、"
        "监护人签到、实施（有效期为工厂设置）、核对盲板编号、完工验收。",
    lanes=[("applicant", "申请人/作业负责人"), ("watcher", "监护人"),
           ("unit_approver", "所在基层单位")],
    nodes=NODES, flows=FLOWS, messages={"watcher_left": "withdrawal"})


def forms() -> dict[str, dict]:
    return {
        "safety_measures": checklist_form(
            KEY, "safety_measures", "盲板抽堵安全措施确认",
            "GB 30871-2022 Form A.3 checklist: true = done, false = not done, "
            '"na" = not applicable.'),
        "approve_1": approval_form("所在基层单位审批"),
        "watcher_sign_in": watcher_sign_in_form(),
        "work": obj("盲板抽堵实施", {
            "finished": {"const": True, "title": "作业已完成",
                         "description": "The one blind of this permit was inserted or "
                                        "removed."},
            "blind_number": {"type": "string", "minLength": 1, "maxLength": 40,
                             "title": "盲板编号",
                             "description": "Number of the blind handled, as on the "
                                            "blind-location drawing; must be this permit's."},
            "tag_confirmed": {"const": True, "title": "盲板标识牌已核对",
                              "description": "Tag hung (insert) or removed (remove) to match "
                                             "the drawing number (GB 30871 7.4)."},
            "comment": COMMENT}, ["finished", "blind_number", "tag_confirmed"]),
        "watcher_return": watcher_return_form(),
        "close": close_form(),
    }


if __name__ == "__main__":
    for path in write(PROCESS, forms()):
        print(path)
