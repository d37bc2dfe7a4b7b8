"""Bearer tokens: get one for a username and password, give it back when done."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine import db
from processes import accounts

from ..auth import Unauthorized, bearer_token, issue_token
from ..throttle import policy
from . import bp, load
from .schemas import TokenRequest


@bp.post("/auth/token")
def token() -> Any:
    """Exchange a username and password for a bearer token (failures are throttled)."""
    body = load(TokenRequest())
    result = accounts.attempt(db.session, body["username"], body["password"], policy(),
                              address=request.remote_addr, via="api")
    if result.person is None:
        db.session.commit()  # the count of wrong passwords (and a lock) must stay
        if result.locked_until is not None and result.account is not None:
            until = accounts.local_time(db.session, result.account, result.locked_until)
            return jsonify(errors={"auth": [
                f"连续输错密码次数过多，账号已锁定至 {until}（厂区当地时间），请联系系统管理员解锁"
                f" / too many wrong passwords: the account is locked until {until} (plant "
                f"local time); ask a system administrator to unlock it"]},
                locked_until=result.locked_until.isoformat()), 423
        return jsonify(errors={"auth": ["用户名或密码不正确 / wrong username or password"]}), 401
    value, expires = issue_token(db.session, result.person)
    db.session.commit()
    return jsonify(token=value, expires_at=expires.isoformat())


@bp.delete("/auth/token")
def revoke_token() -> Any:
    """Revoke the bearer token this request carries (logging out a script or an app)."""
    value = bearer_token()
    if not value or not accounts.revoke_token(db.session, value, "logout"):
        raise Unauthorized()
    db.session.commit()
    return "", 204
