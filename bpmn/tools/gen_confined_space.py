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

from pathlib import Path

from permitkit.forms import COMMENT, Schema, checklist_form, gas_form, obj, work_form
from permitkit.layout import WideGrid
from permitkit.model import PID, Flow, Lane, Node, svc
from permitkit.output import BPMN_DIR, main, write_all
from permitkit.watched_work import WatchedPermit, build, validity_expired, watcher_left

KEY = "confined_space"
GAS = {"permit_id": PID, "readings": "readings", "instrument_id": "instrument_id",
       "photo": "photo"}
SKIP = {"skippable": "true"}


def checklist_step(step: str, name: str, doc: str, items: str, extra: Schema) -> Node:
    """One of the four checklist steps before the gas test: Form A.2 ``items`` and the
    ``extra`` fields the step records, every one of them required."""
    return Node(step, "userTask", name, "applicant", mandatory=True, props=SKIP, doc=doc,
                form=checklist_form(KEY, step, name, items, extra=extra,
                                    extra_required=list(extra)))


def head_count(node_id: str, name: str, lane: str, result: str, col: float = 0) -> Node:
    """Nobody may be inside (the entry/exit log) when this step is passed (6.8)."""
    return Node(node_id, "serviceTask", name, lane, col,
                service=svc("entries.check_all_out", result, permit_id=PID))


def spec() -> WatchedPermit:
    return WatchedPermit(
        key=KEY, title="受限空间作业",
        doc="受限空间作业许可证流程（GB 30871-2022 第6章，表A.2）：隔离通风、照明、通讯、应急准备、"
            "进入前30分钟内气体检测、所在基层单位审批、监护人签到、作业实施（24 h有效期、每2 h"
            "监测记录、进出登记）、清点人数、完工验收。",
        approver=Lane("unit_approver", "所在基层单位"),
        assess="作业条件评估",
        pre=[
            checklist_step(
                "ventilation", "隔离、置换与通风确认",
                "隔绝（盲板或拆除管段）、清洗置换、自然或强制通风，严禁通入氧气"
                "（GB 30871 6.1–6.2，表A.2 第1–4、8项）。",
                "GB 30871-2022 Form A.2 items 1–4, 8: true = done, false = not done, "
                '"na" = not applicable.',
                {"method": {"enum": ["natural", "forced", "ducted"], "title": "通风方式",
                            "description": "natural = 自然通风, forced = 强制通风, "
                                           "ducted = 管道送风."}}),
            checklist_step(
                "lighting_check", "照明及防爆检查",
                "照明电压不超过36 V，潮湿或狭小容器不超过12 V；防爆灯具与工具"
                "（GB 30871 4.13，表A.2 第5项）。",
                "GB 30871-2022 Form A.2 item 5 and clause 4.13.",
                {"voltage_v": {"type": "number", "minimum": 0, "maximum": 400,
                               "title": "照明电压 V",
                               "description": "Lamp voltage: at most 36 V, 12 V in a wet "
                                              "or cramped space (GB 30871 4.13)."}}),
            checklist_step(
                "communication_test", "通讯与监测测试",
                "内外通讯联络测试；便携式气体检测仪连续监测（GB 30871 6.5–6.6，表A.2 第9、12项）。",
                "GB 30871-2022 Form A.2 items 9 and 12.",
                {"channel": {"enum": ["radio", "phone", "intercom", "rope_signal"],
                             "title": "联络方式",
                             "description": "radio = 对讲机, phone = 电话, intercom = "
                                            "内部通话, rope_signal = 绳索信号."},
                 "tested_ok": {"const": True, "title": "通讯测试正常",
                               "description": "Inside and outside can hear each other."}}),
            checklist_step(
                "emergency_preparation", "应急准备",
                "出入口畅通、警戒、防护装备、应急救援器材（GB 30871 6.6–6.9，"
                "表A.2 第6、10、11、13–15项）。",
                "GB 30871-2022 Form A.2 items 6, 10, 11, 13–15.",
                {"rescuers_on_standby": {"type": "integer", "minimum": 1, "maximum": 20,
                                         "title": "待命救援人数",
                                         "description": "People on standby to rescue "
                                                        "(with breathing apparatus)."}}),
            Node("gas_test", "userTask", "气体检测", "applicant", mandatory=True,
                 doc="进入前30分钟内取样：氧含量19.5%~21%（富氧环境不超过23.5%），可燃气体按"
                     "5.3.2，有毒气体不超过GBZ 2.1限值；申请中列明的气体均须检测"
                     "（GB 30871 6.3–6.4）。",
                 form=gas_form("进入前气体检测")),
            Node("validate_gas", "serviceTask", "气体检测结果校验", "applicant",
                 service=svc("gas.validate", "gas_check", **GAS)),
        ],
        approve="所在基层单位审批", approve_gateway="基层单位意见", approve_mandatory=False,
        approve_doc="基层单位到现场核查后审批（GB 30871 表B.1）。",
        sign_in_doc="监护人在受限空间外全程监护，不得离开；离开即收回作业票"
                    "（GB 30871 4.10、6.8）。",
        work="作业实施",
        work_doc="监护人在出入口登记人员进出；每2 h记录连续监测结果；全部人员撤出后方可提交。",
        work_form=work_form("作业实施", "Work finished and everyone logged out of the space."),
        work_events=[validity_expired(),
                     Node("retest_due", "boundaryEvent", "2 h监测记录", "applicant",
                          attached="work", interrupting=False,
                          timer=("timeCycle", 'activation["retest_cycle"]')),
                     watcher_left()],
        during=[
            Node("gas_retest", "userTask", "连续监测记录", "applicant", 1, row=1, mandatory=True,
                 doc="作业期间连续监测，每2 h记录一次氧、可燃、有毒气体结果（GB 30871 6.5）。",
                 form=gas_form("连续监测记录")),
            Node("validate_retest", "serviceTask", "监测结果校验", "applicant", 2, row=1,
                 service=svc("gas.validate", "retest_check", **GAS)),
            Node("end_retest", "endEvent", "记录完成", "applicant", 3, row=1),
        ],
        during_flows=[Flow("retest_due", "gas_retest"), Flow("gas_retest", "validate_retest"),
                      Flow("validate_retest", "end_retest")],
        after_work=[head_count("check_work_out", "清点人数（作业完成）", "applicant",
                               "work_head_count", 2)],
        return_doc="监护人返回现场后决定继续作业或结束作业；中断超过60 min须先复测"
                   "（GB 30871 6.3）。",
        work_end_lane="watcher",
        before_close=[
            Node("entry_log", "userTask", "进出登记与清点", "watcher", mandatory=True,
                 props=SKIP, doc="监护人核对进出登记：所有进入人员均已撤出（GB 30871 6.8）。",
                 form=obj("进出登记与清点", {
                     "all_out": {"const": True, "title": "人员已全部撤出",
                                 "description": "The watcher counted everyone out against "
                                                "the entry/exit log."},
                     "tools_out": {"type": "boolean", "title": "工具材料已清点带出",
                                   "description": "Tools and materials taken in were counted "
                                                  "out."},
                     "comment": COMMENT}, ["all_out"])),
            head_count("check_log_out", "清点人数（监护人）", "watcher", "log_head_count"),
        ],
        close_mandatory=False,
        close_doc="作业结束、人员全部撤出后现场完工验收。",
        after_close=[head_count("check_close_out", "清点人数（验收）", "unit_approver",
                                "close_head_count")],
    )


def generate(folder: Path = BPMN_DIR) -> list[Path]:
    return write_all(build(spec()), WideGrid, [], "permitflow bpmn/tools/permitkit", folder)


if __name__ == "__main__":
    main(generate)
