"""Organizations and legal entities (group edition)."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine import db
from processes import organizations

from ..auth import api_login_required, current_person
from . import bp, load
from .qualification_schemas import LegalEntitySchema, OrganizationSchema


@bp.get("/organizations")
@api_login_required
def list_organizations() -> Any:
    actor = current_person()
    assert actor is not None
    return jsonify(items=[organizations.view(o)
                          for o in organizations.visible(db.session, actor)])


@bp.post("/organizations")
@api_login_required
def add_organization() -> Any:
    """A department, unit, team (under its unit) or contractor firm."""
    actor = current_person()
    assert actor is not None
    org = organizations.add_organization(db.session, load(OrganizationSchema()), actor=actor)
    db.session.commit()
    return jsonify(organizations.view(org)), 201


@bp.get("/legal-entities")
@api_login_required
def list_legal_entities() -> Any:
    return jsonify(items=organizations.legal_entities(db.session))


@bp.post("/legal-entities")
@api_login_required
def add_legal_entity() -> Any:
    actor = current_person()
    assert actor is not None
    body = load(LegalEntitySchema())
    organizations.add_legal_entity(db.session, body, actor=actor)
    db.session.commit()
    found = [e for e in organizations.legal_entities(db.session) if e["code"] == body["code"]]
    return jsonify(found[0]), 201
