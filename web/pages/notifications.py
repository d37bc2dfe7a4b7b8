"""Notifications addressed to me or to my roles at my site."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import login_required

from engine import db
from processes import dashboard

from . import bp
from .auth import me


@bp.get("/notifications")
@login_required
def notifications() -> Any:
    return render_template("notifications.html",
                           items=dashboard.notifications_for(db.session, me()))
