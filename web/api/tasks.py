"""The inbox and task completion."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine import db
from processes import tasks
from processes.errors import NotAllowed

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp, load
from .permits import detail, summary
from .schemas import TaskCompletion, TaskSummary


@bp.get("/tasks")
@api_login_required
def inbox() -> Any:
    person = current_person()
    assert person is not None
    items = []
    for task, permit in tasks.inbox(db.session, person):
        items.append({**TaskSummary().dump(task), "permit": summary(permit)})
    return jsonify(items=items)


@bp.get("/tasks/<task_id>")
@api_login_required
def get_task(task_id: str) -> Any:
    person = current_person()
    assert person is not None
    task, permit = tasks.get_task(db.session, get_engine(), task_id)
    reason = tasks.may_complete(person, task, permit)
    if reason and task.status == "open" and not person.has_role("admin"):
        raise NotAllowed(reason)
    return jsonify({**TaskSummary().dump(task), "permit": summary(permit),
                    "revision": permit.instance.revision if permit.instance else None,
                    "form": get_engine().form_schema(task), "data": task.data,
                    "skippable": get_engine().task_properties(task).get("skippable")
                    == "true"})


@bp.post("/tasks/<task_id>/complete")
@api_login_required
def complete(task_id: str) -> Any:
    person = current_person()
    assert person is not None
    body = load(TaskCompletion())
    permit = tasks.complete(db.session, get_engine(), task_id, body["data"], person=person,
                            expected_revision=body["revision"], position=body["location"])
    db.session.commit()
    return jsonify(detail(permit))
