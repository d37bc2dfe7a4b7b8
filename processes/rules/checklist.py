"""Form checklists of the permit types without grades (Forms A.2, A.3, A.6, …).

Each item names the BPMN step that confirms it, whether it may be marked not applicable
(不涉及) at all, and the conditions of the job under which it may not (`required_when`:
`hazardous_area`, `toxic_medium`, …). The permit type works the conditions out from the
application; the data is in `data/checklists.json`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from processes.rules import data
from processes.rules.standard import check_permit_type


@dataclass(frozen=True)
class ChecklistItem:
    """One numbered item of a permit form."""

    key: str
    form_item: int
    step: str
    clause: str
    label_zh: str
    label_en: str
    na_allowed: bool
    required_when: frozenset[str]

    def is_na_allowed(self, grade: str | None = None,
                      conditions: Iterable[str] = ()) -> bool:
        """True if the item may be marked not applicable on a job with these conditions.

        `grade` is accepted for symmetry with graded types and ignored.
        """
        return self.na_allowed and not (self.required_when & frozenset(conditions))


@dataclass(frozen=True)
class Checklist:
    """The checklist of one form; `CHECKLIST` keeps the shape `processes.checklists` reads."""

    permit_type: str
    form: str
    CHECKLIST: Mapping[str, ChecklistItem]

    def for_step(self, step: str) -> tuple[ChecklistItem, ...]:
        """The items a step confirms, in form order."""
        return tuple(item for item in self.CHECKLIST.values() if item.step == step)

    @property
    def steps(self) -> tuple[str, ...]:
        """The steps that confirm items, in the order their first item appears."""
        return tuple(dict.fromkeys(item.step for item in self.CHECKLIST.values()))


@cache
def checklist_of(permit_type: str) -> Checklist:
    """The checklist of `permit_type` from `data/checklists.json`.

    Raises:
        UnknownPermitTypeError: not one of the eight types.
        KeyError: the type has no checklist in the data file.
    """
    check_permit_type(permit_type)
    raw = data.load("checklists.json")[permit_type]
    items = {
        item["key"]: ChecklistItem(
            key=item["key"], form_item=item["form_item"], step=item["step"],
            clause=item["clause"], label_zh=item["label_zh"], label_en=item["label_en"],
            na_allowed=item["na_allowed"], required_when=frozenset(item["required_when"]))
        for item in raw["items"]
    }
    return Checklist(permit_type, raw["form"], MappingProxyType(items))
