"""Generate the hot-work (动火作业) process: ``hot_work.bpmn``, the decisions
``hot_work_grade.dmn`` and ``hot_work_routing.dmn``, and one form per user task.

Usage: ``python bpmn/tools/gen_hot_work.py``; re-run the tests in ``tests/bpmn_raw`` after.

GB 30871-2022 clause 5 and Form A.1: grade (特级 / 一级 / 二级) and approval routing from
two tables; low-risk grade-2 work is approved by rule. A pre-approval hold sits between
grading and the safety measures: ``credentials.fatigue_check`` counts the crew's matching
applications this month, and a warning freezes the application until the team leader's
``fatigue_review`` releases it (or rejects it, like any rejection). During work a gas
retest cycle runs, and an absent watcher suspends the work until the watcher (or a
relief) signs in again.

Hot work was the first diagram and is placed by hand (:class:`permitkit.layout.Placed`):
every centre, waypoint and label below is a coordinate of the committed file.
"""

from __future__ import annotations

from pathlib import Path

from permitkit.dmn import ANY, Decision
from permitkit.forms import (
    COMMENT,
    approval_form,
    close_form,
    confirm_form,
    gas_form,
    items_object,
    obj,
    person,
    sign_in_form,
    work_form,
)
from permitkit.layout import Placed
from permitkit.model import PID, Flow, Lane, Node, Process, svc
from permitkit.output import BPMN_DIR, main, write_all

KEY = "hot_work"
EXPORTER = "permitflow bpmn/tools/gen_hot_work.py"
GAS = {"permit_id": PID, "readings": ("any", "readings"),
       "instrument_id": ("str", "instrument_id"), "photo": ("str", "photo")}
LANES = [
    Lane("applicant", "申请人/作业负责人"),
    Lane("watcher", "监护人"),
    Lane("unit_approver", "所在基层单位"),
    Lane("safety_dept", "安全管理部门"),
    Lane("plant_leader", "主管领导"),
    Lane("team_leader", "班组长"),
]
LANE_HEIGHTS = {"applicant": 300, "watcher": 260, "unit_approver": 160, "safety_dept": 140,
                "plant_leader": 280, "team_leader": 140}
POOL_WIDTH = 4200

NODES = [
    Node("start", "startEvent", "动火申请", "applicant", at=(220, 140), label=(190, 163, 60, 14)),
    Node("check_credentials", "serviceTask", "作业人员资质核验", "applicant", at=(330, 140),
         service=svc("credentials.check", "credentials", permit_id=PID)),
    Node("assess", "serviceTask", "作业风险评估", "applicant", at=(470, 140),
         service=svc("permit.assess", "facts", permit_id=PID)),
    Node("grade", "businessRuleTask", "动火作业分级", "applicant", at=(610, 140),
         decision="hot_work_grade"),
    Node("record_grade", "serviceTask", "登记动火等级", "applicant", at=(890, 140),
         service=svc("permit.set_grade", "grading", permit_id=PID,
                     permit_grade=("str", "grade"), risk=("str", "risk"),
                     approvals=("int", "approvals"))),
    Node("route", "businessRuleTask", "审批路由判定", "applicant", at=(750, 140),
         decision="hot_work_routing"),
    Node("safety_measures", "userTask", "安全措施确认", "applicant", at=(1490, 140), mandatory=True,
         doc="逐项确认动火安全措施（GB 30871 表A.1），不涉及的项选“不涉及”。"),
    Node("gas_test", "userTask", "气体检测", "applicant", at=(1630, 140), mandatory=True,
         doc="动火前30分钟内取样分析，录入各取样点结果并上传检测照片。"),
    Node("validate_gas", "serviceTask", "气体检测结果校验", "applicant", at=(1770, 140),
         service=svc("gas.validate", "gas_check", **GAS)),
    Node("gw_route", "exclusiveGateway", "是否需审批", "applicant", at=(1890, 140),
         label=(1850, 88, 80, 14)),
    Node("auto_approve", "serviceTask", "自动批准", "applicant", at=(2010, 140),
         service=svc("routing.auto_approve", "auto_approval", permit_id=PID, risk=("str", "risk"))),
    Node("approve_1", "userTask", "所在基层单位审批", "unit_approver", at=(2010, 700),
         mandatory=True,
         doc="基层单位到现场核查后审批。"),
    Node("gw_approve_1", "exclusiveGateway", "基层单位意见", "unit_approver", at=(2130, 700),
         label=(2138, 656, 72, 14)),
    Node("approve_2", "userTask", "安全管理部门审批", "safety_dept", at=(2270, 850), mandatory=True,
         doc="安全管理部门到现场核查后审批。"),
    Node("gw_approve_2", "exclusiveGateway", "安全部门意见", "safety_dept", at=(2390, 850),
         label=(2398, 806, 72, 14)),
    Node("approve_3", "userTask", "主管领导审批", "plant_leader", at=(2550, 980), mandatory=True,
         doc="主管领导到现场核查后审批（特级动火）。"),
    Node("gw_approve_3", "exclusiveGateway", "主管领导意见", "plant_leader", at=(2690, 980),
         label=(2650, 926, 80, 14)),
    Node("gw_rejected", "exclusiveGateway", "审批驳回", "plant_leader", at=(2390, 1100),
         label=(2310, 1056, 72, 14)),
    Node("mark_rejected", "serviceTask", "登记驳回", "plant_leader", at=(2520, 1100),
         service=svc("permit.reject", "rejection", permit_id=PID)),
    Node("end_rejected", "endEvent", "许可证已驳回", "plant_leader", at=(2620, 1100),
         label=(2580, 1123, 80, 14)),
    Node("gw_approved", "exclusiveGateway", "审批通过", "watcher", at=(2790, 430),
         label=(2798, 386, 60, 14)),
    Node("watcher_sign_in", "userTask", "监护人到岗签到", "watcher", at=(2930, 430), mandatory=True,
         doc="监护人到达现场，确认措施落实后签到；监护人离开即收回许可证。"),
    Node("activate", "serviceTask", "许可证生效", "watcher", at=(3070, 430),
         service=svc("permit.activate", "activation", permit_id=PID)),
    Node("gw_work_join", "exclusiveGateway", "作业进行", "applicant", at=(3160, 140),
         label=(3086, 104, 44, 14)),
    Node("work", "userTask", "作业实施", "applicant", at=(3290, 140), size=(140, 80),
         doc="动火作业实施；作业完成后提交。监护人缺位（未按时复核在岗或定位在围栏外）时作业暂停。"),
    Node("validity_expired", "boundaryEvent", "有效期满", "applicant", at=(3240, 180),
         label=(3192, 205, 44, 14), attached="work",
         timer=("timeDate", 'activation["valid_until"]')),
    Node("watcher_absent", "boundaryEvent", "监护人缺位", "applicant", at=(3290, 180),
         label=(3296, 205, 40, 14), attached="work", message="watcher_absent"),
    Node("retest_due", "boundaryEvent", "复测周期", "applicant", at=(3340, 180),
         label=(3346, 205, 44, 14), attached="work", interrupting=False,
         timer=("timeCycle", 'activation["retest_cycle"]')),
    Node("gas_retest", "userTask", "气体复测", "applicant", at=(3460, 290), mandatory=True,
         doc="作业期间按周期复测气体，录入结果并上传照片。"),
    Node("validate_retest", "serviceTask", "复测结果校验", "applicant", at=(3600, 290),
         service=svc("gas.validate", "retest_check", **GAS)),
    Node("end_retest", "endEvent", "复测完成", "applicant", at=(3720, 290),
         label=(3700, 313, 50, 14)),
    Node("suspend", "serviceTask", "暂停作业", "watcher", at=(3410, 550),
         service=svc("watch.suspend", "suspension", permit_id=PID)),
    Node("watcher_resume", "userTask", "监护人重新签到", "watcher", at=(3550, 550), mandatory=True,
         doc="作业暂停后，监护人（或经交接的替班监护人）重新扫码、定位、人脸签到，作业方可恢复。"),
    Node("resume_expired", "boundaryEvent", "暂停中期满", "watcher", at=(3550, 590),
         label=(3572, 600, 60, 14), attached="watcher_resume",
         timer=("timeDate", 'activation["valid_until"]')),
    Node("resume", "serviceTask", "恢复作业", "watcher", at=(3690, 550),
         service=svc("watch.resume", "resumption", permit_id=PID)),
    Node("expire", "serviceTask", "登记许可证过期", "unit_approver", at=(3410, 700),
         service=svc("permit.expire", "expiry", permit_id=PID)),
    Node("gw_close_join", "exclusiveGateway", "作业结束", "unit_approver", at=(3860, 700),
         label=(3820, 732, 80, 14)),
    Node("close", "userTask", "完工验收", "unit_approver", at=(3990, 700), mandatory=True,
         doc="作业结束后现场完工验收。"),
    Node("mark_closed", "serviceTask", "关闭许可证", "unit_approver", at=(4130, 700),
         service=svc("permit.close", "closure", permit_id=PID)),
    Node("end_closed", "endEvent", "许可证已关闭", "unit_approver", at=(4260, 700),
         label=(4220, 723, 80, 14)),
    Node("check_fatigue", "serviceTask", "疲劳与休息核查", "applicant", at=(1010, 140),
         service=svc("credentials.fatigue_check", "fatigue_check", permit_id=PID)),
    Node("gw_fatigue", "exclusiveGateway", "是否疲劳预警", "applicant", at=(1130, 140),
         label=(1090, 88, 80, 14)),
    Node("fatigue_review", "userTask", "班组长疲劳复核", "team_leader", at=(1130, 1270),
         mandatory=True,
         doc="疲劳预警：申请已冻结。班组长复核后放行或驳回（须说明理由）。"),
    Node("release_hold", "serviceTask", "登记复核结论", "team_leader", at=(1290, 1270),
         service=svc("credentials.release_hold", "fatigue_release", permit_id=PID,
                     decision=("str", "decision"), comment=("str", "comment"))),
    Node("gw_fatigue_review", "exclusiveGateway", "复核结论", "team_leader", at=(1410, 1270),
         label=(1370, 1302, 80, 14)),
]
FLOWS = [
    Flow("start", "check_credentials", id="f_start", waypoints=[(238, 140), (280, 140)]),
    Flow("check_credentials", "assess", id="f_credentials_assess",
         waypoints=[(380, 140), (420, 140)]),
    Flow("assess", "grade", id="f_assess_grade", waypoints=[(520, 140), (560, 140)]),
    Flow("grade", "route", id="f_grade_route", waypoints=[(660, 140), (700, 140)]),
    Flow("route", "record_grade", id="f_route_record", waypoints=[(800, 140), (840, 140)]),
    Flow("safety_measures", "gas_test", id="f_measures_gas", waypoints=[(1540, 140), (1580, 140)]),
    Flow("gas_test", "validate_gas", id="f_gas_validate", waypoints=[(1680, 140), (1720, 140)]),
    Flow("validate_gas", "gw_route", id="f_validate_route", waypoints=[(1820, 140), (1865, 140)]),
    Flow("gw_route", "auto_approve", "免审批", cond="approvals == 0", id="f_route_auto",
         waypoints=[(1915, 140), (1960, 140)], label=(1918, 120, 40, 14)),
    Flow("gw_route", "approve_1", "需审批", id="f_route_approve_1",
         waypoints=[(1890, 165), (1890, 700), (1960, 700)], label=(1896, 200, 40, 14)),
    Flow("auto_approve", "gw_approved", id="f_auto_approved",
         waypoints=[(2060, 140), (2790, 140), (2790, 405)]),
    Flow("approve_1", "gw_approve_1", id="f_approve_1_gw", waypoints=[(2060, 700), (2105, 700)]),
    Flow("gw_approve_1", "gw_rejected", "驳回", cond='decision == "reject"', id="f_gw1_reject",
         waypoints=[(2130, 725), (2130, 1100), (2365, 1100)], label=(2136, 735, 28, 14)),
    Flow("gw_approve_1", "approve_2", "继续审批", cond='decision != "reject" and approvals >= 2',
         id="f_gw1_approve_2", waypoints=[(2155, 700), (2180, 700), (2180, 850), (2220, 850)],
         label=(2186, 760, 50, 14)),
    Flow("gw_approve_1", "gw_approved", "通过", id="f_gw1_approved",
         waypoints=[(2130, 675), (2130, 430), (2765, 430)], label=(2096, 470, 28, 14)),
    Flow("approve_2", "gw_approve_2", id="f_approve_2_gw", waypoints=[(2320, 850), (2365, 850)]),
    Flow("gw_approve_2", "gw_rejected", "驳回", cond='decision == "reject"', id="f_gw2_reject",
         waypoints=[(2390, 875), (2390, 1075)], label=(2396, 910, 28, 14)),
    Flow("gw_approve_2", "approve_3", "继续审批", cond='decision != "reject" and approvals >= 3',
         id="f_gw2_approve_3", waypoints=[(2415, 850), (2440, 850), (2440, 980), (2500, 980)],
         label=(2446, 890, 50, 14)),
    Flow("gw_approve_2", "gw_approved", "通过", id="f_gw2_approved",
         waypoints=[(2390, 825), (2390, 760), (2790, 760), (2790, 455)], label=(2356, 790, 28, 14)),
    Flow("approve_3", "gw_approve_3", id="f_approve_3_gw", waypoints=[(2600, 980), (2665, 980)]),
    Flow("gw_approve_3", "gw_rejected", "驳回", cond='decision == "reject"', id="f_gw3_reject",
         waypoints=[(2690, 1005), (2690, 1170), (2390, 1170), (2390, 1125)],
         label=(2696, 1040, 28, 14)),
    Flow("gw_approve_3", "gw_approved", "通过", id="f_gw3_approved",
         waypoints=[(2715, 980), (2790, 980), (2790, 455)], label=(2722, 960, 28, 14)),
    Flow("gw_rejected", "mark_rejected", id="f_rejected_mark",
         waypoints=[(2415, 1100), (2470, 1100)]),
    Flow("mark_rejected", "end_rejected", id="f_mark_rejected_end",
         waypoints=[(2570, 1100), (2602, 1100)]),
    Flow("gw_approved", "watcher_sign_in", id="f_approved_sign_in",
         waypoints=[(2815, 430), (2880, 430)]),
    Flow("watcher_sign_in", "activate", id="f_sign_in_activate",
         waypoints=[(2980, 430), (3020, 430)]),
    Flow("activate", "gw_work_join", id="f_activate_join",
         waypoints=[(3120, 430), (3160, 430), (3160, 165)]),
    Flow("gw_work_join", "work", id="f_join_work", waypoints=[(3185, 140), (3220, 140)]),
    Flow("work", "gw_close_join", id="f_work_done",
         waypoints=[(3360, 140), (3860, 140), (3860, 675)]),
    Flow("validity_expired", "expire", id="f_expired_expire",
         waypoints=[(3240, 198), (3240, 700), (3360, 700)]),
    Flow("expire", "gw_close_join", id="f_expire_close", waypoints=[(3460, 700), (3835, 700)]),
    Flow("retest_due", "gas_retest", id="f_retest_gas",
         waypoints=[(3340, 198), (3340, 290), (3410, 290)]),
    Flow("gas_retest", "validate_retest", id="f_gas_retest_validate",
         waypoints=[(3510, 290), (3550, 290)]),
    Flow("validate_retest", "end_retest", id="f_validate_retest_end",
         waypoints=[(3650, 290), (3702, 290)]),
    Flow("watcher_absent", "suspend", id="f_absent_suspend",
         waypoints=[(3290, 198), (3290, 550), (3360, 550)]),
    Flow("suspend", "watcher_resume", id="f_suspend_resume", waypoints=[(3460, 550), (3500, 550)]),
    Flow("watcher_resume", "resume", id="f_resume_task_resume",
         waypoints=[(3600, 550), (3640, 550)]),
    Flow("resume", "gw_work_join", id="f_resume_join",
         waypoints=[(3690, 510), (3690, 80), (3160, 80), (3160, 115)]),
    Flow("resume_expired", "expire", id="f_resume_expired_expire",
         waypoints=[(3550, 608), (3550, 640), (3410, 640), (3410, 660)]),
    Flow("gw_close_join", "close", id="f_join_close", waypoints=[(3885, 700), (3940, 700)]),
    Flow("close", "mark_closed", id="f_close_mark", waypoints=[(4040, 700), (4080, 700)]),
    Flow("mark_closed", "end_closed", id="f_mark_closed_end", waypoints=[(4180, 700), (4242, 700)]),
    Flow("record_grade", "check_fatigue", id="f_record_fatigue",
         waypoints=[(940, 140), (960, 140)]),
    Flow("check_fatigue", "gw_fatigue", id="f_fatigue_gw", waypoints=[(1060, 140), (1105, 140)]),
    Flow("gw_fatigue", "safety_measures", "无预警", id="f_fatigue_ok",
         waypoints=[(1155, 140), (1440, 140)], label=(1170, 120, 40, 14)),
    Flow("gw_fatigue", "fatigue_review", "疲劳预警", cond='fatigue_check["fatigue"] == True',
         id="f_fatigue_warn", waypoints=[(1130, 165), (1130, 1230)], label=(1136, 200, 50, 14)),
    Flow("fatigue_review", "release_hold", id="f_review_release",
         waypoints=[(1180, 1270), (1240, 1270)]),
    Flow("release_hold", "gw_fatigue_review", id="f_release_gw",
         waypoints=[(1340, 1270), (1385, 1270)]),
    Flow("gw_fatigue_review", "safety_measures", "放行", id="f_review_go",
         waypoints=[(1410, 1245), (1410, 260), (1470, 260), (1470, 180)],
         label=(1416, 1170, 28, 14)),
    Flow("gw_fatigue_review", "gw_rejected", "驳回", cond='decision == "reject"',
         id="f_review_reject", waypoints=[(1435, 1270), (2390, 1270), (2390, 1125)],
         label=(1445, 1250, 28, 14)),
]

GRADE = Decision(
    id="hot_work_grade", name="动火作业分级",
    inputs=[("hazard_class", "危险场所类别", 'facts["hazard_class"]', "string"),
            ("running_equipment", "在运设备/管道", 'facts["running_equipment"]', "boolean"),
            ("tank_farm_dike", "罐区防火堤内", 'facts["tank_farm_dike"]', "boolean"),
            ("pipe_rack", "管廊上", 'facts["pipe_rack"]', "boolean"),
            ("upgrade", "升级管理", 'facts["upgrade"]', "boolean")],
    outputs=[("grade", "动火等级", "string")],
    rules=[
        (['"fire_explosion"', "True", ANY, ANY, ANY], ['"special"'],
         "5.1.2 火灾爆炸危险场所在运设备动火 → 特级（已是最高级，升级不变）"),
        ([ANY, ANY, "True", ANY, ANY], ['"special"'], "5.1.2 甲乙类罐区防火堤内动火 → 特级"),
        ([ANY, ANY, ANY, "True", "True"], ['"special"'], "5.1.3 管廊一级 + 升级 → 特级"),
        (['"fire_explosion"', ANY, ANY, ANY, "True"], ['"special"'],
         "5.1.3 火灾爆炸危险场所其他动火一级 + 升级 → 特级"),
        ([ANY, ANY, ANY, "True", "False"], ['"grade1"'], "5.1.3 管廊上动火 → 一级"),
        (['"fire_explosion"', ANY, ANY, ANY, "False"], ['"grade1"'],
         "5.1.3 火灾爆炸危险场所其他动火 → 一级"),
        ([ANY, ANY, ANY, ANY, "True"], ['"grade1"'], "5.1.4 二级 + 升级 → 一级"),
        ([ANY, ANY, ANY, ANY, "False"], ['"grade2"'], "5.1.4 其他动火 → 二级"),
        ([ANY, ANY, ANY, ANY, ANY], ['"special"'],
         "兜底：数据不完整时按最严格的特级处理 (fail-safe)"),
    ])

ROUTING = Decision(
    id="hot_work_routing", name="动火审批路由",
    inputs=[("grade", "动火等级", "grade", "string"),
            ("hazard_class", "危险场所类别", 'facts["hazard_class"]', "string"),
            ("crew_incidents", "作业队伍事故记录数", 'facts["crew_incidents"]', "integer"),
            ("upgrade", "升级管理", 'facts["upgrade"]', "boolean")],
    outputs=[("risk", "风险等级", "string"), ("approvals", "审批级数", "integer")],
    rules=[
        (['"grade2"', '"general"', "0", "False"], ['"low"', "0"],
         "二级、一般场所、无事故记录、未升级 → 低风险，自动批准"),
        (['"grade2"', ANY, ANY, ANY], ['"medium"', "1"], "二级 → 所在基层单位审批"),
        (['"grade1"', ANY, ANY, ANY], ['"high"', "2"], "一级 → 基层单位 + 安全管理部门"),
        (['"special"', ANY, ANY, ANY], ['"high"', "3"],
         "特级 → 基层单位 + 安全管理部门 + 主管领导"),
        ([ANY, ANY, ANY, ANY], ['"high"', "3"], "兜底：未知等级按特级审批"),
    ])

#: Form A.1 items: (key, label, what it means)
CHECKLIST = [
    ("purged", "动火设备已清洗、吹扫或置换合格",
     "Equipment emptied, cleaned, steamed or purged to hot-work condition."),
    ("blinds_fitted", "相连管道已断开或加盲板，未以水封或关阀代替",
     "Connected lines disconnected or blinded (count in blind_count); no water seal "
     "or closed valve used instead of a blind."),
    ("drains_covered", "周边孔洞、窨井、地沟等已清理并覆盖隔离",
     "Nearby openings, manholes, drains, trenches and cable trays cleared of combustibles "
     "and covered or sand-sealed."),
    ("no_dike_draining", "同一防火堤内储罐未同时脱水或取样",
     "No tank draining or sampling inside the same dike or fire-separation distance."),
    ("spark_control_at_height", "高处动火已采取防火花飞溅措施",
     "Hot work at height: spark/spatter containment in place, PPE worn."),
    ("lining_fire_barrier", "可燃构件或可燃内衬设备已采取防火隔绝措施",
     "Equipment with combustible internals or linings: fire barrier in place."),
    ("cylinders", "气瓶直立防倾倒、装回火防止器，间距符合要求",
     "Cylinders upright and secured, flashback arrestor fitted, O2 to C2H2 >= 5 m, "
     "both >= 10 m from the flame."),
    ("fire_kit", "现场已配备灭火器、灭火毯、消防水带/蒸汽带",
     "Fire kit on site: extinguishers, fire blankets, fire hose or steam hose."),
    ("welder_sited_earthed", "电焊机位置符合防火防爆要求并可靠接地",
     "Welding machine sited per fire/explosion rules and reliably earthed."),
    ("no_hazardous_ops_nearby", "周边无易燃易爆化学品装卸、排放等作业",
     "No loading, discharge or other handling of flammable chemicals nearby."),
    ("distance_rules", "满足30 m/15 m/10 m 距离要求",
     "Distance rules: no flammable gas venting within 30 m, no flammable liquid discharge "
     "within 15 m, no solvent cleaning/painting or combustible dust sweeping within 10 m."),
    ("jha_done", "已进行作业危害分析并明确协调人",
     "Job hazard analysis done and a coordinator named."),
    ("continuous_detector", "已设置便携式/连续可燃气体检测",
     "Portable or continuous flammable-gas detector in place (continuous for special grade)."),
    ("ex_camera", "特级动火已设防爆视频监控",
     "Special-grade hot work: Ex-rated camera recording the whole job."),
    ("other_permits", "其他相关作业许可已办理，现场已隔离警戒",
     "Other required permits issued; work area barricaded."),
    ("other_measures", "其他安全措施",
     "Other measures (describe in the permit record if applicable)."),
]

#: hot work speaks of representative gases and sampling points of a vessel
READING = {
    "gas": {"type": "string", "title": "代表性气体", "minLength": 1,
            "description": "Representative gas, e.g. CH4, H2, C3H8, H2S, O2.",
            "examples": ["CH4", "H2", "C3H8", "H2S", "O2"]},
    "unit": {"enum": ["%LEL", "%VOL", "ppm", "mg/m3"], "title": "单位",
             "description": "Unit of value. GB 30871 5.3 limits are %VOL."},
    "sampled_at": {"type": "string", "format": "date-time", "title": "取样分析时间",
                   "description": "Sampling time, ISO 8601 with UTC offset."},
    "point": {"type": "string", "title": "取样点", "minLength": 1,
              "description": "Sampling point (e.g. top/middle/bottom of the vessel)."},
}

FORMS = {
    "safety_measures": obj("动火安全措施确认", {
        "items": items_object(
            {key: {"enum": [True, False, "na"], "title": title, "description": desc}
             for key, title, desc in CHECKLIST},
            "GB 30871-2022 Form A.1 checklist: true = done, "
            'false = not done, "na" = not applicable.'),
        "blind_count": {"type": "integer", "minimum": 0, "title": "盲板数量",
                        "description": "Number of blinds fitted."},
        "confirmed_by": person("确认人", "Person id of the person confirming."),
    }, ["items", "confirmed_by"]),
    "gas_test": gas_form("动火前气体检测", **READING),
    "gas_retest": gas_form("作业期间气体复测", **READING),
    "fatigue_review": obj("班组长疲劳复核", {
        "decision": {"enum": ["release", "reject"], "title": "复核结论",
                     "description": "release = 放行（继续申请）, reject = 驳回."},
        "comment": {**COMMENT, "minLength": 1},
    }, ["decision", "comment"]),
    "approve_1": approval_form("所在基层单位审批"),
    "approve_2": approval_form("安全管理部门审批"),
    "approve_3": approval_form("主管领导审批"),
    "watcher_sign_in": sign_in_form(),
    "watcher_resume": confirm_form("监护人重新签到", "present", "已回到岗位",
                                   "Watcher is back at the work site (after a suspension)."),
    "work": work_form("作业实施", "Hot work finished."),
    "close": close_form(),
}


def process() -> Process:
    p = Process(KEY, "动火作业许可", "动火作业", "动火作业许可证",
                "动火作业许可证流程（GB 30871-2022 第5章）：分级、安全措施、气体检测、分级审批、"
                "监护人签到、作业实施（有效期与复测计时；监护人缺位即暂停，重新签到后恢复）、完工验收。",
                LANES, messages={"watcher_absent": None})
    for node in NODES:
        node.form = FORMS.get(node.id)
    p.add(*NODES)
    p.link(*FLOWS)
    return p


def generate(folder: Path = BPMN_DIR) -> list[Path]:
    return write_all(process(), lambda p: Placed(p, POOL_WIDTH, LANE_HEIGHTS),
                     [GRADE, ROUTING], EXPORTER, folder)


if __name__ == "__main__":
    main(generate)
