"""断路作业 — road closure (GB 30871-2022 clause 12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..models import Permit, Site
from ..rules import road_closure as rules
from ..rules.calendar import DEFAULT_PLANT_TZ, overlaps_night
from .base import PermitTypeRules
from .screening import Refusals, check_upload, check_window


class RoadClosure(PermitTypeRules):
    key = "road_closure"
    checklist = rules
    # GB 30871 names no special-operation certificate for road-closure crews; the
    # watcher's training certificate is still checked.
    workers_need_certificate = False

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        """Night work (declared, or any part of the window at night) and the number of
        affected units for the routing table."""
        facts = super().facts(session, permit, now)
        fields = permit.fields or {}
        refusals = Refusals()
        check_upload(refusals, session, "sketch", fields.get("sketch"), "断路地段示意图")
        check_window(refusals, permit, self)
        refusals.raise_if_any()
        site = session.get(Site, permit.site_code)
        night = bool(fields.get("night_work")) or overlaps_night(
            permit.planned_start, permit.planned_end, site.timezone if site else DEFAULT_PLANT_TZ)
        facts.update({"night_work": night,
                      "affected_unit_count": len(fields.get("affected_units") or [])})
        return facts
