"""What a person sees first: the permits they are named on and the notifications for them."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .models import Notification, Permit, PermitWorker, Person


def recent_permits(session: Session, person: Person, *, limit: int = 10) -> list[Permit]:
    """Permits where the person is applicant, worker or watcher, newest first."""
    named = select(PermitWorker.permit_id).where(PermitWorker.person_id == person.id)
    query = (select(Permit)
             .where(or_(Permit.applicant_id == person.id, Permit.watcher_id == person.id,
                        Permit.id.in_(named)))
             .order_by(Permit.created_at.desc(), Permit.id.desc()).limit(limit))
    return list(session.execute(query).scalars())


def notifications_for(session: Session, person: Person, *, limit: int = 100
                      ) -> list[Notification]:
    """Addressed to the person, or to one of their roles at their site, newest first.

    A role notification without a site reaches that role everywhere; a person without a
    site (safety director, admin) sees their roles' notifications of every site.
    """
    conditions = [Notification.person_id == person.id]
    if person.roles:
        role_cond = Notification.role.in_(person.roles)
        if person.site_code is not None:
            role_cond = and_(role_cond, or_(Notification.site_code.is_(None),
                                            Notification.site_code == person.site_code))
        conditions.append(role_cond)
    query = (select(Notification).where(or_(*conditions))
             .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    return list(session.execute(query).scalars())
