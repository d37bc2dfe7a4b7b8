"""The inbox: open tasks this person may complete, grouped by permit."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import login_required

from engine import HumanTask, db
from processes import tasks
from processes.models import Permit

from . import bp
from .auth import me


def grouped(rows: list[tuple[HumanTask, Permit]]) -> list[dict[str, Any]]:
    """Keep the inbox order (oldest task first); one group per permit."""
    groups: dict[int, dict[str, Any]] = {}
    for task, permit in rows:
        groups.setdefault(permit.id, {"permit": permit, "tasks": []})["tasks"].append(task)
    return list(groups.values())


@bp.get("/inbox")
@login_required
def inbox() -> Any:
    rows = tasks.inbox(db.session, me())
    return render_template("inbox.html", groups=grouped(rows), total=len(rows))
