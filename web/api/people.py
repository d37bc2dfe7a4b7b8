"""People: registration, the e-profile, certificates, photos; the certificate catalogue."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select

from engine import clock, db
from processes import accounts, catalog, people, profile, roster
from processes.errors import NotAllowed
from processes.models import CertificateType, Person

from ..auth import api_login_required, current_person, hash_password
from . import bp, load
from .certificates import enqueue_verification
from .qualification_schemas import PasswordReset, PersonUpdate
from .schemas import CertificateSchema, PersonSchema


def person_view(person: Person) -> dict[str, Any]:
    """The e-profile (design §4): certificates with colours, three years of jobs by role,
    watcher ratings, the equipment used with its calibration, live access codes."""
    today = roster.local_today(db.session, person.site_code)
    data = PersonSchema().dump(person)
    data.update(profile.build(db.session, person, today, clock.now()))
    data["as_of"] = today.isoformat()
    return data


@bp.get("/certificate-types")
@api_login_required
def certificate_types() -> Any:
    rows = db.session.execute(select(CertificateType).order_by(
        CertificateType.category, CertificateType.family, CertificateType.code)).scalars()
    requirements = {key: catalog.permit_requirements(key) for key in catalog.permit_types()}
    return jsonify(items=[{
        "code": t.code, "name_zh": t.name_zh, "name_en": t.name_en, "category": t.category,
        "family": t.family, "validity_years": t.validity_years,
        "review_years": t.review_years, "extended_review_years": t.extended_review_years,
        "extension_clean_years": t.extension_clean_years,
        "review_window_days": t.review_window_days, "issuer": t.issuer, "basis": t.basis,
        "authorizes": t.authorizes} for t in rows], permit_requirements=requirements)


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


def _visible(person_id: int) -> tuple[Person, Person]:
    actor = current_person()
    assert actor is not None
    person = people.get_person(db.session, person_id)
    if not people.can_view(actor, person):
        raise NotAllowed("you may not see this person's profile")
    return actor, person


@bp.get("/people/<int:person_id>")
@api_login_required
def get_person(person_id: int) -> Any:
    _, person = _visible(person_id)
    return jsonify(person_view(person))


@bp.patch("/people/<int:person_id>")
@api_login_required
def update_person(person_id: int) -> Any:
    """Photo (an upload id), phone, employee number, organization, active, roles (admins);
    deactivation and a role change end the person's sessions and tokens."""
    actor, person = _visible(person_id)
    body = load(PersonUpdate())
    people.update_person(db.session, person, body, actor=actor)
    db.session.commit()
    return jsonify(person_view(person))


@bp.post("/people/<int:person_id>/unlock")
@api_login_required
def unlock_person(person_id: int) -> Any:
    """Lift the temporary lock after wrong passwords (admins, any site)."""
    actor, person = _visible(person_id)
    accounts.unlock(db.session, person, actor=actor)
    db.session.commit()
    return jsonify(person_id=person.id, **accounts.lock_view(db.session, person))


@bp.post("/people/<int:person_id>/password")
@api_login_required
def reset_password(person_id: int) -> Any:
    """An admin sets a new password: every session and token of the person ends."""
    actor, person = _visible(person_id)
    body = load(PasswordReset())
    accounts.reset_password(db.session, person, body["password"], actor=actor)
    db.session.commit()
    return jsonify(person_id=person.id, **accounts.lock_view(db.session, person))


@bp.post("/people/<int:person_id>/certificates")
@api_login_required
def add_certificate(person_id: int) -> Any:
    actor = current_person()
    assert actor is not None
    person = people.get_person(db.session, person_id)
    body = load(CertificateSchema())
    cert = people.add_certificate(db.session, person, body, actor=actor)
    enqueue_verification(cert.id)
    db.session.commit()
    today = roster.local_today(db.session, person.site_code)
    return jsonify(people.certificate_view(cert, today)), 201


__all__ = ["hash_password"]
