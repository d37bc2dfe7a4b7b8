"""Road-closure rules (GB 30871-2022 clause 12): the Form A.8 checklist and the departments
that countersign (fire and safety management, for the units the closure affects)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from processes.rules import data
from processes.rules.checklist import checklist_of

_ROAD: Final = data.load("road_closure.json")

COUNTERSIGNS: Final[Mapping[str, str]] = MappingProxyType(
    {d["key"]: d["role"] for d in _ROAD["countersign_departments"]["items"]})
"""Department key → the role that countersigns for it (Form A.8)."""

CHECKLIST: Final = checklist_of("road_closure").CHECKLIST
"""The 4 items of Form A.8 by key, in form order."""
