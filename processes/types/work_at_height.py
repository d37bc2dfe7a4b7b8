"""高处作业 — work at height (GB 30871-2022 clause 8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..models import Permit
from ..rules import weather
from ..rules import work_at_height as rules
from .base import PermitTypeRules, plant_settings
from .screening import Refusals, at_night, check_window


class WorkAtHeight(PermitTypeRules):
    key = "work_at_height"
    checklist = rules
    validity_clause = rules.VALIDITY_CLAUSE

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        """Height band and objective risk factors for the grade table; refuses heights
        under 2 m (not work at height) and wind of force 5 or dense fog (no exception)."""
        facts = super().facts(session, permit, now)
        fields = permit.fields or {}
        height = float(fields.get("working_height_m") or 0)
        declared = list(fields.get("risk_factors") or [])
        refusals = Refusals()
        if not rules.is_work_at_height(height):
            refusals.add("fields.working_height_m",
                         f"作业高度{height:g} m低于{rules.MIN_HEIGHT_M:g} m，不属于高处作业，"
                         f"无需办理高处作业票（GB 30871：距坠落基准面2 m及以上才是高处作业）/ "
                         f"{height:g} m "
                         f"is below {rules.MIN_HEIGHT_M:g} m above the fall reference plane: "
                         f"not work at height", "not_work_at_height")
        banned = weather.ban_messages(self.key, wind_force=int(fields.get("wind_force") or 0),
                                      weather=str(fields.get("weather") or ""),
                                      work_zh="高处作业", work_en="work at height")
        for field, message in banned.items():
            refusals.add(f"fields.{field}", message, "weather_ban")
        if "gust_force_5" in declared:
            refusals.add("fields.risk_factors",
                         "阵风五级及以上禁止高处作业（GB 30871 8.2）/ no work at height in gusts "
                         "of force 5 or more", "weather_ban")
        check_window(refusals, permit, self)
        refusals.raise_if_any()
        factors = rules.risk_factors(
            declared, mean_temperature_c=fields.get("mean_temperature_c"),
            water_temperature_c=fields.get("water_temperature_c"),
            footing_min_mm=fields.get("footing_min_mm"),
            oxygen_percent=fields.get("oxygen_percent"),
            live_voltage_kv=fields.get("live_conductor_voltage_kv"),
            live_distance_m=fields.get("live_conductor_distance_m"))
        facts.update({"height_m": height, "height_band": rules.height_band(height),
                      "risk_factors": factors, "has_risk_factor": bool(factors),
                      # method B grades one band up: the factors are why
                      "upgrade": bool(factors), "upgrade_reasons": factors})
        return facts

    def _limit(self) -> timedelta:
        """Seven days (8.2.11); a plant may set less, never more."""
        hours = plant_settings()["validity_hours"].get(self.key)
        return min(rules.VALIDITY, timedelta(hours=hours)) if hours else rules.VALIDITY

    def validity(self, permit: Permit) -> timedelta | None:
        return self._limit()

    def validity_basis(self) -> dict[str, Any]:
        hours = self._limit().total_seconds() / 3600
        days = f"{hours / 24:g} 天（{hours:g} 小时）" if hours % 24 == 0 else f"{hours:g} 小时"
        return {"hours": hours, "basis": "standard", "clause": rules.VALIDITY_CLAUSE,
                "text": f"GB 30871-2022 {rules.VALIDITY_CLAUSE}：不超过 {days} / at most "
                        f"{hours:g} h"}

    def checklist_conditions(self, permit: Permit) -> frozenset[str]:
        """Above 30 m communication gear; in poor light or at night lighting (Form A.4)."""
        fields = permit.fields or {}
        height = float(fields.get("working_height_m") or 0)
        found = set()
        if rules.is_work_at_height(height) and rules.height_band(height) == 4:
            found.add("above_30m")
        if "poor_light" in (fields.get("risk_factors") or []):
            found.add("poor_light")
        if at_night(permit):
            found.add("night")
        return frozenset(found)

    def default_grade(self) -> str | None:
        return "IV"
