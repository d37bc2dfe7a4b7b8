"""Weather bans on special work (GB 30871-2022 clauses 8 and 9), judged from what the
applicant states on the permit: the wind force (Beaufort) and the weather condition.

The conditions and the bans are data in `data/weather.json`. A ban has no exception:
unlike outdoor hot work (5.2.15), work at height and lifting offer no "upgrade instead".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from processes.rules import data

_WEATHER: Final = data.load("weather.json")

CONDITIONS: Final[Mapping[str, str]] = MappingProxyType(
    {c["key"]: c["label_zh"] for c in _WEATHER["conditions"]})
"""Condition key → Chinese label, in the order a form lists them."""

BEAUFORT_MAX: Final = 17


@dataclass(frozen=True)
class WeatherBan:
    """When a permit type may not be worked: wind at or above a force, or a condition."""

    permit_type: str
    clause: str
    min_wind_force: int
    conditions: frozenset[str]
    outdoor_only: bool


BANS: Final[Mapping[str, WeatherBan]] = MappingProxyType({
    key: WeatherBan(permit_type=key, clause=raw["clause"],
                    min_wind_force=int(raw["min_wind_force"]),
                    conditions=frozenset(raw["conditions"]),
                    outdoor_only=bool(raw["outdoor_only"]))
    for key, raw in _WEATHER["bans"].items()
})


def ban_messages(permit_type: str, *, wind_force: int, weather: str, outdoor: bool = True,
                 work_zh: str = "作业", work_en: str = "work") -> dict[str, str]:
    """Why the weather forbids this work: field name (`wind_force`, `weather`) → message.

    Empty when the work may go ahead, or the type has no weather ban.
    """
    ban = BANS.get(permit_type)
    if ban is None or (ban.outdoor_only and not outdoor):
        return {}
    found: dict[str, str] = {}
    if wind_force >= ban.min_wind_force:
        found["wind_force"] = (
            f"风力{wind_force}级：风力{ban.min_wind_force}级及以上禁止{work_zh}"
            f"（GB 30871 {ban.clause}，无例外）/ wind force {wind_force}: no {work_en} "
            f"at force {ban.min_wind_force} or more")
    if weather in ban.conditions:
        label = CONDITIONS.get(weather, weather)
        found["weather"] = (
            f"{label}天气禁止{work_zh}（GB 30871 {ban.clause}）/ no {work_en} in "
            f"{weather.replace('_', ' ')}")
    return found
