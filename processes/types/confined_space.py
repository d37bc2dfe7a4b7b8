"""受限空间作业 — confined-space entry (GB 30871-2022 clause 6).

One approver (所在基层单位, Table B.1), validity 24 h (6.10). The gas test (≤ 30 min before
entry) judges oxygen at 19.5–21 %VOL, or up to 23.5 %VOL when the space is declared
oxygen-enriched, flammables as for hot work and toxics against GBZ 2.1 (6.4), and must cover
every gas the application names. While people are inside the space is monitored, with a
reading logged every 2 h (6.5); the watcher keeps the entry/exit log (6.8).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..models import Permit
from ..rules import confined_space as rules
from ..rules import retest
from ..rules.checklist import checklist_of
from .base import PermitTypeRules


def iso_cycle(interval: timedelta) -> str:
    """An ISO 8601 repeating interval for a boundary timer: ``R/PT2H``, ``R/PT90M``."""
    minutes = int(interval.total_seconds() // 60)
    return f"R/PT{minutes // 60}H" if minutes % 60 == 0 else f"R/PT{minutes}M"


class ConfinedSpace(PermitTypeRules):
    key = "confined_space"
    checklist = checklist_of("confined_space")
    validity_clause = "6.10"
    keeps_entry_log = True  # work and close wait for an empty space

    def named_gases(self, permit: Permit) -> list[str]:
        fields = permit.fields or {}
        return [*fields.get("toxic_gases", []), *fields.get("flammable_gases", [])]

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        facts = super().facts(session, permit, now)
        fields = permit.fields or {}
        facts.update({
            "risk": "high",
            "approvals": 1,
            "oxygen_enriched": bool(fields.get("oxygen_enriched")),
            "wet_or_cramped": bool(fields.get("wet_or_cramped")),
            "named_gases": self.named_gases(permit),
        })
        return facts

    def check_step(self, permit: Permit, step: str, data: dict[str, Any]) -> None:
        """Lamps at most 36 V, at most 12 V in a wet or cramped space (GB 30871 4.13)."""
        if step != "lighting_check" or data.get("voltage_v") is None:
            return
        wet = bool((permit.fields or {}).get("wet_or_cramped"))
        if not rules.is_lighting_voltage_allowed(data["voltage_v"], wet):
            limit = rules.lighting_limit(wet)
            where = "潮湿或狭小空间" if wet else "受限空间"
            raise ValidationFailed({"voltage_v": [
                f"{where}照明电压不得超过{limit:g} V / lighting at most {limit:g} V "
                f"{'in a wet or cramped space ' if wet else ''}(GB 30871 4.13)"]},
                code="lighting_voltage")

    def retest_cycle(self, permit: Permit) -> str:
        interval = retest.monitoring_interval(self.key)
        return iso_cycle(interval) if interval is not None else super().retest_cycle(permit)

    def gas_context(self, permit: Permit) -> dict[str, Any]:
        return {"oxygen_enriched": bool((permit.fields or {}).get("oxygen_enriched")),
                "required_gases": self.named_gases(permit)}

    def checklist_conditions(self, permit: Permit) -> frozenset[str]:
        return frozenset({"hazardous_medium"}) if self.named_gases(permit) else frozenset()
