"""A permit's audit events as lines a person reads: when, who, what happened."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from . import labels
from .display import local_dt

SYSTEM_ACTIONS = ("service.completed", "decision.evaluated", "instance.completed",
                  "incident.opened")


@dataclass
class Entry:
    at: str
    who: str
    title: str
    detail: str
    tone: str  # ok | info | warn | bad


def rule_text(rule: str | None, version: int | None) -> str:
    """How an automatic decision is shown: "系统按规则自动批准 (hot_work_routing v1)"."""
    return _("系统按规则自动批准 (%(rule)s v%(version)s)", rule=rule or "?",
             version=version if version is not None else "?")


def _service(data: dict[str, Any]) -> tuple[str, str, str]:
    operator = data.get("operator") or ""
    result = data.get("result") if isinstance(data.get("result"), dict) else {}
    title = labels.label("operator", operator)
    detail, tone = "", "ok"
    if operator == "permit.set_grade":
        detail = " · ".join(x for x in (labels.label("grade", result.get("grade")),
                                         labels.label("risk", result.get("risk"))) if x)
        tone = "info"
    elif operator == "permit.assess":
        reasons = result.get("upgrade_reasons") or []
        detail = (_("升级原因：%(reasons)s",
                    reasons="、".join(labels.label("upgrade", r) for r in reasons))
                  if reasons else "")
        tone = "info"
    elif operator == "routing.auto_approve":
        title = rule_text(result.get("rule"), result.get("rule_version"))
    elif operator == "permit.activate":
        detail = _("有效至 %(until)s", until=local_dt(result.get("valid_until")))
    elif operator in ("permit.expire", "permit.reject"):
        tone = "bad"
    return title, detail, tone


def _task(data: dict[str, Any], step_names: dict[str, str]) -> tuple[str, str, str]:
    bpmn_id = data.get("task") or ""
    title = labels.step_name(step_names.get(bpmn_id), bpmn_id)
    values = data.get("data") if isinstance(data.get("data"), dict) else {}
    parts, tone = [], "ok"
    if "decision" in values:
        parts.append(labels.label("decision", values["decision"]))
        tone = "ok" if values["decision"] == "approve" else "bad"
    if isinstance(values.get("readings"), list):
        parts.append(_("%(n)d 条气体分析", n=len(values["readings"])))
    if values.get("comment"):
        parts.append(str(values["comment"]))
    return title, " · ".join(parts), tone


def _task_claim(data: dict[str, Any], step_names: dict[str, str]) -> str:
    """Which step, and to whom it went (delegation) with the reason given."""
    bpmn_id = data.get("task") or ""
    parts = [labels.step_name(step_names.get(bpmn_id), bpmn_id)]
    if data.get("to_name"):
        parts.append(_("转给 %(name)s", name=data["to_name"]))
    if data.get("reason"):
        parts.append(str(data["reason"]))
    return " · ".join(parts)


def _bulk(data: dict[str, Any], step_names: dict[str, str]) -> tuple[str, str, str]:
    bpmn_id = data.get("task") or ""
    step = labels.step_name(step_names.get(bpmn_id), bpmn_id)
    if data.get("outcome") == "approved":
        return labels.label("action", "task.bulk_approval"), step, "ok"
    return _("批量审批未通过"), " · ".join(x for x in (step, str(data.get("reason") or ""))
                                      if x), "warn"


def build(events: list[dict[str, Any]], *, names: dict[str, str],
          step_names: dict[str, str]) -> list[Entry]:
    entries = []
    for event in events:
        action = event.get("action") or ""
        data = event.get("data") or {}
        actor = event.get("actor")
        if action in SYSTEM_ACTIONS or actor is None:
            who = _("系统")
        elif actor == "timer":
            who = _("系统定时")
        else:
            who = names.get(actor, actor)
        title, detail, tone = labels.label("action", action), "", "info"
        if action == "service.completed":
            title, detail, tone = _service(data)
        elif action == "task.completed":
            title, detail, tone = _task(data, step_names)
        elif action == "instance.started":
            detail = str(data.get("business_key") or "")
        elif action == "instance.cancelled":
            detail, tone = str(data.get("reason") or ""), "bad"
        elif action == "incident.opened":
            detail, tone = str(data.get("error") or "")[:200], "bad"
        elif action == "decision.evaluated":
            detail = str(data.get("decision") or "")
        elif action in ("task.claimed", "task.unclaimed", "task.delegated"):
            detail = _task_claim(data, step_names)
        elif action == "task.bulk_approval":
            title, detail, tone = _bulk(data, step_names)
        entries.append(Entry(at=local_dt(event.get("at")), who=who, title=title,
                             detail=detail, tone=tone))
    return entries
