"""JSON Schema forms (Draft 2020-12) of user tasks.

Every form is an object with ``additionalProperties: false``, so a client cannot smuggle
process variables (``approvals``, ``grade`` …) into task data. Checklist forms read their
items from ``processes/rules/data/checklists.json``, so a form and the rule that checks it
cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from .output import rules_data

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
COMMENT = {"type": "string", "title": "备注", "maxLength": 2000,
           "description": "Free-text comment."}
PERSON = {"type": "integer", "minimum": 1}
#: what the two answers of an approval mean, as the approval forms word it
APPROVE = "approve = 批准, reject = 驳回."
AGREE = "approve = 同意, reject = 驳回/不同意."
ON_SITE = "审批人应到作业现场签批（GB 30871 4.11）；提交时附带位置。"

Schema = dict[str, Any]


def obj(title: str, properties: Schema, required: list[str],
        description: str | None = None, **extra: Any) -> Schema:
    schema: Schema = {"$schema": SCHEMA_URI, "title": title}
    if description:
        schema["description"] = description
    schema.update({"type": "object", "properties": properties, "required": required,
                   "additionalProperties": False})
    schema.update(extra)
    return schema


def person(title: str, description: str) -> Schema:
    return {**PERSON, "title": title, "description": description}


def approval_form(title: str, description: str | None = None,
                  choices: str = APPROVE) -> Schema:
    """approve / reject; a rejection says why."""
    return obj(title, {
        "decision": {"enum": ["approve", "reject"], "title": "审批意见",
                     "description": choices},
        "comment": COMMENT,
    }, ["decision"], description, allOf=[{
        "if": {"properties": {"decision": {"const": "reject"}}, "required": ["decision"]},
        "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1}}},
    }])


def confirm_form(title: str, key: str, label: str, description: str,
                 extra: Schema | None = None) -> Schema:
    """A one-tick confirmation (``key`` must be true) with a comment."""
    return obj(title, {key: {"const": True, "title": label, "description": description},
                       **(extra or {}), "comment": COMMENT}, [key])


def sign_in_form() -> Schema:
    return confirm_form("监护人到岗签到", "present", "已到岗",
                        "Watcher is present at the work site.")


def work_form(title: str, description: str = "Work finished.") -> Schema:
    return confirm_form(title, "finished", "作业已完成", description)


def close_form() -> Schema:
    return obj("完工验收", {
        "accepted": {"type": "boolean", "title": "验收合格",
                     "description": "Site inspected after the work and accepted."},
        "comment": COMMENT}, ["accepted"])


def watcher_return_form() -> Schema:
    return obj("监护人返回", {
        "resume": {"type": "boolean", "title": "继续作业",
                   "description": "true: the watcher is back and work goes on under this "
                                  "permit; false: the job ends here (close-out follows)."},
        "comment": COMMENT}, ["resume"])


GAS_READING = {
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
}


def gas_form(title: str, **reading: Schema) -> Schema:
    """Gas readings with the detector and a photo of it; ``reading`` rewords fields of
    one reading (hot work speaks of representative gases and sampling points)."""
    return obj(title, {
        "readings": {"type": "array", "title": "气体分析", "minItems": 1,
                     "items": {"type": "object", "title": "分析结果",
                               "properties": {**GAS_READING, **reading},
                               "required": list(GAS_READING), "additionalProperties": False},
                     "description": "One entry per gas and sampling point."},
        "instrument_id": {"type": "string", "title": "检测仪器编号", "minLength": 1,
                          "description": "Gas detector id."},
        "photo": {"type": "string", "title": "检测照片", "minLength": 1,
                  "description": "Upload id of the photo of the detector reading."},
    }, ["readings", "instrument_id", "photo"])


def items_object(properties: Schema, description: str) -> Schema:
    """The ``items`` of a checklist form: every item answered."""
    return {"type": "object", "title": "安全措施", "properties": properties,
            "required": list(properties), "additionalProperties": False,
            "description": description}


def checklist_form(permit_type: str, step: str, title: str, description: str,
                   extra: Schema | None = None,
                   extra_required: list[str] | None = None) -> Schema:
    """The items one step confirms: true = done, false = not done, "na" = not applicable
    (offered only where the item may ever be not applicable)."""
    items = [item for item in rules_data("checklists.json")[permit_type]["items"]
             if item["step"] == step]
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
        "items": items_object(properties, description),
        "confirmed_by": person("确认人", "Person id of whoever confirms the measures."),
        **(extra or {}), "comment": COMMENT},
        ["items", "confirmed_by", *(extra_required or [])])


def numbered_checklist_form(title: str, permit_type: str) -> Schema:
    """All safety-measure items of the type's form, titled with their item numbers, each
    answerable "na"."""
    raw = rules_data("checklists.json")[permit_type]
    items = {
        item["key"]: {"enum": [True, False, "na"],
                      "title": f"{item['form_item']}. {item['label_zh']}",
                      "description": item["label_en"]}
        for item in raw["items"] if item.get("step", "safety_measures") == "safety_measures"
    }
    return obj(title, {
        "items": items_object(
            items, f"GB 30871-2022 Form {raw['form']} checklist: true = done, "
                   'false = not done, "na" = not applicable (不涉及).'),
        "confirmed_by": person("确认人", "Person id of the person confirming."),
    }, ["items", "confirmed_by"])
