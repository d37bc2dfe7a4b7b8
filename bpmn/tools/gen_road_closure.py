"""Generate the road-closure (断路作业) process: ``road_closure.bpmn``, its routing table
and its forms. Run ``python bpmn/tools/gen_road_closure.py`` after editing.

Ungraded (GB 30871-2022 clause 12). Approvers (table B.1, form A.8): the 所在基层单位,
then countersigns by the fire and safety-management departments for the affected units (in
parallel; any refusal ends the permit), then approval by the 所在单位专业部门.
"""

from __future__ import annotations

from pathlib import Path

from permitkit.approval_chain import (
    SPECIALIST,
    PermitSpec,
    assessment,
    build,
    countersign_chain,
    lanes,
)
from permitkit.dmn import ANY, Decision
from permitkit.layout import Grid
from permitkit.output import BPMN_DIR, main, write_all

KEY = "road_closure"

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

DEPARTMENT_LANES, CHAIN = countersign_chain(
    "road_closure.json", {"fire_dept": "消防部门", "safety_dept": "安全管理部门"},
    unit_doc="所在基层单位核查断路地段、交通组织方案和示意图后签署意见。",
    countersign_doc="会签部门确认消防通道和交通组织方案，并已通知受影响单位。",
    specialist_doc="所在单位专业部门（审批部门）在会签同意后审批。")


def spec() -> PermitSpec:
    return PermitSpec(
        key=KEY, type_zh="断路作业",
        doc="断路作业许可证流程（GB 30871-2022 第12章）：风险评估（断路地段、原因、涉及单位、"
            "示意图、夜间作业）、安全措施确认（表A.8）、基层单位审批、消防和安全管理部门并行会签、"
            "专业部门审批、监护人签到、作业实施（有效期为本厂设定）、完工验收。",
        lanes=lanes(*DEPARTMENT_LANES, SPECIALIST),
        pre=assessment(KEY, "断路作业", "断路", ROUTING),
        chain=CHAIN,
        work_doc="断路作业实施：按交通组织方案设置警示标志和路栏，保证消防车通行；完工后恢复道路并提交。",
    )


def generate(folder: Path = BPMN_DIR) -> list[Path]:
    return write_all(build(spec()), Grid, [ROUTING],
                     "permitflow bpmn/tools/gen_road_closure.py", folder)


if __name__ == "__main__":
    main(generate)
