"""Words shown for domain keys (statuses, grades, roles, steps …), translatable.

The msgids are the Chinese text (Chinese first); the English catalog translates them.
Keys the table does not know are shown as they are, so a new BPMN step or role never
breaks a page.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

STATUS = {
    "applied": _l("已申请"), "approving": _l("审批中"), "approved": _l("已批准"),
    "active": _l("作业中"), "suspended": _l("已暂停"), "expired": _l("已过期"),
    "closed": _l("已关闭"), "rejected": _l("已驳回"), "cancelled": _l("已取消"),
    "completed": _l("已完成"),  # a process instance that ran to its end
}

GRADE = {"special": _l("特级"), "grade1": _l("一级"), "grade2": _l("二级")}

RISK = {"low": _l("低风险"), "medium": _l("中风险"), "high": _l("高风险")}

ROLE = {
    "applicant": _l("作业申请人"), "watcher": _l("监护人"), "team_leader": _l("班组长"),
    "unit_approver": _l("所在基层单位"), "specialist": _l("专业部门"),
    "safety_dept": _l("安全管理部门"), "plant_leader": _l("主管领导"),
    "power_supplier": _l("配送电单位"), "safety_director": _l("安全总监"),
    "contractor_admin": _l("承包商管理员"), "designer": _l("流程设计"), "admin": _l("系统管理员"),
}

HAZARD = {"fire_explosion": _l("火灾爆炸"), "toxic": _l("有毒"), "general": _l("一般")}

METHOD = {
    "electric_welding": _l("电焊"), "gas_welding": _l("气焊"), "gas_cutting": _l("气割"),
    "grinding": _l("砂轮打磨"), "drilling": _l("钻孔"), "blowtorch": _l("喷灯"),
    "grit_blasting": _l("喷砂"), "other": _l("其他"),
}

UPGRADE_REASON = {"night": _l("夜间"), "rest_day": _l("休息日"), "holiday": _l("节假日"),
                  "wind_force_5": _l("五级以上风")}

DECISION = {"approve": _l("批准"), "reject": _l("驳回")}

YES, NO, NOT_APPLICABLE = _l("是"), _l("否"), _l("不涉及")

TASK_STATUS = {"open": _l("待办"), "completed": _l("已完成"), "cancelled": _l("已取消")}

#: a person's part on a job (the e-profile)
JOB_ROLE = {"applicant": _l("作业负责人"), "worker": _l("作业人"), "watcher": _l("监护人")}

#: why a certificate alert is open (processes.alerts.REASON_ZH)
ALERT_REASON = {"expires_soon": _l("即将到期"), "review_due_soon": _l("即将到复审期"),
                "expired": _l("已过期"), "review_missed": _l("未按期复审"), "voided": _l("已作废")}

SEVERITY = {"info": _l("通知"), "high": _l("紧急"), "warning": _l("提醒")}


def N_(text: str) -> str:
    """Marks a msgid for extraction where the text is looked up later by value."""
    return text


#: step names and form titles from the BPMN files and form schemas (their msgids are the
#: Chinese names used there), so the English catalog can translate them
STEP_NAMES = (
    N_("安全措施确认"), N_("气体检测"), N_("所在基层单位审批"), N_("安全管理部门审批"),
    N_("主管领导审批"), N_("监护人到岗签到"), N_("作业实施"), N_("作业期间气体复测"),
    N_("完工验收"), N_("动火前气体检测"), N_("动火安全措施确认"), N_("作业人员资质核验"),
    N_("作业风险评估"), N_("动火作业分级"), N_("登记动火等级"), N_("审批路由判定"),
    N_("气体检测结果校验"), N_("自动批准"), N_("登记驳回"), N_("许可证生效"),
)
STEP = {name: _l(name) for name in STEP_NAMES}

#: short field titles of the form schemas
FORM_TERMS = (
    N_("审批意见"), N_("备注"), N_("气体分析"), N_("分析结果"), N_("代表性气体"), N_("单位"),
    N_("取样分析时间"), N_("取样点"), N_("检测仪器编号"), N_("检测照片"), N_("安全措施"),
    N_("盲板数量"), N_("确认人"), N_("已到岗"), N_("作业已完成"), N_("验收合格"),
)
FORM_TERM = {name: _l(name) for name in FORM_TERMS}

#: what a service operator's completion means on a timeline
OPERATOR = {
    "credentials.check": _l("作业人员资质核验通过"), "permit.assess": _l("作业风险评估"),
    "permit.set_grade": _l("确定作业等级"), "gas.validate": _l("气体检测结果合格"),
    "routing.auto_approve": _l("系统按规则自动批准"), "permit.activate": _l("许可证生效"),
    "permit.expire": _l("有效期满"), "permit.reject": _l("许可证已驳回"),
    "permit.close": _l("许可证已关闭"),
}

ACTION = {
    "instance.started": _l("提交申请"), "service.completed": _l("系统处理"),
    "decision.evaluated": _l("规则判定"), "task.completed": _l("完成步骤"),
    "instance.cancelled": _l("许可证已取消"), "instance.completed": _l("流程结束"),
    "incident.opened": _l("系统处理出错"), "incident.retried": _l("重试"),
    "event.received": _l("收到事件"), "step.refused": _l("步骤被拒绝"),
    "task.claimed": _l("认领任务"), "task.unclaimed": _l("解除认领"),
    "task.delegated": _l("转办任务"), "task.bulk_approval": _l("批量审批"),
}

#: the home page's buttons and the apply page's title, one per permit type
APPLY = {
    "hot_work": _l("申请动火作业"), "confined_space": _l("申请受限空间作业"),
    "blind_plate": _l("申请盲板抽堵作业"), "work_at_height": _l("申请高处作业"),
    "lifting": _l("申请吊装作业"), "temporary_power": _l("申请临时用电作业"),
    "excavation": _l("申请动土作业"), "road_closure": _l("申请断路作业"),
}

TABLES: dict[str, dict[str, Any]] = {
    "status": STATUS, "grade": GRADE, "risk": RISK, "role": ROLE, "hazard": HAZARD,
    "method": METHOD, "upgrade": UPGRADE_REASON, "decision": DECISION,
    "task_status": TASK_STATUS, "severity": SEVERITY, "step": STEP, "term": FORM_TERM,
    "operator": OPERATOR, "action": ACTION, "apply": APPLY, "job_role": JOB_ROLE,
    "alert_reason": ALERT_REASON,
}


def label(table: str, key: Any) -> str:
    """The translated word for ``key`` in ``table``; the key itself when unknown."""
    if key is None:
        return ""
    found = TABLES[table].get(key)
    return str(found) if found is not None else str(key)


def step_name(name: str | None, fallback: str = "") -> str:
    """A BPMN step name in the current language."""
    if not name:
        return fallback
    return gettext(name) if name in STEP else name
