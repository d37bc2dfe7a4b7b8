"""盲板抽堵作业 — line blinding (GB 30871-2022 clause 7).

One permit = one blind, one action; inserting and removing are separate permits (7.10,
7.11): the application names a single blind on the blind-location drawing and a single
action. Never two blinding jobs on one line at once: an application (and the activation)
is refused while another live permit works on the same line, naming it. The standard sets
no validity, so it is the plant setting in ``data/plant_settings.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..linked import STATUS_ZH
from ..models import Permit
from ..models.permit import LIVE_STATUSES
from ..rules import blind_plate as rules
from ..rules.checklist import checklist_of
from .base import PermitTypeRules

#: a permit in these states has work under way (or not yet closed out) on its line
WORKING = ("active", "suspended", "expired")


def busy_line(session: Session, permit: Permit, *, activating: bool = False) -> Permit | None:
    """Another live blinding permit on the same line at the site, or None.

    At application any live permit blocks the line. At activation only one with work under
    way, or one applied for earlier, does: two applications that slipped past each other
    concurrently then resolve in favour of the first, instead of blocking each other.
    """
    key = rules.line_key((permit.fields or {}).get("line_id", ""))
    rows = session.execute(select(Permit).where(
        Permit.site_code == permit.site_code, Permit.type == "blind_plate",
        Permit.status.in_(LIVE_STATUSES), Permit.id != permit.id)
        .order_by(Permit.id)).scalars()
    for other in rows:
        if rules.line_key((other.fields or {}).get("line_id", "")) != key:
            continue
        if not activating or other.status in WORKING or other.id < permit.id:
            return other
    return None


class BlindPlate(PermitTypeRules):
    key = "blind_plate"
    checklist = checklist_of("blind_plate")

    def _refuse_busy_line(self, session: Session, permit: Permit, *,
                          activating: bool = False) -> None:
        other = busy_line(session, permit, activating=activating)
        if other is None:
            return
        line = (permit.fields or {}).get("line_id", "")
        raise ValidationFailed({"fields.line_id": [
            f"管线 {line} 上已有盲板抽堵作业 {other.number}（"
            f"{STATUS_ZH.get(other.status, other.status)}），同一管道不得同时进行两处及以上盲板"
            f"抽堵作业 / line {line} already has live blinding permit {other.number} "
            f"({other.status}): one blinding job per line at a time (GB 30871 7.10)"]},
            code="line_busy", details=[{"permit": other.number, "status": other.status}])

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        self._refuse_busy_line(session, permit)
        facts = super().facts(session, permit, now)
        fields = permit.fields or {}
        conditions = self.checklist_conditions(permit)
        facts.update({
            "risk": "high" if conditions & {"toxic_medium", "hazardous_area"} else "medium",
            "approvals": 1,
            "action": fields.get("action"),
            "line": rules.line_key(fields.get("line_id", "")),
            "conditions": sorted(conditions),
        })
        return facts

    def check_activation(self, session: Session, permit: Permit, now: datetime) -> None:
        self._refuse_busy_line(session, permit, activating=True)

    def checklist_conditions(self, permit: Permit) -> frozenset[str]:
        fields = permit.fields or {}
        return rules.conditions(hazard_class=permit.area.hazard_class,
                                temperature_c=fields.get("temperature_c"),
                                toxic=bool(fields.get("toxic")),
                                corrosive=bool(fields.get("corrosive")))
