"""Generate the work-at-height (高处作业) process: ``work_at_height.bpmn``, its two decision
tables and its forms. Run ``python bpmn/tools/gen_work_at_height.py`` after editing.

Grades (GB 30871-2022 8.1, GB/T 3608): the height band and the objective risk factors
decide Ⅰ–Ⅳ (method A without a factor, method B with one). Approvers (table B.1, form
A.4): Ⅰ 所在基层单位; Ⅱ and Ⅲ also the 专业部门; Ⅳ also the 主管厂长/总工程师. No gas test.
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
from permitkit.layout import Grid
from permitkit.output import BPMN_DIR, main, write_all

KEY = "work_at_height"

GRADE = Decision(
    id="work_at_height_grade", name="高处作业分级",
    inputs=[("band", "高度分级（1: 2–5 m, 2: 5–15 m, 3: 15–30 m, 4: >30 m）",
             'facts["height_band"]', "integer"),
            ("factor", "存在8.1.2客观危险因素", 'facts["has_risk_factor"]', "boolean")],
    outputs=[("grade", "高处作业级别", "string")],
    rules=[
        (["1", "False"], ['"I"'], "A法：2–5 m，无客观危险因素 → Ⅰ级"),
        (["2", "False"], ['"II"'], "A法：5–15 m → Ⅱ级"),
        (["3", "False"], ['"III"'], "A法：15–30 m → Ⅲ级"),
        (["4", "False"], ['"IV"'], "A法：>30 m → Ⅳ级"),
        (["1", "True"], ['"II"'], "B法：2–5 m，有客观危险因素 → Ⅱ级"),
        (["2", "True"], ['"III"'], "B法：5–15 m → Ⅲ级"),
        (["3", "True"], ['"IV"'], "B法：15–30 m → Ⅳ级"),
        (["4", "True"], ['"IV"'], "B法：>30 m → Ⅳ级"),
        ([ANY, ANY], ['"IV"'], "兜底：数据不完整时按最高的Ⅳ级处理 (fail-safe)"),
    ])

ROUTING = Decision(
    id="work_at_height_routing", name="高处作业审批路由",
    inputs=[("grade", "高处作业级别", "grade", "string")],
    outputs=[("risk", "风险等级", "string"), ("approvals", "审批级数", "integer")],
    rules=[
        (['"I"'], ['"low"', "1"], "Ⅰ级 → 所在基层单位审批（表B.1）"),
        (['"II"'], ['"medium"', "2"], "Ⅱ级 → 基层单位 + 所在单位专业部门审批"),
        (['"III"'], ['"high"', "2"], "Ⅲ级 → 基层单位 + 所在单位专业部门审批"),
        (['"IV"'], ['"high"', "3"], "Ⅳ级 → 基层单位 + 专业部门审核 + 主管厂长/总工程师审批"),
        ([ANY], ['"high"', "3"], "兜底：未知级别按Ⅳ级审批"),
    ])


def spec() -> PermitSpec:
    return PermitSpec(
        key=KEY, type_zh="高处作业",
        doc="高处作业许可证流程（GB 30871-2022 第8章）：风险评估（作业高度、客观危险因素、"
            "天气）、分级（Ⅰ–Ⅳ级）、资质核验、安全措施确认（表A.4）、分级审批、监护人签到、"
            "作业实施（有效期最长7天）、完工验收。",
        lanes=lanes(*ESCALATION_LANES),
        pre=assessment(KEY, "高处作业", "高处作业", ROUTING, grade=GRADE),
        chain=escalation(
            "所在基层单位到现场核查后审批（Ⅰ级由其批准）。",
            "所在单位专业部门到现场核查后审批（Ⅱ、Ⅲ级批准；Ⅳ级审核）。",
            "主管厂长或总工程师到现场核查后审批（Ⅳ级）。"),
        work_doc="高处作业实施；中断后重新作业须重新确认安全条件（8.2.11）。作业完成后提交。",
    )


def generate(folder: Path = BPMN_DIR) -> list[Path]:
    return write_all(build(spec()), Grid, [GRADE, ROUTING],
                     "permitflow bpmn/tools/gen_work_at_height.py", folder)


if __name__ == "__main__":
    main(generate)
