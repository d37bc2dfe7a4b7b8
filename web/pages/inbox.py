"""The inbox: my tasks and my groups' tasks, filters, claims, delegation, bulk approval."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import conflicts, db
from processes import bulk, claims, tasks
from processes import inbox as inbox_view
from processes.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from processes.models import Person

from .. import get_engine
from . import bp, labels
from .auth import me
from .tasks import form_position

FILTERS = ("type", "area", "urgency", "grade")


def _filters() -> inbox_view.Filters:
    """The filter form's values; an unknown urgency is refused by name (422 page)."""
    values = {k: (request.args.get(k) or "").strip() or None for k in FILTERS}
    return inbox_view.Filters(**values)


def _back() -> Any:
    """Back where the button was: the inbox as filtered, or the task page (local only)."""
    target = request.form.get("next") or ""
    if not target.startswith(("/inbox", "/tasks/")):
        target = url_for("pages.inbox")
    return redirect(target)


@bp.get("/inbox")
@login_required
def inbox() -> Any:
    filters = _filters()
    person = me()
    view = inbox_view.view(db.session, person, filters)
    bulk_ready = [i for i in view.items if i.bulk_refusal is None and not i.held_by_other]
    releasable = {i.task.id for i in view.items
                  if i.held_by_other and claims.may_release_others(person, i.permit)}
    return render_template("inbox.html", view=view, filters=filters, total=view.total,
                           bulk_ready=bulk_ready, releasable=releasable,
                           back_url=request.full_path.rstrip("?"))


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim_task(task_id: str) -> Any:
    try:
        task = claims.claim(db.session, task_id, person=me())
        step = labels.step_name(task.name, task.bpmn_id)  # read before the commit
        conflicts.commit(db.session, task.instance_id)
        flash(_("已认领：%(step)s", step=step), "success")
    except (Conflict, NotAllowed) as exc:
        db.session.rollback()
        flash(exc.reason, "error")
    return _back()


@bp.post("/tasks/<task_id>/unclaim")
@login_required
def unclaim_task(task_id: str) -> Any:
    try:
        task = claims.unclaim(db.session, task_id, person=me(),
                              reason=request.form.get("reason"))
        step = labels.step_name(task.name, task.bpmn_id)
        conflicts.commit(db.session, task.instance_id)
        flash(_("已退回组待办：%(step)s", step=step), "success")
    except (Conflict, NotAllowed) as exc:
        db.session.rollback()
        flash(exc.reason, "error")
    return _back()


def _delegate_page(task_id: str, *, errors: dict[str, list[str]] | None = None,
                   values: dict[str, Any] | None = None, status: int = 200) -> Any:
    task, permit = tasks.get_task(db.session, get_engine(), task_id)
    if task.status != "open":
        raise NotFound("open task", task_id)
    people = claims.delegates(db.session, task, permit, person=me())
    holder = tasks.holder_name(db.session, task.claimed_by) if task.claimed_by else None
    return render_template("task_delegate.html", task=task, permit=permit, people=people,
                           holder=holder, errors=errors or {}, values=values or {},
                           title=labels.step_name(task.name, task.bpmn_id)), status


@bp.get("/tasks/<task_id>/delegate")
@login_required
def delegate_form(task_id: str) -> Any:
    return _delegate_page(task_id)


@bp.post("/tasks/<task_id>/delegate")
@login_required
def delegate_task(task_id: str) -> Any:
    values = {"to": request.form.get("to", ""), "reason": request.form.get("reason", "")}
    to = values["to"].strip()
    try:
        if not to.isdigit():
            raise ValidationFailed({"to": [_("请选择转办给谁")]})
        task = claims.delegate(db.session, task_id, person=me(), to_person_id=int(to),
                               reason=values["reason"])
        step = labels.step_name(task.name, task.bpmn_id)
        target = db.session.get(Person, int(to))
        target_name = target.name if target else to
        conflicts.commit(db.session, task.instance_id)
    except ValidationFailed as exc:
        db.session.rollback()
        return _delegate_page(task_id, errors=exc.errors, values=values, status=422)
    except (Conflict, NotAllowed) as exc:
        db.session.rollback()
        return _delegate_page(task_id, errors={"_form": [exc.reason]}, values=values,
                              status=409 if isinstance(exc, Conflict) else 403)
    flash(_("已转办给 %(name)s：%(step)s", name=target_name, step=step), "success")
    return redirect(url_for("pages.inbox"))


@bp.post("/inbox/bulk-approve")
@login_required
def bulk_approve() -> Any:
    task_ids = [t for t in request.form.getlist("task_ids") if t]
    if not task_ids:
        flash(_("请先勾选要批准的任务"), "error")
        return _back()
    try:
        outcomes = bulk.approve(db.session, get_engine(), task_ids, person=me(),
                                comment=request.form.get("comment"),
                                position=form_position(request.form))
        # the page is rendered before the commit: afterwards nothing may fail
        page = render_template("inbox_bulk.html", outcomes=outcomes,
                               approved=sum(o.approved for o in outcomes),
                               refused=sum(not o.approved for o in outcomes))
        conflicts.commit(db.session)
    except ValidationFailed as exc:
        db.session.rollback()
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "error")
        return _back()
    return page
