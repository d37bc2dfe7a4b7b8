"""Generate the line-blinding (盲板抽堵作业) process: ``bpmn/blind_plate.bpmn`` + forms.

GB 30871-2022 clause 7 and Form A.3. One permit = one blind, one action (insert 堵 or
remove 抽); a second live job on the same line is refused at application and again at
activation (7.10). Approver: 所在基层单位 (Table B.1). The standard names no validity: the
timer on work reads the plant setting through ``activation["valid_until"]``. The work
report names the blind handled, which must be this permit's blind (7.4, 7.11).

Usage: ``python bpmn/tools/gen_blind_plate.py``
"""

from __future__ import annotations

from pathlib import Path

from permitkit.forms import COMMENT, checklist_form, obj
from permitkit.layout import WideGrid
from permitkit.model import PID, Lane, Node, svc
from permitkit.output import BPMN_DIR, main, write_all
from permitkit.watched_work import WatchedPermit, build

KEY = "blind_plate"


def spec() -> WatchedPermit:
    return WatchedPermit(
        key=KEY, title="盲板抽堵作业",
        doc="盲板抽堵作业许可证流程（GB 30871-2022 第7章，表A.3）：一张作业票只能进行一块盲板的"
            "一次抽或堵；同一管道不得同时进行两处及以上盲板抽堵作业。安全措施确认、所在基层单位审批、"
            "监护人签到、实施（有效期为工厂设置）、核对盲板编号、完工验收。",
        approver=Lane("unit_approver", "所在基层单位"),
        assess="同一管道作业核查",
        assess_doc="同一管道上不得同时进行两处及以上盲板抽堵作业（GB 30871 7.10）。",
        pre=[Node("safety_measures", "userTask", "安全措施确认", "applicant", mandatory=True,
                  props={"skippable": "true"},
                  doc="逐项确认盲板抽堵安全措施（GB 30871 表A.3）；介质有毒、腐蚀、高温、低温或在"
                      "火灾爆炸危险场所时相应措施不得填“不涉及”。",
                  form=checklist_form(
                      KEY, "safety_measures", "盲板抽堵安全措施确认",
                      "GB 30871-2022 Form A.3 checklist: true = done, false = not done, "
                      '"na" = not applicable.'))],
        approve="所在基层单位审批", approve_gateway="基层单位意见",
        approve_doc="基层单位到现场核查盲板位置图、盲板编号后审批（GB 30871 表B.1）。",
        sign_in_doc="专人监护；监护人离开即收回作业票（GB 30871 4.10、7.5）。",
        activate_doc="生效前再次核查同一管道无其他盲板抽堵作业。",
        work="盲板抽堵实施",
        work_doc="按盲板位置图对编号盲板进行一次抽或堵，挂（摘）盲板标识牌后提交。",
        work_form=obj("盲板抽堵实施", {
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
        after_work=[Node("confirm_blind", "serviceTask", "核对盲板编号", "applicant", 1,
                         service=svc("blind.confirm", "blind_confirmation",
                                     permit_id=PID, blind_number="blind_number"))],
        return_doc="监护人返回现场后决定继续作业或结束作业。",
        close_doc="作业单位与生产单位共同确认盲板状态后验收（GB 30871 7.12）。",
    )


def generate(folder: Path = BPMN_DIR) -> list[Path]:
    return write_all(build(spec()), WideGrid, [], "permitflow bpmn/tools/permitkit", folder)


if __name__ == "__main__":
    main(generate)
