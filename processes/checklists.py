"""Checklist steps: every measure confirmed, "not applicable" only where the standard allows.

A measure answered "no" stops the job: the permit cannot go on until it is in place.
"""

from __future__ import annotations

from typing import Any

from .errors import ValidationFailed
from .models import Permit
from .types import rules_for


def validate(permit: Permit, items: dict[str, Any]) -> None:
    type_rules = rules_for(permit.type)
    rules = type_rules.checklist
    if rules is None:
        return
    errors: dict[str, list[str]] = {}
    grade = permit.grade or type_rules.default_grade()
    for key, item in rules.CHECKLIST.items():
        answer = items.get(key)
        if answer is None:
            errors[f"items.{key}"] = ["confirm this measure"]
        elif answer is False:
            errors[f"items.{key}"] = [f"措施未落实，不得作业 / measure not in place: "
                                      f"{item.label_zh}"]
        elif answer == "na" and not item.is_na_allowed(grade):
            errors[f"items.{key}"] = [f"{item.label_zh}：该级别不得填“不涉及” / may not be "
                                      f"marked not applicable for this grade"]
    if errors:
        raise ValidationFailed(errors, code="checklist_incomplete")


#: step id → the domain check of its data, run before the engine completes the step
STEP_CHECKS = {"safety_measures": lambda permit, data: validate(permit, data.get("items") or {})}
