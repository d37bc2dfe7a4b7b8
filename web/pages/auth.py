"""Log in and out with the session cookie; pick the language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import db
from processes import accounts
from processes.models import Person

from .. import LANGUAGES
from ..auth import log_in, log_out
from ..throttle import policy
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
    status = 200
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        if not username:
            errors["username"] = _("请输入用户名")
        if not password:
            errors["password"] = _("请输入密码")
        status = 422 if errors else 200
        if not errors:
            result = accounts.attempt(db.session, username, password, policy(),
                                      address=request.remote_addr, via="page")
            if result.person is not None:
                log_in(result.person, remember=bool(request.form.get("remember")))
                db.session.commit()
                return redirect(next_url or url_for("pages.index"))
            if result.locked_until is not None and result.account is not None:
                errors["form"] = _(
                    "连续输错密码次数过多，账号已锁定至 %(until)s（厂区当地时间），"
                    "请联系系统管理员解锁",
                    until=accounts.local_time(db.session, result.account, result.locked_until))
                status = 423
            else:
                errors["form"] = _("用户名或密码不正确")
                status = 401
            db.session.commit()
    return render_template("login.html", errors=errors, username=username,
                           next_url=next_url), status


@bp.post("/logout")
def logout() -> Any:
    log_out()
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
