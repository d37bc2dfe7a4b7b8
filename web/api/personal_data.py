"""The caller's own personal data: consent to face/GPS sign-in, and what is held about them.

Every route acts on the caller only (``/me``): there is no way to name another person.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import Schema, fields, validate

from engine import clock, db
from processes import personal_data
from processes.supervision import consent

from ..auth import api_login_required, current_person
from . import bp, load


class ConsentRequest(Schema):
    #: the version of the text the person read (GET /me/consent)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    agree = fields.Boolean(required=True, validate=validate.Equal(
        True, error="勾选“我同意”才能记录同意 / send agree: true to give consent"))


def client() -> tuple[str | None, str | None]:
    """Where a consent came from, as the request tells it."""
    return request.remote_addr, request.user_agent.string or None


@bp.get("/me/personal-data")
@api_login_required
def my_personal_data() -> Any:
    person = current_person()
    assert person is not None
    return jsonify(personal_data.held(db.session, person))


@bp.get("/me/consent")
@api_login_required
def my_consent() -> Any:
    person = current_person()
    assert person is not None
    return jsonify(consent.status(db.session, person))


@bp.post("/me/consent")
@api_login_required
def give_consent() -> Any:
    person = current_person()
    assert person is not None
    body = load(ConsentRequest())
    ip, agent = client()
    consent.give(db.session, person, version=body["version"], client_ip=ip,
                 client_agent=agent, now=clock.now())
    db.session.commit()
    return jsonify(consent.status(db.session, person)), 201


@bp.delete("/me/consent")
@api_login_required
def withdraw_consent() -> Any:
    person = current_person()
    assert person is not None
    consent.withdraw(db.session, person, client_ip=request.remote_addr, now=clock.now())
    db.session.commit()
    return jsonify(consent.status(db.session, person))


#: (method, path, summary, request schema, response schema, tag) for the OpenAPI document
OPENAPI = [
    ("get", "/me/personal-data", "What is held about me: consents, sign-in evidence and its "
     "retention, location fixes", None, None, "personal data"),
    ("get", "/me/consent", "The face/GPS consent text in force and whether I agreed", None,
     None, "personal data"),
    ("post", "/me/consent", "Agree to the face/GPS consent text (its version)",
     ConsentRequest, None, "personal data"),
    ("delete", "/me/consent", "Withdraw my face/GPS consent", None, None, "personal data"),
]
