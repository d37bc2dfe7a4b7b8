"""动土作业 — excavation (GB 30871-2022 clause 11)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..errors import ValidationFailed
from ..models import Permit
from ..rules import excavation as rules
from .base import PermitTypeRules
from .screening import Refusals, at_night, check_upload, check_window, related_of_type

CONFINED_SPACE = "confined_space"


class Excavation(PermitTypeRules):
    key = "excavation"
    checklist = rules
    # GB 30871 names no special-operation certificate for diggers; the watcher's training
    # certificate is still checked, and machine operators fall under their own regimes.
    workers_need_certificate = False

    def facts(self, session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
        """Refuses work that is not 动土 (under 0.5 m, by hand) and deep work near buried
        flammable or toxic lines without a standing confined-space permit (clause 11, 4.6)."""
        facts = super().facts(session, permit, now)
        fields = permit.fields or {}
        depth = float(fields.get("depth_m") or 0)
        machines = bool(fields.get("machines"))
        near_lines = bool(fields.get("near_buried_lines"))
        refusals = Refusals()
        if not rules.is_excavation(depth, machines):
            refusals.add("fields.depth_m",
                         f"深度{depth:g} m小于{rules.MIN_DEPTH_M:g} m且不使用机械，不属于动土作业"
                         f"（GB 30871第3章），无需办理动土作业票 / {depth:g} m by hand is "
                         f"shallower than {rules.MIN_DEPTH_M:g} m: not excavation under GB 30871",
                         "not_excavation")
        check_upload(refusals, session, "sketch", fields.get("sketch"), "作业范围示意图")
        confined = rules.needs_confined_space_permit(depth, near_lines)
        related = related_of_type(session, permit, CONFINED_SPACE) if confined else []
        if confined and not related:
            named = ", ".join(permit.related_permits or []) or "无"
            refusals.add("related_permits",
                         f"深度{depth:g} m超过{rules.CONFINED_SPACE_DEPTH_M:g} m且靠近地下可燃/有毒"
                         f"管线或窨井，按受限空间作业管理：须同时办理受限空间作业票，并在关联票号中"
                         f"填写（GB 30871第11章、4.6；已填：{named}）/ deeper than "
                         f"{rules.CONFINED_SPACE_DEPTH_M:g} m near buried hazardous lines: name a "
                         f"standing confined-space permit of this site in related_permits",
                         "confined_space_permit_required")
        check_window(refusals, permit, self)
        refusals.raise_if_any()
        facts.update({"depth_m": depth, "area_m2": float(fields.get("area_m2") or 0),
                      "machines": machines, "near_buried_lines": near_lines,
                      "confined_space_rules": confined,
                      "confined_space_permits": [p.number for p in related]})
        return facts

    def checklist_conditions(self, permit: Permit) -> frozenset[str]:
        """Confined-space measures (and its permit) when deep near buried lines; safe
        lighting at night (Form A.7)."""
        fields = permit.fields or {}
        found = set()
        if rules.needs_confined_space_permit(float(fields.get("depth_m") or 0),
                                             bool(fields.get("near_buried_lines"))):
            found.add("confined_space_rules")
        if at_night(permit):
            found.add("night")
        return frozenset(found)

    def check_activation(self, session: Session, permit: Permit, now: datetime) -> None:
        """Deep work near buried lines starts only while its confined-space permit is live."""
        fields = permit.fields or {}
        if not rules.needs_confined_space_permit(float(fields.get("depth_m") or 0),
                                                 bool(fields.get("near_buried_lines"))):
            return
        if not related_of_type(session, permit, CONFINED_SPACE, statuses=("active",)):
            raise ValidationFailed({"related_permits": [
                "关联的受限空间作业票尚未生效，动土作业不得开始（GB 30871 4.6）/ the related "
                "confined-space permit is not live yet: the excavation may not start"]},
                code="related_permit_not_live")
