"""The inbox, claims, delegation, bulk approval and task completion."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from engine import HumanTask, clock, db
from processes import bulk, claims, tasks
from processes import inbox as inbox_view
from processes.errors import NotAllowed, NotFound
from processes.models import Person

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp, load
from .answers import idempotent, respond
from .permits import detail, minimal, summary
from .schemas import PermitSummary, TaskCompletion, TaskSummary
from .schemas_inbox import (
    BulkApproveRequest,
    BulkApproveResponse,
    DelegateRequest,
    InboxQuery,
    InboxResponse,
    InboxTask,
    UnclaimRequest,
)

OPENAPI = [
    ("get", "/tasks", "The caller's inbox: my tasks (claimed by me or bound to me) and group "
     "tasks per role within my site scope; filters type, area, urgency (overdue|due_soon|"
     "normal), grade", None, InboxResponse, "tasks"),
    ("get", "/tasks/{id}", "One task with its form (JSON Schema) and who holds it", None,
     TaskSummary, "tasks"),
    ("post", "/tasks/{id}/complete", "Complete a task; 422 field errors; 409 already done "
     "or claimed by someone else. Send an Idempotency-Key to retry safely: the same key and "
     "request get the first answer back", TaskCompletion, PermitSummary, "tasks"),
    ("post", "/tasks/{id}/claim", "Claim a group task; 409 names who holds it", None,
     InboxTask, "tasks"),
    ("post", "/tasks/{id}/unclaim", "Release a claim (the holder, or an admin / safety "
     "manager of the site)", UnclaimRequest, InboxTask, "tasks"),
    ("post", "/tasks/{id}/delegate", "Hand the task to a person who may complete it (role, "
     "site, four eyes); 422 says why not", DelegateRequest, InboxTask, "tasks"),
    ("get", "/tasks/{id}/delegates", "People the task may be delegated to", None, None,
     "tasks"),
    ("post", "/tasks/bulk-approve", "Approve several low-risk-lane tasks; each is checked "
     "like a single approval and reported approved or refused with the reason (partial "
     "success)", BulkApproveRequest, BulkApproveResponse, "tasks"),
]


def _me() -> Person:
    person = current_person()
    assert person is not None
    return person


def _item(item: inbox_view.Item) -> dict[str, Any]:
    return {**TaskSummary().dump(item.task), "permit": summary(item.permit),
            "claimed_by": item.task.claimed_by, "claimed_by_name": item.holder_name,
            "urgency": item.urgency, "mine": item.mine,
            "bulk_approvable": item.bulk_refusal is None, "bulk_refusal": item.bulk_refusal}


@bp.get("/tasks")
@api_login_required
def inbox() -> Any:
    args = load(InboxQuery(), request.args.to_dict())
    view = inbox_view.view(db.session, _me(), inbox_view.Filters(**args))
    return jsonify(items=[_item(i) for i in view.items],
                   mine=[i.task.id for i in view.mine],
                   groups=[{"lane": lane, "tasks": [i.task.id for i in items]}
                           for lane, items in view.groups],
                   counts=view.counts,
                   facets={"types": view.facets["types"], "grades": view.facets["grades"],
                           "areas": [{"code": c, "name": n} for c, n in view.facets["areas"]]})


def _task_item(task: HumanTask, person: Person) -> dict[str, Any]:
    """One task as the inbox lists it, after a claim changed it."""
    _, permit = tasks.get_task(db.session, get_engine(), task.id)
    holder = task.claimed_by
    return _item(inbox_view.Item(
        task=task, permit=permit, urgency=inbox_view.urgency(task, clock.now()),
        holder_name=tasks.holder_name(db.session, holder) if holder else None,
        mine=holder == person.username, bulk_refusal=bulk.lane_refusal(task, permit)))


@bp.get("/tasks/<task_id>")
@api_login_required
def get_task(task_id: str) -> Any:
    person = _me()
    task, permit = tasks.get_task(db.session, get_engine(), task_id)
    reason = tasks.may_complete(person, task, permit)
    if reason and task.status == "open" and not person.has_role("admin"):
        raise NotAllowed(reason)
    holder = task.claimed_by
    return jsonify({**TaskSummary().dump(task), "permit": summary(permit),
                    "revision": permit.instance.revision if permit.instance else None,
                    "form": get_engine().form_schema(task), "data": task.data,
                    "claimed_by": holder,
                    "claimed_by_name": tasks.holder_name(db.session, holder) if holder
                    else None,
                    "skippable": get_engine().task_properties(task).get("skippable")
                    == "true"})


@bp.post("/tasks/<task_id>/complete")
@api_login_required
@idempotent
def complete(task_id: str) -> Any:
    body = load(TaskCompletion())
    permit = tasks.complete(db.session, get_engine(), task_id, body["data"], person=_me(),
                            expected_revision=body["revision"], position=body["location"])
    return respond(lambda: detail(permit), minimal=lambda: minimal(permit))


@bp.post("/tasks/<task_id>/claim")
@api_login_required
def claim(task_id: str) -> Any:
    person = _me()
    task = claims.claim(db.session, task_id, person=person)
    return respond(lambda: _task_item(task, person))


@bp.post("/tasks/<task_id>/unclaim")
@api_login_required
def unclaim(task_id: str) -> Any:
    person = _me()
    body = load(UnclaimRequest(), request.get_json(silent=True) or {})
    task = claims.unclaim(db.session, task_id, person=person, reason=body["reason"])
    return respond(lambda: _task_item(task, person))


@bp.post("/tasks/<task_id>/delegate")
@api_login_required
def delegate(task_id: str) -> Any:
    person = _me()
    body = load(DelegateRequest())
    task = claims.delegate(db.session, task_id, person=person, to_person_id=body["to"],
                           reason=body["reason"])
    return respond(lambda: _task_item(task, person))


@bp.get("/tasks/<task_id>/delegates")
@api_login_required
def delegates(task_id: str) -> Any:
    person = _me()
    task, permit = tasks.get_task(db.session, get_engine(), task_id)
    if task.status != "open":
        raise NotFound("open task", task_id)
    people = claims.delegates(db.session, task, permit, person=person)
    return jsonify(items=[{"id": p.id, "name": p.name, "username": p.username,
                           "site": p.site_code} for p in people])


@bp.post("/tasks/bulk-approve")
@api_login_required
def bulk_approve() -> Any:
    body = load(BulkApproveRequest())
    outcomes = bulk.approve(db.session, get_engine(), body["task_ids"], person=_me(),
                            comment=body["comment"], position=body["location"])
    return respond(lambda: BulkApproveResponse().dump({
        "approved": sum(o.approved for o in outcomes),
        "refused": sum(not o.approved for o in outcomes),
        "results": [o.as_dict() for o in outcomes]}))
