"""Generate the lifting (吊装作业) process: ``lifting.bpmn``, its two decision tables and
its forms. Run ``python bpmn/tools/gen_lifting.py`` after editing.

Grades (GB 30871-2022 9.1): 一级 > 100 t, 二级 40–100 t, 三级 < 40 t. Approvers (table B.1,
form A.5): the 所在基层单位 and the 专业部门; 一级 also the 主管厂长/总工程师. Lifts under
10 t (B.1 note 3) need no approval but a risk analysis: the routing table sends them
through ``risk_analysis`` (mandatory) to approval by rule, recorded with the rule version.
"""

from __future__ import annotations

from pathlib import Path

from permitkit.approval_chain import (
    ESCALATION_LANES,
    PermitSpec,
    assessment,
    build,
    escalation,
    lanes,
)
from permitkit.dmn import ANY, Decision
from permitkit.forms import COMMENT, obj, person
from permitkit.layout import Grid
from permitkit.model import PID, Node, svc
from permitkit.output import BPMN_DIR, main, write_all

KEY = "lifting"

GRADE = Decision(
    id="lifting_grade", name="吊装作业分级",
    inputs=[("band", "吊物质量区间（heavy: >100 t, medium: 40–100 t, light: <40 t）",
             'facts["mass_band"]', "string")],
    outputs=[("grade", "吊装作业级别", "string")],
    rules=[
        (['"heavy"'], ['"grade1"'], "9.1 吊物质量 m > 100 t → 一级"),
        (['"medium"'], ['"grade2"'], "9.1 40 t ≤ m ≤ 100 t → 二级"),
        (['"light"'], ['"grade3"'], "9.1 m < 40 t → 三级"),
        ([ANY], ['"grade1"'], "兜底：数据不完整时按一级处理 (fail-safe)"),
    ])

ROUTING = Decision(
    id="lifting_routing", name="吊装审批路由",
    inputs=[("grade", "吊装作业级别", "grade", "string"),
            ("minor", "吊物质量小于10 t", 'facts["risk_analysis_only"]', "boolean")],
    outputs=[("risk", "风险等级", "string"), ("approvals", "审批级数", "integer")],
    rules=[
        (['"grade3"', "True"], ['"low"', "0"],
         "表B.1注3：小于10 t的吊装可不审批，但须进行风险分析 → 风险分析后按规则批准"),
        (['"grade3"', ANY], ['"medium"', "2"], "三级 → 基层单位 + 所在单位专业部门审批"),
        (['"grade2"', ANY], ['"high"', "2"], "二级 → 基层单位 + 所在单位专业部门审批"),
        (['"grade1"', ANY], ['"high"', "3"],
         "一级 → 基层单位 + 专业部门审核 + 主管厂长/总工程师审批"),
        ([ANY, ANY], ['"high"', "3"], "兜底：未知级别按一级审批"),
    ])

RISK_ANALYSIS = obj("吊装风险分析（小于10 t）", {
    "hazards": {"type": "string", "title": "危害辨识", "minLength": 1, "maxLength": 2000,
                "description": "What can go wrong: dropped load, overturning, power lines …"},
    "controls": {"type": "string", "title": "控制措施", "minLength": 1, "maxLength": 2000,
                 "description": "The measures that make the lift safe."},
    "analysed_by": person("分析人", "Person id of the analyst."),
    "confirmed": {"const": True, "title": "措施可靠并已交底",
                  "description": "Controls are reliable and the crew was briefed."},
    "comment": COMMENT,
}, ["hazards", "controls", "analysed_by", "confirmed"],
    "GB 30871 表B.1注3：吊物质量小于10 t的作业可不办理审批，但应进行风险分析并确保措施可靠。")


def spec() -> PermitSpec:
    return PermitSpec(
        key=KEY, type_zh="吊装作业",
        doc="吊装作业许可证流程（GB 30871-2022 第9章）：风险评估（质量、起重机、天气、吊装"
            "方案）、分级（一/二/三级）、资质核验、安全措施确认（表A.5）、小于10 t风险分析后"
            "按规则批准或分级审批、监护人签到、作业实施（有效期为本厂设定）、完工验收。",
        lanes=lanes(*ESCALATION_LANES),
        pre=assessment(KEY, "吊装作业", "吊装", ROUTING, grade=GRADE),
        auto=[
            Node("risk_analysis", "userTask", "风险分析（小于10 t）", "applicant",
                 mandatory=True, form=RISK_ANALYSIS,
                 doc="小于10 t的吊装：记录危害辨识和控制措施，确认措施可靠后按规则批准。"),
            Node("auto_approve", "serviceTask", "按规则批准", "applicant",
                 service=svc("routing.auto_approve", "auto_approval", permit_id=PID,
                             risk=("str", "risk"))),
        ],
        chain=escalation(
            "所在基层单位到现场核查后审批。",
            "所在单位专业部门审查吊装方案并到现场核查后审批（二、三级批准；一级审核）。",
            "主管厂长或总工程师审查吊装方案后审批（一级）。"),
        work_doc="吊装作业实施：先试吊，统一指挥信号，吊物下方不得有人；作业完成后提交。",
    )


def generate(folder: Path = BPMN_DIR) -> list[Path]:
    return write_all(build(spec()), Grid, [GRADE, ROUTING],
                     "permitflow bpmn/tools/gen_lifting.py", folder)


if __name__ == "__main__":
    main(generate)
