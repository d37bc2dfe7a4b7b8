"""The home page: my open tasks and the permits I am named on."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import login_required

from engine import db
from processes import dashboard, tasks

from . import bp
from .apply import deployed_types
from .auth import me


@bp.get("/")
@login_required
def index() -> Any:
    person = me()
    open_tasks = tasks.inbox(db.session, person)
    can_apply = person.has_role("applicant")
    return render_template(
        "home.html", tasks=open_tasks[:8], task_total=len(open_tasks),
        permits=dashboard.recent_permits(db.session, person, limit=10),
        can_apply=can_apply, apply_types=deployed_types() if can_apply else [])
