"""``entries.check_all_out``: nobody finishes or closes a confined-space job while the
entry/exit log shows someone inside (GB 30871 6.8)."""

from __future__ import annotations

from typing import Any

from engine import Refusal, ServiceContext
from processes import entries, permits


def check_all_out(ctx: ServiceContext, permit_id: int) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    problem = entries.all_out_problem(ctx.session, permit)
    if problem is not None:
        raise Refusal({"entries": [problem]}, code="people_inside")
    return {"head_count": 0, "checked_at": ctx.now.isoformat()}


OPERATORS = {"entries.check_all_out": check_all_out}
