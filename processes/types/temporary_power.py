"""临时用电作业 — temporary power (GB 30871-2022 clause 10).

Approved by the power supplier (配送电单位, Table B.1). Use at most 15 days, at most 30 in
special cases with a stated reason; a supply serving a hot-work or confined-space job lasts
as long as that permit and ends with it (10.8). No temporary supply in a running
fire/explosion-hazard area unless it cannot be avoided — then a gas test to the 5.3.2
limits comes first (10.1). Cables and load are checked at application (10.2, 10.5).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, object_session

from ..errors import ValidationFailed
from ..linked import ENDED, STATUS_ZH, find
from ..models import Permit
from ..rules import temporary_power as rules
from ..rules.checklist import checklist_of
from .base import PermitTypeRules

CABLE_TEXT = {
    ("cable_burial_depth_m", "missing"): "直埋敷设须填写埋深 / give the burial depth",
    ("cable_burial_depth_m", "too_shallow"): (
        f"电缆直埋深度不得小于{rules.MIN_BURIAL_DEPTH_M:g} m / buried cable at least "
        f"{rules.MIN_BURIAL_DEPTH_M:g} m deep (GB 30871 10.5)"),
    ("overhead_height_m", "missing"): "架空敷设须填写架设高度 / give the overhead height",
}


class TemporaryPower(PermitTypeRules):
    key = "temporary_power"
    checklist = checklist_of("temporary_power")
    validity_clause = "10.8"

    def served(self, session: Session, permit: Permit) -> Permit | None:
        number = (permit.fields or {}).get("served_permit")
        return find(session, permit.site_code, number) if number else None

    def _problems(self, session: Session, permit: Permit) -> dict[str, list[str]]:
        fields = permit.fields or {}
        errors: dict[str, list[str]] = {}

        def err(key: str, message: str) -> None:
            errors.setdefault(f"fields.{key}", []).append(message)

        if rules.is_hazardous_area(permit.area.hazard_class) and not fields.get("unavoidable"):
            err("unavoidable", "火灾爆炸危险场所内禁止临时用电；确需用电须声明不可避免并经气体检测"
                " / no temporary supply in a fire/explosion-hazard area unless unavoidable, "
                "and then after a gas test (GB 30871 10.1)")
        days = int(fields.get("days") or 0)
        problem = rules.duration_problem(days, fields.get("exceptional_reason"))
        if problem == "needs_reason":
            err("exceptional_reason", f"用电超过{rules.MAX_DAYS}天（最长"
                f"{rules.MAX_DAYS_EXCEPTIONAL}天）须说明特殊原因 / more than {rules.MAX_DAYS} "
                f"days needs a stated reason (GB 30871 10.8)")
        elif problem == "too_long":
            err("days", f"临时用电不得超过{rules.MAX_DAYS_EXCEPTIONAL}天 / at most "
                f"{rules.MAX_DAYS_EXCEPTIONAL} days (GB 30871 10.8)")
        if days and permit.planned_end - permit.planned_start > timedelta(days=days):
            err("days", f"计划时间超过申请的{days}天用电期限 / the planned window is longer than "
                f"the {days} days applied for")
        over_road = bool(fields.get("over_road"))
        for key, code in rules.cable_problems(
                laying=fields.get("cable_laying", []),
                burial_depth_m=fields.get("cable_burial_depth_m"),
                overhead_height_m=fields.get("overhead_height_m"),
                over_road=over_road).items():
            least = rules.min_overhead_height(over_road)
            err(key, CABLE_TEXT.get((key, code)) or (
                f"架空线路高度不得低于{least:g} m / overhead lines at least {least:g} m high"
                f"{' over roads' if over_road else ''} (GB 30871 10.5)"))
        equipment = fields.get("equipment", [])
        if equipment and rules.is_overloaded(fields.get("permitted_kw") or 0, equipment):
            err("equipment", f"用电设备额定功率合计{rules.total_rated_kw(equipment):g} kW，超过许可"
                f"用电功率{fields.get('permitted_kw'):g} kW / rated power exceeds the permitted "
                f"power (Form A.6 item 11)")
        number = fields.get("served_permit")
        if number:
            served = self.served(session, permit)
            if served is None:
                err("served_permit", f"作业票 {number} 不存在 / permit {number} not found")
            elif served.type not in rules.SERVED_TYPES:
                err("served_permit", f"{served.number} 不是动火或受限空间作业票 / not a "
                    f"hot-work or confined-space permit")
            elif served.status in ENDED:
                err("served_permit", f"{served.number} {STATUS_ZH.get(served.status)}，不能再"
                    f"为其供电 / {served.number} is {served.status}")
        return errors

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        errors = self._problems(session, permit)
        if errors:
            raise ValidationFailed(errors, code="temporary_power_refused")
        facts = super().facts(session, permit, now)
        hazardous = rules.is_hazardous_area(permit.area.hazard_class)
        facts.update({"risk": "high" if hazardous else "medium", "approvals": 1,
                      "gas_required": hazardous,
                      "served_permit": (permit.fields or {}).get("served_permit")})
        return facts

    def validity(self, permit: Permit) -> timedelta | None:
        days = (permit.fields or {}).get("days")
        return timedelta(days=int(days)) if days else super().validity(permit)

    def valid_until(self, permit: Permit, activated_at: datetime) -> datetime:
        """Activation plus the days applied for, never past the planned end, and never past
        the life of the permit it serves (10.8)."""
        end = super().valid_until(permit, activated_at)
        session = object_session(permit)
        served = self.served(session, permit) if session is not None else None
        if served is not None:
            end = min(end, served.valid_until or served.planned_end)
        return end

    def check_activation(self, session: Session, permit: Permit, now: datetime) -> None:
        """The served job must not be over; its life bounds this permit's validity."""
        if not (permit.fields or {}).get("served_permit"):
            return
        served = self.served(session, permit)
        if served is None or served.status in ENDED:
            status = served.status if served else "missing"
            raise ValidationFailed({"fields.served_permit": [
                f"所服务的作业票{STATUS_ZH.get(status, '不存在')}，临时用电不能生效 / the served "
                f"permit is {status}: the supply cannot go live (GB 30871 10.8)"]},
                code="served_permit_ended")

    def checklist_conditions(self, permit: Permit) -> frozenset[str]:
        fields = permit.fields or {}
        found = {f"{way}_cable" for way in fields.get("cable_laying", [])}
        if rules.is_hazardous_area(permit.area.hazard_class):
            found.add("hazardous_area")
        return frozenset(found)
