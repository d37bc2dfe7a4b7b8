"""``blind.confirm``: the blind handled is the one on the permit and its drawing (7.4)."""

from __future__ import annotations

from typing import Any

from engine import Refusal, ServiceContext
from processes import permits


def _norm(text: Any) -> str:
    return str(text or "").strip().upper()


def confirm(ctx: ServiceContext, permit_id: int, blind_number: str) -> dict[str, Any]:
    """Refuse the work report when the blind confirmed is not the permit's blind."""
    permit = permits.get(ctx.session, permit_id)
    fields = permit.fields or {}
    if _norm(blind_number) != _norm(fields.get("blind_number")):
        raise Refusal({"blind_number": [
            f"盲板编号 {blind_number} 与作业票不符（应为 {fields.get('blind_number')}，图号 "
            f"{fields.get('drawing_id')}）；一张作业票只能进行一块盲板的一次作业 / blind "
            f"{blind_number} is not this permit's blind: one permit, one blind (GB 30871 7.11)"]},
            code="wrong_blind")
    return {"blind_number": fields.get("blind_number"), "drawing_id": fields.get("drawing_id"),
            "action": fields.get("action"), "confirmed_at": ctx.now.isoformat()}


OPERATORS = {"blind.confirm": confirm}
