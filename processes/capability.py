"""The certificate ledger (filters, colours) and the capability matrix (people × types).

The status colour is computed in SQL with the same rule as ``certificates.status_of``
(the nearer of review and expiry; inclusive dates), so the ledger can filter and page
by colour. The matrix counts holders per type and holders of composite qualifications:
usable certificates in two or more trades (e.g. high-voltage electrician + a
hazardous-chemical process), the customer's "23 of 860".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from . import certificates, people
from .errors import NotAllowed
from .models import Certificate, CertificateType, Organization, Person

#: the in-house watcher certificate is not a trade: it does not make a qualification composite
NOT_A_TRADE = ("watcher",)
MATRIX_ROLES = ("admin", "safety_director", "safety_dept", "plant_leader", "unit_approver",
                "specialist", "team_leader", "contractor_admin")


def next_due_sql() -> Any:
    return case((and_(Certificate.review_due_on.is_not(None),
                      Certificate.review_due_on < Certificate.expires_on),
                 Certificate.review_due_on), else_=Certificate.expires_on)


def colour_filter(colour: str, today: date) -> Any:
    due = next_due_sql()
    horizon = today + timedelta(days=certificates.WARNING_DAYS)
    if colour == "red":
        return or_(Certificate.voided.is_(True), due < today)
    if colour == "yellow":
        return and_(Certificate.voided.is_(False), due >= today, due <= horizon)
    return and_(Certificate.voided.is_(False), due > horizon)


def scoped_people(actor: Person) -> Any:
    """People the actor may list: their firm (contractor admin), their site, or all."""
    query = select(Person.id)
    if actor.has_role("contractor_admin") and not actor.has_role("admin"):
        return query.where(Person.organization_id == actor.organization_id)
    if not actor.has_role("admin", "safety_director") and actor.site_code:
        return query.where(Person.site_code == actor.site_code)
    return query


@dataclass
class LedgerPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int


def ledger(session: Session, actor: Person, today: date, *, status: str | None = None,
           type_code: str | None = None, family: str | None = None,
           organization_id: int | None = None, site: str | None = None,
           person_id: int | None = None, q: str | None = None,
           due_within_days: int | None = None, page: int = 1, per_page: int = 50
           ) -> LedgerPage:
    """Certificates in the actor's scope, nearest due date first."""
    query = (select(Certificate).join(Person, Person.id == Certificate.person_id)
             .join(CertificateType, CertificateType.code == Certificate.type_code)
             .where(Certificate.person_id.in_(scoped_people(actor))))
    if status:
        query = query.where(colour_filter(status, today))
    if type_code:
        query = query.where(Certificate.type_code == type_code)
    if family:
        query = query.where(CertificateType.family == family)
    if organization_id is not None:
        query = query.where(Person.organization_id == organization_id)
    if site:
        query = query.where(Person.site_code == site)
    if person_id is not None:
        query = query.where(Certificate.person_id == person_id)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Person.name.like(like), Certificate.number.like(like),
                                Person.employee_no.like(like)))
    if due_within_days is not None:
        query = query.where(next_due_sql() <= today + timedelta(days=due_within_days))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(query.order_by(next_due_sql(), Certificate.id)
                           .offset((page - 1) * per_page).limit(per_page)).scalars().all()
    items = []
    for cert in rows:
        view = people.certificate_view(cert, today)
        view["person"] = {"id": cert.person.id, "name": cert.person.name,
                          "employee_no": cert.person.employee_no,
                          "organization": cert.person.organization.name
                          if cert.person.organization else None,
                          "site": cert.person.site_code}
        items.append(view)
    return LedgerPage(items, total, page, per_page)


def matrix(session: Session, actor: Person, today: date, *, site: str | None = None,
           organization_id: int | None = None) -> dict[str, Any]:
    """People × certificate types with the best colour each person holds."""
    if not actor.has_role(*MATRIX_ROLES):
        raise NotAllowed("the capability matrix is for managers and the safety department")
    types = list(session.execute(select(CertificateType).order_by(
        CertificateType.family, CertificateType.code)).scalars())
    family_of = {t.code: t.family for t in types}
    query = (select(Person).where(Person.active.is_(True), Person.id.in_(scoped_people(actor)))
             .order_by(Person.name))
    if site:
        query = query.where(Person.site_code == site)
    if organization_id is not None:
        query = query.where(Person.organization_id == organization_id)
    rank = {"green": 2, "yellow": 1, "red": 0}
    holders: Counter[str] = Counter()
    combos: Counter[tuple[str, ...]] = Counter()
    composite = 0
    rows = []
    orgs = {o.id: o.name for o in session.execute(select(Organization)).scalars()}
    for person in session.execute(query).scalars():
        cells: dict[str, str] = {}
        for cert in person.certificates:
            colour = certificates.status_of(cert, today).colour
            if cert.type_code not in cells or rank[colour] > rank[cells[cert.type_code]]:
                cells[cert.type_code] = colour
        usable = {code for code, colour in cells.items() if colour != "red"}
        holders.update(usable)
        trades = sorted({family_of[c] for c in usable} - set(NOT_A_TRADE))
        if len(trades) >= 2:
            composite += 1
            combos.update(combinations(trades, 2))
        rows.append({"id": person.id, "name": person.name,
                     "organization": orgs.get(person.organization_id),
                     "site": person.site_code, "cells": cells, "trades": trades,
                     "composite": len(trades) >= 2})
    return {
        "as_of": today.isoformat(),
        "types": [{"code": t.code, "name_zh": t.name_zh, "family": t.family,
                   "category": t.category, "holders": holders.get(t.code, 0)} for t in types],
        "people": rows,
        "totals": {"people": len(rows), "composite_holders": composite,
                   "composite_share": round(composite / len(rows), 4) if rows else 0.0},
        "combinations": [{"trades": list(pair), "holders": n}
                         for pair, n in combos.most_common()],
    }
