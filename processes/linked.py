"""Permits of one job, linked by number (GB 30871 4.6: each type its own permit).

- Hot work inside a confined space may start only while the confined-space permit named in
  ``related_permits`` is live (active).
- A temporary supply serving a hot-work or confined-space job lasts as long as that permit
  (10.8): when the served permit ends, a job ends the supply's permit too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import outbox

from .models import Permit

#: a permit in these states is over: nothing may lean on it any more
ENDED = ("closed", "cancelled", "rejected", "expired")
STATUS_ZH = {"applied": "已申请", "approving": "审批中", "approved": "已批准", "active": "作业中",
             "suspended": "已暂停", "expired": "已过期", "closed": "已关闭",
             "rejected": "已驳回", "cancelled": "已取消"}


def normalize(number: str) -> str:
    return (number or "").strip().upper()


def find(session: Session, site_code: str, number: str) -> Permit | None:
    """The permit with this number at the site (numbers are unique per site)."""
    return session.execute(select(Permit).where(Permit.site_code == site_code,
                                                Permit.number == normalize(number))
                           ).scalar_one_or_none()


def related_of_type(session: Session, permit: Permit, permit_type: str
                    ) -> tuple[list[Permit], list[str]]:
    """The related permits of ``permit_type``, and the numbers that match no permit."""
    found, unknown = [], []
    for number in permit.related_permits or []:
        other = find(session, permit.site_code, number)
        if other is None:
            unknown.append(normalize(number))
        elif other.type == permit_type:
            found.append(other)
    return found, unknown


def confined_space_problems(session: Session, permit: Permit, *, must_be_active: bool
                            ) -> list[str]:
    """Why a hot-work job in a confined space may not go on; empty when it may.

    At application the confined-space permit must exist and not be over; at activation it
    must be live (active), GB 30871 4.6.
    """
    spaces, unknown = related_of_type(session, permit, "confined_space")
    problems = [f"关联票号 {n} 不存在 / related permit {n} not found at site "
                f"{permit.site_code}" for n in unknown]
    if not spaces:
        problems.append("受限空间内动火须关联受限空间作业票（关联票号） / hot work inside a "
                        "confined space needs the confined-space permit in related_permits "
                        "(GB 30871 4.6)")
        return problems
    for space in spaces:
        bad = space.status != "active" if must_be_active else space.status in ENDED
        if bad:
            problems.append(
                f"受限空间作业票 {space.number} {STATUS_ZH.get(space.status, space.status)}，"
                f"未生效前不得动火 / confined-space permit {space.number} is {space.status}, "
                f"not live: hot work inside may not start (GB 30871 4.6)")
    return problems


def dependents(session: Session, permit: Permit) -> list[Permit]:
    """Live temporary-power permits that serve ``permit`` (10.8)."""
    if permit.type not in ("hot_work", "confined_space"):
        return []
    rows = session.execute(select(Permit).where(
        Permit.site_code == permit.site_code, Permit.type == "temporary_power",
        Permit.status.not_in(ENDED))).scalars()
    return [p for p in rows if normalize((p.fields or {}).get("served_permit") or "")
            == permit.number]


def announce_end(session: Session, permit: Permit, *, now: datetime) -> int:
    """Queue the ``permit.ended`` job when temporary supplies depend on ``permit``."""
    waiting = dependents(session, permit)
    if waiting:
        outbox.enqueue(session, "permit.ended", {
            "permit_id": permit.id, "number": permit.number, "status": permit.status,
            "dependents": [p.id for p in waiting]}, now=now)
    return len(waiting)
