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
    #: False where GB 30871 names no special-operation certificate for the workers (动土,
    #: 断路): only the watcher's training certificate is checked then (4.10)
    workers_need_certificate = True

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        """Facts for the grading/routing tables; raise ValidationFailed to refuse."""
        return {"hazard_class": permit.area.hazard_class,
                "crew_incidents": crew_incidents(session, permit, now),
                "upgrade": False, "upgrade_reasons": []}

    def validity(self, permit: Permit) -> timedelta | None:
        """The longest a permit of this type may stay live; None when unlimited."""
        hours = plant_settings()["validity_hours"].get(self.key)
        return timedelta(hours=hours) if hours else None

    def validity_basis(self) -> dict[str, Any]:
        """Where this type's longest validity comes from, for API and UI text: the
        standard, or a plant setting where GB 30871 names none (issue 3: say so)."""
        settings = plant_settings()
        hours = settings["validity_hours"].get(self.key)
        plant = self.key in settings.get("plant_setting_types", [])
        if hours is None:
            return {"hours": None, "source": "standard",
                    "note_zh": "有效期由GB 30871按作业级别规定",
                    "note_en": "validity set by GB 30871 per grade"}
        span = f"{hours // 24:g}天" if hours % 24 == 0 else f"{hours:g}小时"
        if plant:
            return {"hours": hours, "source": "plant_setting",
                    "note_zh": f"有效期最长{span}，为本厂设定（GB 30871未规定此类作业票的有效期）",
                    "note_en": f"valid for at most {hours:g} h: a plant setting, GB 30871 "
                               "sets no validity for this permit type"}
        return {"hours": hours, "source": "standard",
                "note_zh": f"有效期最长{span}（GB 30871规定）",
                "note_en": f"valid for at most {hours:g} h (GB 30871)"}

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
