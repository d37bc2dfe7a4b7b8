"""Contractor temporary access codes: issue (signed, ≤ 72 h, with a QR code), list, revoke."""

from __future__ import annotations

from typing import Any

import segno
from flask import current_app, jsonify, request, url_for

from engine import db
from processes import access, people
from processes.models import AccessCode

from ..auth import api_login_required, current_person
from . import bp, load
from .qualification_schemas import AccessCodeRequest


def code_view(code: AccessCode, token: str | None = None) -> dict[str, Any]:
    data = access.view(db.session, code)
    if token is not None:
        url = url_for("access.show", code=token, _external=True)
        data.update({"code": token, "url": url,
                     "qr_svg": segno.make(url, error="m").svg_inline(scale=4)})
    return data


@bp.post("/access-codes")
@api_login_required
def issue_access_code() -> Any:
    """A signed code for one contractor worker, an explicit scope and ≤ 72 hours; the
    response carries the code, its public URL and the QR code (inline SVG)."""
    actor = current_person()
    assert actor is not None
    body = load(AccessCodeRequest())
    person = people.get_person(db.session, body["person_id"])
    code, token = access.issue(db.session, person, scope=body["scope"],
                               permit_types=body["permit_types"], hours=body["hours"],
                               actor=actor, secret=current_app.config["SECRET_KEY"])
    db.session.commit()
    return jsonify(code_view(code, token)), 201


@bp.get("/access-codes")
@api_login_required
def list_access_codes() -> Any:
    actor = current_person()
    assert actor is not None
    person_id = request.args.get("person_id", type=int)
    secret = current_app.config["SECRET_KEY"]
    return jsonify(items=[code_view(c, access.encode(c, secret))
                          for c in access.listed(db.session, actor, person_id=person_id)])


@bp.post("/access-codes/<int:code_id>/revoke")
@api_login_required
def revoke_access_code(code_id: int) -> Any:
    actor = current_person()
    assert actor is not None
    code = access.revoke(db.session, code_id, actor=actor)
    db.session.commit()
    return jsonify(code_view(code))
