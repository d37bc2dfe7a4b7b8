"""Generate the temporary-power (临时用电作业) process: ``bpmn/temporary_power.bpmn`` + forms.

GB 30871-2022 clause 10 and Form A.6. Approved and closed by the power supplier (配送电单位,
Table B.1). In a fire/explosion-hazard area the gas test to the 5.3.2 limits comes first
(10.1): a gateway on ``facts["gas_required"]``. Validity: the days applied for (≤ 15, ≤ 30
with a reason), or the life of the hot-work or confined-space permit the supply serves —
when that permit ends, the ``served_permit_ended`` message expires this one (10.8).

Usage: ``python bpmn/tools/gen_temporary_power.py``
"""

from __future__ import annotations

from pathlib import Path

from permitkit.forms import checklist_form, confirm_form, gas_form
from permitkit.layout import WideGrid
from permitkit.model import PID, Flow, Lane, Node, svc
from permitkit.output import BPMN_DIR, main, write_all
from permitkit.watched_work import WatchedPermit, build, validity_expired, watcher_left

KEY = "temporary_power"
GAS = {"permit_id": PID, "readings": "readings", "instrument_id": "instrument_id",
       "photo": "photo"}


def spec() -> WatchedPermit:
    return WatchedPermit(
        key=KEY, title="临时用电作业", start="临时用电申请",
        doc="临时用电作业许可证流程（GB 30871-2022 第10章，表A.6）：安全措施确认、火灾爆炸危险场所"
            "气体检测、配送电单位审批、监护人签到、用电（不超过15天，特殊情况不超过30天，或随所服务"
            "的动火/受限空间作业票）、断电拆线验收。",
        approver=Lane("power_supplier", "配送电单位"),
        credentials="电工资质核验",
        assess="用电条件评估",
        assess_doc="危险场所、用电期限、线路敷设、负荷与所服务作业票核查（GB 30871 10.1–10.8）。",
        pre=[
            Node("safety_measures", "userTask", "安全措施确认", "applicant", mandatory=True,
                 props={"skippable": "true"}, doc="逐项确认临时用电安全措施（GB 30871 表A.6）。",
                 form=checklist_form(
                     KEY, "safety_measures", "临时用电安全措施确认",
                     "GB 30871-2022 Form A.6 checklist (item 13 is the gas test itself): "
                     'true = done, false = not done, "na" = not applicable.')),
            Node("gw_gas", "exclusiveGateway", "是否火灾爆炸危险场所", "applicant"),
            Node("gas_test", "userTask", "气体检测", "applicant", row=1, mandatory=True,
                 doc="火灾爆炸危险场所内临时用电，接电前30分钟内按5.3.2检测可燃气体"
                     "（GB 30871 10.1）。",
                 form=gas_form("接电前气体检测")),
            Node("validate_gas", "serviceTask", "气体检测结果校验", "applicant", row=1,
                 service=svc("gas.validate", "gas_check", **GAS)),
            Node("gw_gas_join", "exclusiveGateway", "检测完成", "applicant"),
        ],
        pre_flows=[
            Flow("safety_measures", "gw_gas"),
            Flow("gw_gas", "gas_test", "危险场所", cond='facts["gas_required"] == True'),
            Flow("gw_gas", "gw_gas_join", "一般场所"),
            Flow("gas_test", "validate_gas"),
            Flow("validate_gas", "gw_gas_join"),
        ],
        approve="配送电单位审批", approve_gateway="配送电单位意见",
        approve_doc="配送电单位审核接入点、负荷与线路后审批（GB 30871 表B.1）。",
        sign_in_doc="接电、拆线时监护人在场（GB 30871 10.3）。",
        activate="送电生效",
        activity="用电",
        work="临时用电",
        work_doc="用电结束、线路拆除后提交；所服务的作业票结束时本票随之终止（GB 30871 10.8）。",
        work_form=confirm_form("临时用电", "finished", "用电已结束",
                               "Use finished; the supply may be disconnected and removed."),
        work_events=[validity_expired(), watcher_left(),
                     Node("served_ended", "boundaryEvent", "所服务作业票结束", "applicant",
                          attached="work", message="served_permit_ended")],
        messages={"served_permit_ended": "served_end"},
        expiry=[Node("expire_served", "serviceTask", "随所服务作业票终止", "power_supplier", 4,
                     row=2, service=svc("permit.expire", "expiry", permit_id=PID,
                                        reason='served_end.get("reason")'))],
        expiry_flows=[Flow("served_ended", "expire_served"),
                      Flow("expire_served", "gw_work_end")],
        return_doc="监护人返回现场后决定继续或结束用电。",
        close="断电拆线验收",
        close_doc="配送电单位断电、拆除线路并注销作业票（GB 30871 10.8）。",
    )


def generate(folder: Path = BPMN_DIR) -> list[Path]:
    return write_all(build(spec()), WideGrid, [], "permitflow bpmn/tools/permitkit", folder)


if __name__ == "__main__":
    main(generate)
