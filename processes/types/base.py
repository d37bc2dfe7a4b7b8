"""What every permit type shares, and the defaults a type may override."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..assessment import crew_incidents
from ..models import Permit

SETTINGS = Path(__file__).resolve().parent.parent / "data" / "plant_settings.json"


@cache
def plant_settings() -> dict[str, Any]:
    """Limits the standard leaves to the plant (validity where GB 30871 names none, …)."""
    return json.loads(SETTINGS.read_text(encoding="utf-8"))


class PermitTypeRules:
    key = ""
    #: a module with CHECKLIST (key → item with is_na_allowed(grade), label_zh) or None
    checklist: Any = None

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        """Facts for the grading/routing tables; raise ValidationFailed to refuse."""
        return {"hazard_class": permit.area.hazard_class,
                "crew_incidents": crew_incidents(session, permit, now),
                "upgrade": False, "upgrade_reasons": []}

    def validity(self, permit: Permit) -> timedelta | None:
        """The longest a permit of this type may stay live; None when unlimited."""
        hours = plant_settings()["validity_hours"].get(self.key)
        return timedelta(hours=hours) if hours else None

    def valid_until(self, permit: Permit, activated_at: datetime) -> datetime:
        """Activation plus the validity, but never after the planned end the approvers
        signed for (GB 30871 4.16: a longer job needs a new permit)."""
        limit = self.validity(permit)
        end = permit.planned_end
        return min(end, activated_at + limit) if limit is not None else end

    def retest_cycle(self, permit: Permit) -> str:
        """ISO 8601 repeating interval for the re-test timer of a live permit."""
        return "R/PT24H"

    def default_grade(self) -> str | None:
        return None

    def check_activation(self, session: Session, permit: Permit, now: datetime) -> None:
        """Raise ValidationFailed when work may not start yet (e.g. a related permit that
        must be live first, GB 30871 4.6). Runs in the step that would make it live."""

    def gas_context(self, permit: Permit) -> dict[str, Any]:
        """Extra context for judging this type's gas readings (e.g. oxygen_enriched)."""
        return {}

    def check_step(self, permit: Permit, step: str, data: dict[str, Any]) -> None:
        """Type rules on a checklist step's other fields (a lamp voltage, …); raise
        ValidationFailed to refuse. Runs before the engine completes the step."""

    def checklist_conditions(self, permit: Permit) -> frozenset[str]:
        """Conditions of the job (hazardous_area, toxic_medium, …) under which checklist
        items that are otherwise "not applicable" must be confirmed."""
        return frozenset()

    #: the clause that sets the validity, when the standard sets one
    validity_clause = ""
    #: whether the watcher logs people in and out (confined space, GB 30871 6.8)
    keeps_entry_log = False

    def validity_basis(self) -> dict[str, Any]:
        """Where the validity limit comes from, for the UI and API: the standard (with its
        clause) or, where GB 30871 names none, the plant's own setting."""
        settings = plant_settings()
        hours = settings["validity_hours"].get(self.key)
        plant = self.key in settings.get("plant_setting_types", [])
        if plant:
            text = (f"GB 30871 未规定有效期，本厂规定不超过 {hours:g} 小时（工厂设置） / the "
                    f"standard sets no validity; plant setting: at most {hours:g} h")
        elif hours:
            text = (f"GB 30871-2022 {self.validity_clause}：不超过 {hours:g} 小时 / at most "
                    f"{hours:g} h")
        else:
            text = ""
        return {"hours": hours, "basis": "plant_setting" if plant else "standard",
                "clause": None if plant else self.validity_clause or None, "text": text}
