"""Generate the excavation (动土作业) process: ``excavation.bpmn``, its routing table and
its forms. Run ``python bpmn/tools/gen_excavation.py`` after editing.

Ungraded (GB 30871-2022 clause 11). Approvers (table B.1, form A.7): the 所在基层单位,
then countersigns (会签) by the water, power, steam, process, equipment, fire and safety
departments in parallel (one task per department, each in its department's lane; any
refusal ends the permit), then approval by the 所在单位专业部门. The departments come from
``processes/rules/data/excavation.json``.
"""

from __future__ import annotations

import json

from flowkit import ANY, REPO, Decision, Lane, Node, checklist_form, svc, write_all
from permit_backbone import PID, Approval, Countersigns, PermitSpec, build

KEY = "excavation"
EXPORTER = "permitflow bpmn/tools/gen_excavation.py"
DEPARTMENTS = json.loads((REPO / "processes" / "rules" / "data" / "excavation.json")
                         .read_text(encoding="utf-8"))["countersign_departments"]["items"]
LANE_LABELS = {"water_dept": "给排水部门", "power_supplier": "电力（配送电单位）",
               "steam_dept": "蒸汽（热力）部门", "process_dept": "工艺（生产技术）部门",
               "equipment_dept": "设备管理部门", "fire_dept": "消防部门",
               "safety_dept": "安全管理部门"}

ROUTING = Decision(
    id="excavation_routing", name="动土审批路由",
    inputs=[("confined", "按受限空间管理（>1.2 m且靠近地下可燃/有毒管线）",
             'facts["confined_space_rules"]', "boolean"),
            ("machines", "使用机械", 'facts["machines"]', "boolean"),
            ("hazard_class", "危险场所类别", 'facts["hazard_class"]', "string")],
    outputs=[("risk", "风险等级", "string"), ("approvals", "审批级数", "integer")],
    rules=[
        (["True", ANY, ANY], ['"high"', "2"],
         "深度>1.2 m且靠近地下可燃/有毒管线 → 高风险（另需受限空间作业票）"),
        (["False", ANY, '"fire_explosion"'], ['"medium"', "2"], "火灾爆炸危险场所内动土 → 中风险"),
        (["False", ANY, '"toxic"'], ['"medium"', "2"], "有毒场所内动土 → 中风险"),
        (["False", "True", ANY], ['"medium"', "2"], "机械动土 → 中风险"),
        (["False", "False", ANY], ['"low"', "2"], "一般场所人工动土 → 低风险"),
        ([ANY, ANY, ANY], ['"high"', "2"], "兜底：数据不完整时按高风险处理"),
    ])

SPEC = PermitSpec(
    key=KEY, type_zh="动土作业",
    doc="动土作业许可证流程（GB 30871-2022 第11章）：风险评估（深度、面积、机械、地下管线，"
        "深度>1.2 m靠近可燃/有毒管线须关联受限空间作业票）、安全措施确认（表A.7）、基层单位"
        "审批、水电汽工艺设备消防安全七部门并行会签、专业部门审批、监护人签到、作业实施"
        "（有效期为本厂设定）、完工验收。",
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
             doc="逐项确认动土安全措施（GB 30871 表A.7），不涉及的项选“不涉及”。",
             form=checklist_form("动土作业安全措施确认", KEY)),
    ],
    chain=[
        Approval("approve_1", "unit_approver", "所在基层单位审批",
                 "所在基层单位核查作业范围、示意图和地下设施后签署意见。"),
        Countersigns([(d["key"], d["role"], f"{d['label_zh']}部门会签") for d in DEPARTMENTS],
                     join_lane="specialist",
                     doc="会签部门确认本专业的地下设施（管线、电缆、窨井）位置和保护措施。"),
        Approval("approve_2", "specialist", "专业部门审批",
                 "所在单位专业部门（审批部门）在全部会签同意后到现场核查审批。"),
    ],
    work_doc="动土作业实施：靠近地下设施人工开挖，发现不明物体立即停止并报告；作业完成后提交。",
    reject_lane="specialist",
)


def main() -> None:
    write_all(build(SPEC), [ROUTING], EXPORTER)


if __name__ == "__main__":
    main()
