"""Log in and out with the session cookie; pick the language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from engine import db
from processes.models import Person

from .. import LANGUAGES
from ..auth import LoginUser, authenticate
from . import bp


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: a crafted ``next`` must not send people elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_url = safe_next(request.values.get("next"))
    errors: dict[str, str] = {}
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        if not username:
            errors["username"] = _("请输入用户名")
        if not password:
            errors["password"] = _("请输入密码")
        if not errors:
            person = authenticate(db.session, username, password)
            if person is None:
                errors["form"] = _("用户名或密码不正确")
            else:
                login_user(LoginUser(person), remember=bool(request.form.get("remember")))
                return redirect(next_url or url_for("pages.index"))
    status = 401 if errors.get("form") else (422 if errors else 200)
    return render_template("login.html", errors=errors, username=username,
                           next_url=next_url), status


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    return redirect(url_for("pages.login"))


@bp.get("/lang/<code>")
def set_language(code: str) -> Any:
    if code in LANGUAGES:
        session["lang"] = code
    back = safe_next(request.args.get("next"))
    return redirect(back or url_for("pages.index"))


def me() -> Person:
    """The logged-in person (views are behind ``login_required``)."""
    return current_user.person
