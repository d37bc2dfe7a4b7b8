"""The permit ledger (作业票台账): filtered, paged lists within the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import NotAllowed
from .models import Permit, Person


@dataclass
class Page:
    items: list[Permit]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def search(session: Session, person: Person, *, status: str | None = None,
           type: str | None = None, site: str | None = None, page: int = 1,
           per_page: int = 20) -> Page:
    """Permits the person may list: their own site (all sites for admin and safety
    director); contractor admins see their staff, not the ledger."""
    if person.has_role("contractor_admin") and not person.has_role("admin"):
        raise NotAllowed("contractor admins see their staff, not the permit list")
    query = select(Permit)
    if status:
        query = query.where(Permit.status == status)
    if type:
        query = query.where(Permit.type == type)
    if site:
        query = query.where(Permit.site_code == site)
    if not person.has_role("admin", "safety_director") and person.site_code:
        query = query.where(Permit.site_code == person.site_code)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, page)
    rows = session.execute(query.order_by(Permit.created_at.desc(), Permit.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).scalars().all()
    return Page(list(rows), total, page, per_page)
