"""Generate the excavation (动土作业) process: ``excavation.bpmn``, its routing table and
its forms. Run ``python bpmn/tools/gen_excavation.py`` after editing.

Ungraded (GB 30871-2022 clause 11). Approvers (table B.1, form A.7): the 所在基层单位,
then countersigns (会签) by the water, power, steam, process, equipment, fire and safety
departments in parallel (one task per department, each in its department's lane; any
refusal ends the permit), then approval by the 所在单位专业部门. The departments come from
``processes/rules/data/excavation.json``.
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

KEY = "excavation"

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

DEPARTMENT_LANES, CHAIN = countersign_chain(
    "excavation.json",
    {"water_dept": "给排水部门", "power_supplier": "电力（配送电单位）",
     "steam_dept": "蒸汽（热力）部门", "process_dept": "工艺（生产技术）部门",
     "equipment_dept": "设备管理部门", "fire_dept": "消防部门", "safety_dept": "安全管理部门"},
    unit_doc="所在基层单位核查作业范围、示意图和地下设施后签署意见。",
    countersign_doc="会签部门确认本专业的地下设施（管线、电缆、窨井）位置和保护措施。",
    specialist_doc="所在单位专业部门（审批部门）在全部会签同意后到现场核查审批。")


def spec() -> PermitSpec:
    return PermitSpec(
        key=KEY, type_zh="动土作业",
        doc="动土作业许可证流程（GB 30871-2022 第11章）：风险评估（深度、面积、机械、地下管线，"
            "深度>1.2 m靠近可燃/有毒管线须关联受限空间作业票）、安全措施确认（表A.7）、基层单位"
            "审批、水电汽工艺设备消防安全七部门并行会签、专业部门审批、监护人签到、作业实施"
            "（有效期为本厂设定）、完工验收。",
        lanes=lanes(*DEPARTMENT_LANES, SPECIALIST),
        pre=assessment(KEY, "动土作业", "动土", ROUTING),
        chain=CHAIN,
        work_doc="动土作业实施：靠近地下设施人工开挖，发现不明物体立即停止并报告；作业完成后提交。",
    )


def generate(folder: Path = BPMN_DIR) -> list[Path]:
    return write_all(build(spec()), Grid, [ROUTING], "permitflow bpmn/tools/gen_excavation.py",
                     folder)


if __name__ == "__main__":
    main(generate)
