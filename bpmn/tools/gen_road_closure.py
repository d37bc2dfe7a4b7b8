"""Generate the road-closure (断路作业) process: ``road_closure.bpmn``, its routing table
and its forms. Run ``python bpmn/tools/gen_road_closure.py`` after editing.

Ungraded (GB 30871-2022 clause 12). Approvers (table B.1, form A.8): the 所在基层单位,
then countersigns by the fire and safety-management departments for the affected units (in
parallel; any refusal ends the permit), then approval by the 所在单位专业部门.
"""

from __future__ import annotations

import json

from flowkit import ANY, REPO, Decision, Lane, Node, checklist_form, svc, write_all
from permit_backbone import PID, Approval, Countersigns, PermitSpec, build

KEY = "road_closure"
EXPORTER = "permitflow bpmn/tools/gen_road_closure.py"
DEPARTMENTS = json.loads((REPO / "processes" / "rules" / "data" / "road_closure.json")
                         .read_text(encoding="utf-8"))["countersign_departments"]["items"]
LANE_LABELS = {"fire_dept": "消防部门", "safety_dept": "安全管理部门"}

ROUTING = Decision(
    id="road_closure_routing", name="断路审批路由",
    inputs=[("night", "夜间作业", 'facts["night_work"]', "boolean"),
            ("units", "涉及相关单位数", 'facts["affected_unit_count"]', "integer")],
    outputs=[("risk", "风险等级", "string"), ("approvals", "审批级数", "integer")],
    rules=[
        (["True", ANY], ['"high"', "2"], "夜间断路 → 高风险（警示灯、交通疏导）"),
        (["False", ">= 3"], ['"medium"', "2"], "涉及3个及以上单位 → 中风险"),
        (["False", ANY], ['"low"', "2"], "白天、涉及单位少 → 低风险"),
        ([ANY, ANY], ['"high"', "2"], "兜底：数据不完整时按高风险处理"),
    ])

SPEC = PermitSpec(
    key=KEY, type_zh="断路作业",
    doc="断路作业许可证流程（GB 30871-2022 第12章）：风险评估（断路地段、原因、涉及单位、"
        "示意图、夜间作业）、安全措施确认（表A.8）、基层单位审批、消防和安全管理部门并行会签、"
        "专业部门审批、监护人签到、作业实施（有效期为本厂设定）、完工验收。",
    lanes=[Lane("applicant", "申请人/作业负责人", rows=2), Lane("watcher", "监护人"),
           Lane("unit_approver", "所在基层单位"),
           *[Lane(d["role"], LANE_LABELS[d["role"]]) for d in DEPARTMENTS],
           Lane("specialist", "所在单位专业部门（审批部门）", rows=2)],
    pre=[
        Node("assess", "serviceTask", "作业风险评估", "applicant", 0,
             service=svc("permit.assess", "facts", permit_id=PID)),
        Node("decide_route", "businessRuleTask", "审批路由判定", "applicant", 0,
             decision=ROUTING.id),
        Node("check_credentials", "serviceTask", "作业人员资质核验", "applicant", 0,
             service=svc("credentials.check", "credentials", permit_id=PID)),
        Node("record_grade", "serviceTask", "登记风险等级", "applicant", 0,
             service=svc("permit.set_grade", "grading", permit_id=PID,
                         permit_grade=("str", "None"), risk=("str", "risk"),
                         approvals=("int", "approvals"))),
        Node("safety_measures", "userTask", "安全措施确认", "applicant", 0, mandatory=True,
             doc="逐项确认断路安全措施（GB 30871 表A.8），不涉及的项选“不涉及”。",
             form=checklist_form("断路作业安全措施确认", KEY)),
    ],
    chain=[
        Approval("approve_1", "unit_approver", "所在基层单位审批",
                 "所在基层单位核查断路地段、交通组织方案和示意图后签署意见。"),
        Countersigns([(d["key"], d["role"], f"{d['label_zh']}部门会签") for d in DEPARTMENTS],
                     join_lane="specialist",
                     doc="会签部门确认消防通道和交通组织方案，并已通知受影响单位。"),
        Approval("approve_2", "specialist", "专业部门审批",
                 "所在单位专业部门（审批部门）在会签同意后审批。"),
    ],
    work_doc="断路作业实施：按交通组织方案设置警示标志和路栏，保证消防车通行；完工后恢复道路并提交。",
    reject_lane="specialist",
)


def main() -> None:
    write_all(build(SPEC), [ROUTING], EXPORTER)


if __name__ == "__main__":
    main()
