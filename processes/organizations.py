"""Organizations: legal entities (group edition), sites, departments, units, teams and
contractor firms. Who belongs where decides who is told about a certificate and who may
see a person (a contractor admin sees only their own firm)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import auditing
from .errors import NotAllowed, ValidationFailed
from .models import LegalEntity, Organization, Person, Site
from .models.people import ORGANIZATION_KINDS


def _admin(actor: Person) -> None:
    if not actor.has_role("admin", "safety_dept", "safety_director"):
        raise NotAllowed("only admins and the safety department change organizations")


def add_legal_entity(session: Session, data: dict[str, Any], *, actor: Person) -> LegalEntity:
    if not actor.has_role("admin"):
        raise NotAllowed("only admins add legal entities")
    if session.get(LegalEntity, data["code"]) is not None:
        raise ValidationFailed({"code": ["a legal entity with this code exists"]})
    entity = LegalEntity(code=data["code"], name=data["name"],
                         credit_code=data.get("credit_code"))
    session.add(entity)
    for code in data.get("sites") or []:
        site = session.get(Site, code)
        if site is None:
            raise ValidationFailed({"sites": [f"unknown site {code!r}"]})
        site.legal_entity_code = entity.code
    session.flush()
    auditing.record(session, "legal_entity.added", by=actor, data={
        "code": entity.code, "name": entity.name, "sites": data.get("sites") or []})
    return entity


def add_organization(session: Session, data: dict[str, Any], *, actor: Person
                     ) -> Organization:
    _admin(actor)
    errors: dict[str, list[str]] = {}
    if data["kind"] not in ORGANIZATION_KINDS:
        errors["kind"] = [f"one of {', '.join(ORGANIZATION_KINDS)}"]
    parent = session.get(Organization, data["parent_id"]) if data.get("parent_id") else None
    if data.get("parent_id") and parent is None:
        errors["parent_id"] = [f"no organization {data['parent_id']}"]
    site = data.get("site") or (parent.site_code if parent else None)
    if site and session.get(Site, site) is None:
        errors["site"] = [f"unknown site {site!r}"]
    entity = data.get("legal_entity") or (parent.legal_entity_code if parent else None)
    if entity is None and site:
        found = session.get(Site, site)
        entity = found.legal_entity_code if found else None
    if data.get("legal_entity") and session.get(LegalEntity, data["legal_entity"]) is None:
        errors["legal_entity"] = [f"unknown legal entity {data['legal_entity']!r}"]
    if session.execute(select(Organization.id).where(
            Organization.name == data["name"], Organization.site_code == site)).first():
        errors["name"] = ["an organization with this name exists at this site"]
    if errors:
        raise ValidationFailed(errors)
    org = Organization(name=data["name"], kind=data["kind"], site_code=site,
                       parent_id=parent.id if parent else None, legal_entity_code=entity,
                       credit_code=data.get("credit_code"))
    session.add(org)
    session.flush()
    auditing.record(session, "organization.added", by=actor, data={
        "organization_id": org.id, "name": org.name, "kind": org.kind, "site": site})
    return org


def visible(session: Session, actor: Person) -> list[Organization]:
    """Contractor admins see their firm; everyone else the whole tree."""
    query = select(Organization).order_by(Organization.kind, Organization.name)
    if actor.has_role("contractor_admin") and not actor.has_role("admin"):
        query = query.where(Organization.id == actor.organization_id)
    return list(session.execute(query).scalars())


def view(org: Organization) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "kind": org.kind, "site": org.site_code,
            "parent_id": org.parent_id, "legal_entity": org.legal_entity_code,
            "credit_code": org.credit_code}


def legal_entities(session: Session) -> list[dict[str, Any]]:
    sites: dict[str, list[str]] = {}
    for site in session.execute(select(Site).order_by(Site.code)).scalars():
        if site.legal_entity_code:
            sites.setdefault(site.legal_entity_code, []).append(site.code)
    return [{"code": e.code, "name": e.name, "credit_code": e.credit_code,
             "sites": sites.get(e.code, [])}
            for e in session.execute(select(LegalEntity).order_by(LegalEntity.code)).scalars()]
