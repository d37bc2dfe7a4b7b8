"""Login throttling (Flask-Limiter): failed attempts per user name and per client address.

Only failed attempts count (``deduct_when``): a plant shift logs in hundreds of times from
one gateway address, and a right password must never use up anyone's allowance. The
counters live in Redis when ``REDIS_URL`` is set (shared by every web process, under the
app's namespace), in memory otherwise. The lock after repeated wrong passwords is a
different thing, kept in the database (``processes.accounts``).
"""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import RateLimitItemPerSecond

from engine import db
from processes import accounts, auditing

#: statuses of a refused password (401) or a refused locked account (423): they count
FAILED = (401, 423)

#: the endpoints that check a password
LOGIN_ENDPOINTS = ("pages.login", "api.token")


def init_app(app: Flask) -> None:
    """A limiter of this app's own (its storage and prefix; tests build several apps),
    wrapped around the login views. Call after the blueprints are registered."""
    namespace = app.config.get("REDIS_NAMESPACE", "permitflow")
    redis_url = app.config.get("REDIS_URL")
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    if redis_url:
        # limits' own prefix: reset() then clears this app's counters only
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"key_prefix": f"{namespace}-limits"})
    app.config.setdefault("RATELIMIT_KEY_PREFIX", namespace)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down must not lock the whole plant out: count in memory until it is back.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=get_remote_address, default_limits=[])
    limiter.init_app(app)
    app.extensions["login_limiter"] = limiter
    for endpoint in LOGIN_ENDPOINTS:
        app.view_functions[endpoint] = _login_limits(limiter, app.view_functions[endpoint])


def limiter_of(app: Flask) -> Limiter:
    return app.extensions["login_limiter"]


def reset(app: Flask) -> None:
    """Forget every count (the rate-limit windows, not the locks in the database)."""
    limiter_of(app).reset()


def policy() -> accounts.Policy:
    return accounts.policy(current_app.config.get("LOGIN_POLICY"))


def _username() -> str:
    if request.is_json:
        body = request.get_json(silent=True)
        name = body.get("username") if isinstance(body, dict) else None
    else:
        name = request.form.get("username")
    return name.strip().lower() if isinstance(name, str) and name.strip() else "-"


def _failed(response: Response) -> bool:
    return response.status_code in FAILED


def retry_seconds(limit: RequestLimit) -> int:
    return max(1, math.ceil(limit.reset_at - time.time()))


def _breached(limit: RequestLimit) -> Response:
    """429 with Retry-After and a message where the person looks (the form, or the API's
    ``errors.auth``); the first breach of a window is audited."""
    seconds = retry_seconds(limit)
    minutes = max(1, math.ceil(seconds / 60))
    by = "username" if limit.limit is not None and "login-username" in limit.key else "address"
    once = RateLimitItemPerSecond(1, max(1, int(limit.limit.get_expiry())))
    if limit.limiter.hit(once, "throttle-audit", limit.key):
        auditing.record(db.session, "auth.throttled", by=None, data={
            "by": by, "username": _username(), "address": get_remote_address(),
            "limit": str(limit.limit), "path": request.path, "retry_after": seconds})
        db.session.commit()
    if request.path.startswith("/api/"):
        response = jsonify(errors={"auth": [
            f"登录失败次数过多，请 {minutes} 分钟后再试 / too many failed logins: try again "
            f"in {minutes} minutes"]})
    else:
        html = render_template("login.html", errors={"form": _(
            "登录失败次数过多，请 %(minutes)d 分钟后再试", minutes=minutes)},
            username=request.form.get("username", ""), next_url=None)
        response = current_app.response_class(html, mimetype="text/html")
    response.status_code = 429
    response.headers["Retry-After"] = str(seconds)
    return response


def _per_username() -> str:
    return policy().failures_per_username


def _per_address() -> str:
    return policy().failures_per_address


def _login_limits(limiter: Limiter, view: Any) -> Any:
    """Both limits on a login view; the page form and the token API share the counters."""
    by_name = limiter.shared_limit(_per_username, scope="login-username", key_func=_username,
                                   deduct_when=_failed, on_breach=_breached,
                                   methods=["POST"])
    by_address = limiter.shared_limit(_per_address, scope="login-address",
                                      key_func=get_remote_address, deduct_when=_failed,
                                      on_breach=_breached, methods=["POST"])
    return by_address(by_name(view))
