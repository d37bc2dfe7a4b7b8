"""JSON Schema forms (Draft 2020-12) for the user tasks of permit processes.

Every form is an object with ``additionalProperties: false`` (a client cannot smuggle process
variables into task data). Checklist forms read their items from
``processes/rules/data/checklists.json``, so a form and the rule that checks it cannot drift
apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CHECKLISTS = REPO / "processes" / "rules" / "data" / "checklists.json"

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
COMMENT = {"type": "string", "title": "备注", "maxLength": 2000,
           "description": "Free-text comment."}
CONFIRMED_BY = {"type": "integer", "minimum": 1, "title": "确认人",
                "description": "Person id of whoever confirms the measures."}


def obj(title: str, properties: dict[str, Any], required: list[str],
        description: str | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"$schema": SCHEMA_URI, "title": title}
    if description:
        schema["description"] = description
    schema.update({"type": "object", "properties": properties, "required": required,
                   "additionalProperties": False})
    schema.update(extra)
    return schema


def checklist_items(permit_type: str, step: str) -> list[dict[str, Any]]:
    raw = json.loads(CHECKLISTS.read_text(encoding="utf-8"))[permit_type]["items"]
    return [item for item in raw if item["step"] == step]


def checklist_form(permit_type: str, step: str, title: str, description: str,
                   extra: dict[str, Any] | None = None,
                   extra_required: list[str] | None = None) -> dict[str, Any]:
    """The items a step confirms: true = done, false = not done, "na" = not applicable
    (offered only where the item may ever be not applicable)."""
    items = checklist_items(permit_type, step)
    assert items, (permit_type, step)
    properties = {}
    for item in items:
        values: list[Any] = [True, False, "na"] if item["na_allowed"] else [True, False]
        note = f"（{item['form_item']}）{item['label_en']}"
        if item["required_when"]:
            note += f" — required when: {', '.join(item['required_when'])}"
        properties[item["key"]] = {"enum": values, "title": item["label_zh"],
                                   "description": note}
    return obj(title, {
        "items": {"type": "object", "title": "安全措施", "properties": properties,
                  "required": [i["key"] for i in items], "additionalProperties": False,
                  "description": description},
        "confirmed_by": CONFIRMED_BY, **(extra or {}), "comment": COMMENT},
        ["items", "confirmed_by", *(extra_required or [])])


def gas_form(title: str) -> dict[str, Any]:
    reading = {
        "type": "object", "title": "分析结果",
        "properties": {
            "gas": {"type": "string", "title": "气体", "minLength": 1,
                    "description": "Gas, e.g. O2, CH4, H2S, CO.",
                    "examples": ["O2", "CH4", "H2S", "CO"]},
            "value": {"type": "number", "title": "分析结果", "minimum": 0,
                      "description": "Measured value in the given unit."},
            "unit": {"enum": ["%LEL", "%VOL", "ppm", "mg/m3"], "title": "单位",
                     "description": "Unit of value."},
            "sampled_at": {"type": "string", "format": "date-time", "title": "取样时间",
                           "description": "Sampling time, ISO 8601 with UTC offset."},
            "point": {"type": "string", "title": "分析部位", "minLength": 1,
                      "description": "Sampling point (top, middle, bottom, …)."},
        },
        "required": ["gas", "value", "unit", "sampled_at", "point"],
        "additionalProperties": False,
    }
    return obj(title, {
        "readings": {"type": "array", "title": "气体分析", "minItems": 1, "items": reading,
                     "description": "One entry per gas and sampling point."},
        "instrument_id": {"type": "string", "title": "检测仪器编号", "minLength": 1,
                          "description": "Gas detector id."},
        "photo": {"type": "string", "title": "检测照片", "minLength": 1,
                  "description": "Upload id of the photo of the detector reading."},
    }, ["readings", "instrument_id", "photo"])


def approval_form(title: str) -> dict[str, Any]:
    return obj(title, {
        "decision": {"enum": ["approve", "reject"], "title": "审批意见",
                     "description": "approve = 批准, reject = 驳回."},
        "comment": COMMENT,
    }, ["decision"], description="审批人应到作业现场签批（GB 30871 4.11）；提交时附带位置。",
        allOf=[{"if": {"properties": {"decision": {"const": "reject"}},
                       "required": ["decision"]},
                "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1}}}}])


def confirm_form(title: str, key: str, label: str, description: str,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A one-tick confirmation (``key`` must be true) with a comment."""
    return obj(title, {key: {"const": True, "title": label, "description": description},
                       **(extra or {}), "comment": COMMENT}, [key])


def close_form() -> dict[str, Any]:
    return obj("完工验收", {
        "accepted": {"type": "boolean", "title": "验收合格",
                     "description": "Site inspected after the work and accepted."},
        "comment": COMMENT}, ["accepted"])


def watcher_sign_in_form() -> dict[str, Any]:
    return confirm_form("监护人到岗签到", "present", "已到岗",
                        "Watcher is present at the work site.")


def watcher_return_form() -> dict[str, Any]:
    return obj("监护人返回", {
        "resume": {"type": "boolean", "title": "继续作业",
                   "description": "true: the watcher is back and work goes on under this "
                                  "permit; false: the job ends here (close-out follows)."},
        "comment": COMMENT}, ["resume"])
