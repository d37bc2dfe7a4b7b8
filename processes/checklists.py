"""Checklist steps: every measure confirmed, "not applicable" only where the standard allows.

A measure answered "no" stops the job: the permit cannot go on until it is in place.
"""

from __future__ import annotations

from typing import Any

from .errors import ValidationFailed
from .models import Permit
from .types import rules_for


def validate(permit: Permit, items: dict[str, Any], step: str = "safety_measures") -> None:
    """Check the items ``step`` confirms (a type may spread its form over several steps)."""
    type_rules = rules_for(permit.type)
    rules = type_rules.checklist
    if rules is None:
        return
    errors: dict[str, list[str]] = {}
    grade = permit.grade or type_rules.default_grade()
    conditions = type_rules.checklist_conditions(permit)
    for key, item in rules.CHECKLIST.items():
        if getattr(item, "step", "safety_measures") != step:
            continue
        answer = items.get(key)
        if answer is None:
            errors[f"items.{key}"] = ["confirm this measure"]
        elif answer is False:
            errors[f"items.{key}"] = [f"措施未落实，不得作业 / measure not in place: "
                                      f"{item.label_zh}"]
        elif answer == "na" and not (item.is_na_allowed(grade, conditions) if conditions
                                     else item.is_na_allowed(grade)):
            errors[f"items.{key}"] = [f"{item.label_zh}：本作业不得填“不涉及” / may not be "
                                      f"marked not applicable for this job"]
    if errors:
        raise ValidationFailed(errors, code="checklist_incomplete")


def _step_check(step: str) -> Any:
    def check(permit: Permit, data: dict[str, Any]) -> None:
        validate(permit, data.get("items") or {}, step)
        rules_for(permit.type).check_step(permit, step, data)

    return check


#: step id → the domain check of its data, run before the engine completes the step
STEP_CHECKS = {step: _step_check(step) for step in (
    "safety_measures", "ventilation", "lighting_check", "communication_test",
    "emergency_preparation")}
