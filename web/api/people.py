"""People, certificates and the certificate catalogue (as far as the credential check needs)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select

from engine import clock, db
from processes import people
from processes.errors import NotAllowed
from processes.models import CertificateType, Person

from ..auth import api_login_required, current_person, hash_password
from . import bp, load
from .schemas import CertificateSchema, PersonSchema


def person_view(person: Person) -> dict[str, Any]:
    today = clock.now().date()
    data = PersonSchema().dump(person)
    data["organization"] = person.organization.name if person.organization else None
    data["certificates"] = [people.certificate_view(c, today) for c in person.certificates]
    return data


@bp.get("/certificate-types")
@api_login_required
def certificate_types() -> Any:
    rows = db.session.execute(select(CertificateType).order_by(CertificateType.code)).scalars()
    return jsonify(items=[{"code": t.code, "name_zh": t.name_zh, "name_en": t.name_en,
                           "validity_years": t.validity_years, "review_years": t.review_years,
                           "review_window_days": t.review_window_days,
                           "authorizes": t.authorizes} for t in rows])


@bp.get("/people")
@api_login_required
def list_people() -> Any:
    actor = current_person()
    assert actor is not None
    query = select(Person).order_by(Person.name)
    if actor.has_role("contractor_admin") and not actor.has_role("admin"):
        query = query.where(Person.organization_id == actor.organization_id)
    elif not actor.has_role("admin", "safety_director") and actor.site_code:
        query = query.where(Person.site_code == actor.site_code)
    return jsonify(items=[PersonSchema().dump(p) for p in db.session.execute(query).scalars()])


@bp.post("/people")
@api_login_required
def add_person() -> Any:
    actor = current_person()
    assert actor is not None
    body = load(PersonSchema())
    person = people.add_person(db.session, body, actor=actor)
    db.session.commit()
    return jsonify(person_view(person)), 201


@bp.get("/people/<int:person_id>")
@api_login_required
def get_person(person_id: int) -> Any:
    actor = current_person()
    assert actor is not None
    person = people.get_person(db.session, person_id)
    if not people.can_view(actor, person):
        raise NotAllowed("you may not see this person's profile")
    return jsonify(person_view(person))


@bp.post("/people/<int:person_id>/certificates")
@api_login_required
def add_certificate(person_id: int) -> Any:
    actor = current_person()
    assert actor is not None
    person = people.get_person(db.session, person_id)
    body = load(CertificateSchema())
    cert = people.add_certificate(db.session, person, body, actor=actor)
    db.session.commit()
    return jsonify(people.certificate_view(cert, clock.now().date())), 201


__all__ = ["hash_password"]
