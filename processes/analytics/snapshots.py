"""Compliance snapshots of finished permits, kept current incrementally.

A permit's compliance rate needs its tasks and evidence (several queries); a dashboard
over a million jobs cannot do that per request. So once a permit has ended its numbers
are written to ``compliance_snapshot`` (and its skipped nodes to ``compliance_miss``)
together with the grouping keys, and the dashboard aggregates that one table. A permit
that changes after its snapshot (``updated_at`` later) is snapshotted again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from engine import clock

from .. import compliance as permit_compliance
from ..models import ComplianceMiss, ComplianceSnapshot, Permit
from . import slots

#: statuses after which a permit's evidence no longer grows
ENDED = ("closed", "expired", "cancelled", "rejected")


def deadline(permit: Permit) -> datetime:
    """When the permit had to be closed: its validity end, else the planned end."""
    return permit.valid_until or permit.planned_end


def on_time(permit: Permit) -> int | None:
    """1 closed by the deadline, 0 closed late or expired unclosed, None not counted."""
    if permit.status == "closed" and permit.closed_at is not None:
        return int(permit.closed_at <= deadline(permit))
    if permit.status == "expired":
        return 0
    return None


def snapshot(session: Session, permit: Permit, *, now: datetime | None = None
             ) -> ComplianceSnapshot:
    now = now or clock.now()
    result = permit_compliance.of_permit(session, permit)
    tz = slots.site_zone(session, permit.site_code)
    month = slots.local_month(permit.planned_start, tz)
    row = session.get(ComplianceSnapshot, permit.id) or ComplianceSnapshot(permit_id=permit.id)
    row.site_code, row.type, row.contractor_id = permit.site_code, permit.type, \
        permit.contractor_id
    row.local_month, row.planned_start, row.status = month, permit.planned_start, permit.status
    row.required, row.executed = len(result.required), len(result.executed)
    row.on_time, row.computed_at = on_time(permit), now
    session.add(row)
    session.flush()
    session.execute(delete(ComplianceMiss).where(ComplianceMiss.permit_id == permit.id))
    for node in dict.fromkeys(result.missing):
        session.add(ComplianceMiss(permit_id=permit.id, node=node, type=permit.type,
                                   site_code=permit.site_code, local_month=month))
    return row


def stale(session: Session, *, limit: int | None = None) -> list[Permit]:
    """Ended permits without a snapshot, or changed since theirs."""
    query = (select(Permit).outerjoin(ComplianceSnapshot,
                                      ComplianceSnapshot.permit_id == Permit.id)
             .where(Permit.status.in_(ENDED),
                    or_(ComplianceSnapshot.permit_id.is_(None),
                        ComplianceSnapshot.computed_at < Permit.updated_at))
             .order_by(Permit.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())


def refresh(session: Session, *, limit: int | None = None) -> int:
    """Snapshot what is stale; returns how many. The caller commits."""
    permits = stale(session, limit=limit)
    now = clock.now()
    for permit in permits:
        snapshot(session, permit, now=now)
    session.flush()
    return len(permits)
