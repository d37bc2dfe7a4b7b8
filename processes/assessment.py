"""Facts about a crew that routing tables of every permit type may use."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Permit, PermitWorker

#: how far back the crew's history counts for routing
HISTORY = timedelta(days=365)
#: outcomes that count against a crew: work stopped by the validity timer or a suspension
BAD_OUTCOMES = ("expired", "suspended")


def crew_incidents(session: Session, permit: Permit, now: datetime) -> int:
    """How many of the crew's permits in the last year ended badly."""
    crew = permit.worker_ids
    if not crew:
        return 0
    query = (select(func.count(func.distinct(Permit.id)))
             .join(PermitWorker, PermitWorker.permit_id == Permit.id)
             .where(PermitWorker.person_id.in_(crew), Permit.id != permit.id,
                    Permit.created_at >= now - HISTORY, Permit.status.in_(BAD_OUTCOMES)))
    return int(session.execute(query).scalar_one())
