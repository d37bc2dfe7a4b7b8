from __future__ import annotations

from typing import Any

from flask import jsonify

from engine import db

from ..auth import authenticate, issue_token
from . import bp, load
from .schemas import TokenRequest


@bp.post("/auth/token")
def token() -> Any:
    """Exchange a username and password for a bearer token."""
    body = load(TokenRequest())
    person = authenticate(db.session, body["username"], body["password"])
    if person is None:
        return jsonify(errors={"auth": ["wrong username or password"]}), 401
    value, expires = issue_token(db.session, person)
    db.session.commit()
    return jsonify(token=value, expires_at=expires.isoformat())
