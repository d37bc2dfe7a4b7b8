"""断路作业 — road closure (GB 30871-2022 clause 12)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..models import Permit
from ..rules import road_closure as rules
from .base import PermitTypeRules
from .screening import Refusals, at_night, check_upload, check_window


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
        facts.update({"night_work": self.is_night_work(permit),
                      "affected_unit_count": len(fields.get("affected_units") or [])})
        return facts

    @staticmethod
    def is_night_work(permit: Permit) -> bool:
        """Declared night work, or any part of the window at night (warning lights, 12)."""
        return bool((permit.fields or {}).get("night_work")) or at_night(permit)

    def checklist_conditions(self, permit: Permit) -> frozenset[str]:
        return frozenset({"night"}) if self.is_night_work(permit) else frozenset()
