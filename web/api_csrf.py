"""CSRF for API v1 writes that ride on the login session cookie.

A page's script calls API v1 with the person's session cookie; a foreign site could make the
browser send the same cookie with a forged POST (claim a task, confirm a pre-work item).
So a write (POST/PUT/PATCH/DELETE) under ``/api/`` that is authenticated by the cookie alone
must carry Flask-WTF's token in an ``X-CSRFToken`` header, which a foreign page can neither
read nor set cross-origin. The pages put the token in ``<meta name="csrf-token">`` and the
shared fetch helper (``static/js/shared.js``) sends it.

A request with ``Authorization: Bearer …`` is not checked: browsers never attach that header
by themselves, and ``web.auth.current_person`` then ignores the cookie entirely. Requests with
no logged-in session are not checked either: they act as nobody, and the view answers 401
where a login is needed. The check holds whether or not ``WTF_CSRF_ENABLED`` is set (the
tests switch form tokens off for convenience; the API's protection stays on).
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: writes that do not act as the session's person (exchanging a password for a token)
EXEMPT_ENDPOINTS = frozenset({"api.token"})

MESSAGE = ("缺少或无效的 CSRF 令牌：用登录会话调用 API 写操作时须带 X-CSRFToken 请求头"
           "（取自页面的 <meta name=\"csrf-token\">，请刷新页面后重试），或改用 "
           "Authorization: Bearer 令牌 / missing or invalid CSRF token: an API write made "
           "with the login session needs the X-CSRFToken header (from the page's "
           "<meta name=\"csrf-token\">; reload the page and try again), or use an "
           "Authorization: Bearer token")


class CsrfRefused(Exception):
    """A cookie-authenticated API write without a valid token; mapped to 403 in web/errors."""

    def __init__(self, reason: str = MESSAGE):
        super().__init__(reason)
        self.reason = reason


def needs_token() -> bool:
    """Whether this request is an API write that only the session cookie authenticates."""
    if request.method not in WRITES or request.blueprint != "api":
        return False
    if request.endpoint in EXEMPT_ENDPOINTS:
        return False
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return False
    return bool(current_user and current_user.is_authenticated)


def header_token() -> str | None:
    for name in current_app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"]):
        value = request.headers.get(name)
        if value:
            return value
    return None


def check_api_csrf() -> None:
    """Refuse (403, nothing changes) a cookie-only API write without a valid token."""
    if not needs_token():
        return
    token = header_token()
    if not token:
        raise CsrfRefused()
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise CsrfRefused() from exc


def init_app(app: Flask) -> None:
    app.before_request(check_api_csrf)
