"""吊装作业 — lifting (GB 30871-2022 clause 9, table B.1 note 3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..models import Permit
from ..rules import lifting as rules
from ..rules import weather
from .base import PermitTypeRules
from .screening import Refusals, check_people, check_upload, check_window


class Lifting(PermitTypeRules):
    key = "lifting"
    checklist = rules

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        """Mass band for the grade table and whether only a risk analysis is needed;
        refuses outdoor lifting in force-6 wind, heavy rain or snow, or dense fog, a missing
        lift plan (40 t or more, complex loads), and cranes loaded beyond their rating."""
        facts = super().facts(session, permit, now)
        fields = permit.fields or {}
        load = float(fields.get("load_t") or 0)
        cranes = [rules.Crane(name=str(c.get("name") or f"#{i + 1}"),
                              rated_capacity_t=float(c.get("rated_capacity_t") or 0),
                              load_share_t=c.get("load_share_t"))
                  for i, c in enumerate(fields.get("cranes") or [])]
        refusals = Refusals()
        banned = weather.ban_messages(self.key, wind_force=int(fields.get("wind_force") or 0),
                                      weather=str(fields.get("weather") or ""),
                                      outdoor=bool(fields.get("outdoor", True)),
                                      work_zh="露天吊装作业", work_en="outdoor lifting")
        for field, message in banned.items():
            refusals.add(f"fields.{field}", message, "weather_ban")
        complex_load = bool(fields.get("complex_load"))
        if rules.needs_lift_plan(load, complex_load) and not fields.get("lift_plan"):
            why = (f"吊物质量{load:g} t（≥{rules.LIFT_PLAN_FROM_T:g} t，一级/二级）" if
                   load >= rules.LIFT_PLAN_FROM_T else "形状复杂、刚度小、长径比大或精密贵重的吊物")
            refusals.add("fields.lift_plan",
                         f"{why}须上传经审批的吊装方案（GB 30871 9.2）/ this lift needs an "
                         f"approved lift plan: upload it", "lift_plan_required")
        check_upload(refusals, session, "lift_plan", fields.get("lift_plan"), "吊装方案")
        for field, message in rules.crane_problems(load, cranes).items():
            refusals.add(f"fields.{field}", message, "crane_overloaded")
        check_people(refusals, session, permit, "riggers", fields.get("riggers") or [], "司索人")
        if fields.get("signal_person") is not None:
            check_people(refusals, session, permit, "signal_person",
                         [fields["signal_person"]], "吊装指挥人员")
        check_window(refusals, permit, self)
        refusals.raise_if_any()
        facts.update({"load_t": load, "mass_band": rules.mass_band(load),
                      "risk_analysis_only": rules.is_risk_analysis_only(load),
                      "tandem": len(cranes) > 1, "lift_plan": bool(fields.get("lift_plan"))})
        return facts

    def default_grade(self) -> str | None:
        return "grade1"

    def checklist_conditions(self, permit: Permit) -> frozenset[str]:
        """A lift plan where one is required; spark arrestors and protection of nearby
        equipment in fire/explosion areas; wind only outdoors (Form A.5)."""
        fields = permit.fields or {}
        found = set()
        if rules.needs_lift_plan(float(fields.get("load_t") or 0),
                                 bool(fields.get("complex_load"))):
            found.add("lift_plan_required")
        if permit.area.hazard_class == "fire_explosion":
            found.add("hazardous_area")
        if fields.get("outdoor", True):
            found.add("outdoor")
        return frozenset(found)
