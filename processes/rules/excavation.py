"""Excavation rules (GB 30871-2022 clause 11).

From `data/excavation.json`: what counts as 动土 (0.5 m or deeper, or any filling and
levelling with machines), and when the confined-space rules apply too (deeper than 1.2 m
near buried flammable or toxic lines or manholes).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from processes.rules import data
from processes.rules.checklist import checklist_of

_EXCAVATION: Final = data.load("excavation.json")

MIN_DEPTH_M: Final = float(_EXCAVATION["definition"]["min_depth_m"])
CONFINED_SPACE_DEPTH_M: Final = float(_EXCAVATION["confined_space_rules"]["deeper_than_m"])
COUNTERSIGNS: Final[Mapping[str, str]] = MappingProxyType(
    {d["key"]: d["role"] for d in _EXCAVATION["countersign_departments"]["items"]})
"""Department key → the role that countersigns for it (Form A.7 会签)."""

CHECKLIST: Final = checklist_of("excavation").CHECKLIST
"""The 11 items of Form A.7 by key, in form order."""


def is_excavation(depth_m: float, machines: bool) -> bool:
    """True for 0.5 m or deeper, or for any work with machines (filling, levelling)."""
    return depth_m >= MIN_DEPTH_M or machines


def needs_confined_space_permit(depth_m: float, near_buried_lines: bool) -> bool:
    """Deeper than 1.2 m near buried flammable or toxic lines or manholes (clause 11)."""
    return near_buried_lines and depth_m > CONFINED_SPACE_DEPTH_M
