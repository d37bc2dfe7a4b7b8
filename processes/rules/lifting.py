"""Lifting rules (GB 30871-2022 clause 9 and note 3 of table B.1).

From `data/lifting.json`: the mass band that grades a lift (the table itself is
`bpmn/lifting_grade.dmn`), whether only a risk analysis is needed (< 10 t), whether a lift
plan is required (一级 and 二级, i.e. 40 t or more, and complex loads), and the share of its
rating each crane may carry in a tandem lift (80 %).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from processes.rules import data
from processes.rules.checklist import checklist_of

_LIFTING: Final = data.load("lifting.json")

GRADES: Final[Mapping[str, str]] = MappingProxyType(
    {g["key"]: g["label_zh"] for g in _LIFTING["grades"]})
"""Grade key (grade1, grade2, grade3) → Chinese label."""
_BANDS: Final = _LIFTING["mass_bands"]["items"]
RISK_ANALYSIS_ONLY_BELOW_T: Final = float(_LIFTING["risk_analysis_only"]["below_t"])
LIFT_PLAN_FROM_T: Final = float(_LIFTING["lift_plan"]["from_t"])
TANDEM_MAX_SHARE: Final = float(_LIFTING["tandem"]["max_share_of_rating"])

CHECKLIST: Final = checklist_of("lifting").CHECKLIST
"""The 20 items of Form A.5 by key, in form order."""


def mass_band(load_t: float) -> str:
    """`heavy` (> 100 t), `medium` (40–100 t) or `light` (< 40 t)."""
    for band in _BANDS:
        if "above_t" in band and load_t > band["above_t"]:
            return str(band["band"])
        if "from_t" in band and load_t >= band["from_t"]:
            return str(band["band"])
    return str(_BANDS[-1]["band"])


def is_risk_analysis_only(load_t: float) -> bool:
    """Under 10 t a lift needs no approval, only a recorded risk analysis (B.1 note 3)."""
    return load_t < RISK_ANALYSIS_ONLY_BELOW_T


def needs_lift_plan(load_t: float, complex_load: bool = False) -> bool:
    """An approved lift plan for 40 t or more, and for complex, flexible, slender or
    precious loads of any mass (9.2)."""
    return load_t >= LIFT_PLAN_FROM_T or complex_load


@dataclass(frozen=True)
class Crane:
    name: str
    rated_capacity_t: float
    load_share_t: float | None = None


def crane_problems(load_t: float, cranes: Sequence[Crane]) -> dict[str, str]:
    """Capacity problems by field path (`cranes.<i>.<field>`, or `cranes`); empty if fine.

    One crane carries the whole load within its rating. In a tandem lift each crane names
    its share, carries at most 80 % of its rating (9.3), and the shares cover the load.
    """
    problems: dict[str, str] = {}
    if len(cranes) == 1:
        crane = cranes[0]
        if load_t > crane.rated_capacity_t:
            problems["cranes.0.rated_capacity_t"] = (
                f"吊物{load_t:g} t超过{crane.name}额定起重量{crane.rated_capacity_t:g} t / "
                f"the load exceeds the crane's rated capacity")
        return problems
    total = 0.0
    for i, crane in enumerate(cranes):
        if crane.load_share_t is None:
            problems[f"cranes.{i}.load_share_t"] = (
                "多机抬吊须填写每台起重机分担的质量 / a tandem lift names each crane's share")
            continue
        total += crane.load_share_t
        limit = TANDEM_MAX_SHARE * crane.rated_capacity_t
        if crane.load_share_t > limit + 1e-9:
            problems[f"cranes.{i}.load_share_t"] = (
                f"{crane.name}分担{crane.load_share_t:g} t，超过额定起重量的"
                f"{TANDEM_MAX_SHARE:.0%}（{limit:g} t）（GB 30871 9.3）/ over "
                f"{TANDEM_MAX_SHARE:.0%} of its rating in a tandem lift")
    if not problems and total + 1e-9 < load_t:
        problems["cranes"] = (f"各起重机分担合计{total:g} t，小于吊物质量{load_t:g} t / the "
                              f"shares do not add up to the load")
    return problems
