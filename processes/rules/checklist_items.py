"""Checklist items of a permit form (GB 30871 Appendix A) as data, for any permit type.

`checklists.json` holds, per type, the numbered items of its form. `required_grades` lists
the grades for which an item must be confirmed; the others may mark it "not applicable"
(不涉及). The marker `"*"` means every grade, and types without grades (excavation, road
closure): the item may never be marked not applicable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from processes.rules import data

EVERY_GRADE: Final = "*"


@dataclass(frozen=True)
class ChecklistItem:
    """One numbered item of a permit form's safety-measure checklist."""

    key: str
    form_item: int
    clause: str
    label_zh: str
    label_en: str
    required_grades: frozenset[str]

    def is_na_allowed(self, grade: str | None) -> bool:
        """True if the item may be marked not applicable for a permit of `grade`."""
        if EVERY_GRADE in self.required_grades:
            return False
        return grade is None or grade not in self.required_grades


class Checklist:
    """The checklist of one permit type, shaped as `processes.checklists` expects it
    (a `CHECKLIST` mapping of key → item, in form order)."""

    def __init__(self, permit_type: str) -> None:
        raw = data.load("checklists.json")[permit_type]
        self.permit_type = permit_type
        self.form: str = raw["form"]
        self.CHECKLIST: Mapping[str, ChecklistItem] = MappingProxyType({
            item["key"]: ChecklistItem(
                key=item["key"], form_item=item["form_item"], clause=item["clause"],
                label_zh=item["label_zh"], label_en=item["label_en"],
                required_grades=frozenset(item["required_grades"]))
            for item in raw["items"]
        })

    def required_items(self, grade: str | None) -> tuple[str, ...]:
        """The keys `grade` may not mark not applicable, in form order."""
        return tuple(k for k, item in self.CHECKLIST.items() if not item.is_na_allowed(grade))
