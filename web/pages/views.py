from __future__ import annotations

from typing import Any

from flask import redirect, url_for

from . import bp


@bp.get("/")
def index() -> Any:
    return redirect(url_for("pages.login"))


@bp.get("/login")
def login() -> Any:
    return "login"
