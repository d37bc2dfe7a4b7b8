"""动火作业 — hot work (GB 30871-2022 clause 5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..linked import confined_space_problems, related_of_type
from ..models import Permit, Site
from ..rules import hot_work as rules
from .base import PermitTypeRules


class HotWork(PermitTypeRules):
    key = "hot_work"
    checklist = rules

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        """Grade facts of 5.1; refuses outdoor work in force-5 wind that could wait (5.2.15)."""
        facts = super().facts(session, permit, now)
        site = session.get(Site, permit.site_code)
        fields = permit.fields or {}
        wind = int(fields.get("wind_force") or 0)
        if rules.is_outdoor_hot_work_banned(wind, bool(fields.get("outdoor"))) \
                and not fields.get("unavoidable"):
            raise ValidationFailed({"fields.wind_force": [
                f"风力{wind}级：禁止露天动火；确需动火须声明不可推迟并升级管理 / wind force "
                f"{wind}: outdoor hot work is banned unless it cannot wait (GB 30871 5.2.15)"]},
                code="wind_ban")
        if fields.get("in_confined_space"):
            problems = confined_space_problems(session, permit, must_be_active=False)
            if problems:
                raise ValidationFailed({"related_permits": problems},
                                       code="confined_space_permit_missing")
        reasons = rules.upgrade_reasons(
            permit.planned_start, permit.planned_end, outdoor=bool(fields.get("outdoor")),
            wind_force=wind, tz=site.timezone if site else rules.DEFAULT_PLANT_TZ)
        facts.update({
            "running_equipment": bool(fields.get("running_equipment")),
            "tank_farm_dike": bool(fields.get("tank_farm_dike")
                                   or permit.area.is_tank_farm_dike),
            "pipe_rack": bool(fields.get("pipe_rack") or permit.area.is_pipe_rack),
            "upgrade": bool(reasons),
            "upgrade_reasons": reasons,
            "night": rules.NIGHT in reasons,
        })
        return facts

    def check_activation(self, session: Session, permit: Permit, now: datetime) -> None:
        """Hot work inside a confined space starts only while that permit is live (4.6)."""
        inside = bool((permit.fields or {}).get("in_confined_space"))
        if not inside and not related_of_type(session, permit, "confined_space")[0]:
            return
        problems = confined_space_problems(session, permit, must_be_active=True)
        if problems:
            raise ValidationFailed({"related_permits": problems},
                                   code="confined_space_permit_not_live")

    validity_clause = "5.1.5"

    def validity_basis(self) -> dict[str, Any]:
        hours = {key: grade.validity.total_seconds() / 3600
                 for key, grade in rules.GRADES.items()}
        return {"hours": None, "hours_by_grade": hours, "basis": "standard",
                "clause": self.validity_clause,
                "text": "GB 30871-2022 5.1.5：特级、一级动火不超过 8 小时，二级不超过 72 小时 / "
                        "special and grade 1 at most 8 h, grade 2 at most 72 h"}

    def validity(self, permit: Permit) -> timedelta | None:
        return rules.validity(permit.grade or rules.GRADE2)

    def default_grade(self) -> str | None:
        return rules.GRADE2
