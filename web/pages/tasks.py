"""One task: its form rendered from the step's JSON Schema, and completing it."""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import (
    FormValidationError,
    HumanTask,
    StaleInstance,
    StepRefused,
    TaskNotReady,
    clock,
    conflicts,
    db,
)
from processes import claims, roster, tasks
from processes.errors import NotAllowed, TaskClaimed, ValidationFailed
from processes.models import Permit

from .. import get_engine
from ..errors import audit_refusal
from . import bp, labels, schema_form
from .auth import me
from .form_errors import longest_prefix, place


def form_position(form: Any) -> dict[str, float] | None:
    """Where the phone was when the step was done (approvers sign at the work site)."""
    try:
        lat, lon = float(form.get("_lat") or ""), float(form.get("_lon") or "")
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    return {"lat": lat, "lon": lon}


def _revision(form: Any) -> int | None:
    text = (form.get("revision") or "").strip()
    return int(text) if text.isdigit() else None


def _render(task: HumanTask, permit: Permit, values: dict[str, Any],
            errors: dict[str, list[str]], revision: int | None, status: int = 200, *,
            refusal: str | None = None) -> Any:
    schema = get_engine().form_schema(task)
    zone = ZoneInfo(roster.timezone_of(db.session, permit.site_code))
    root = schema_form.build(schema, values, zone=zone, person_id=me().id,
                             now_local=clock.now().astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
    placed = place(errors, longest_prefix(f.path for f in root.walk() if f.path))
    title = labels.step_name(task.name, task.bpmn_id)
    holder = tasks.holder_name(db.session, task.claimed_by) if task.claimed_by else None
    return render_template("task.html", task=task, permit=permit, root=root, errors=placed,
                           revision=revision, title=title, holder=holder,
                           held_by_other=task.claimed_by not in (None, me().username),
                           refusal=refusal,
                           may_release=claims.may_release_others(me(), permit),
                           wants_position=task.bpmn_id.startswith("approve")
                           or task.bpmn_id == "watcher_sign_in"), status


def _conflict(permit: Permit) -> Any:
    """Someone else completed the step or moved the permit on: say so, offer the way back."""
    return render_template(
        "error.html", status=409, errors={"conflict": [_("该步骤已被他人处理，请刷新")]},
        back_url=url_for("pages.permit_detail", permit_id=permit.id),
        back_label=_("返回作业票")), 409


@bp.get("/tasks/<task_id>")
@login_required
def task_form(task_id: str) -> Any:
    task, permit = tasks.get_task(db.session, get_engine(), task_id)
    if task.status != "open":
        return render_template("task_done.html", task=task, permit=permit,
                               title=labels.step_name(task.name, task.bpmn_id))
    reason = tasks.may_complete(me(), task, permit)
    if reason and not (task.claimed_by and claims.may_release_others(me(), permit)):
        raise NotAllowed(reason)
    revision = permit.instance.revision if permit.instance else None
    # a safety manager may open someone else's claimed task to release it, not to do it
    return _render(task, permit, task.data or {}, {}, revision, refusal=reason)


@bp.post("/tasks/<task_id>")
@login_required
def task_submit(task_id: str) -> Any:
    task, permit = tasks.get_task(db.session, get_engine(), task_id)
    if task.status != "open":
        return _conflict(permit)
    zone = ZoneInfo(roster.timezone_of(db.session, permit.site_code))
    data = schema_form.parse(get_engine().form_schema(task), request.form, zone=zone)
    revision = _revision(request.form)
    try:
        tasks.complete(db.session, get_engine(), task_id, data, person=me(),
                       expected_revision=revision, position=form_position(request.form))
        # what the answer needs, read before the commit: afterwards nothing may fail
        step, permit_id = labels.step_name(task.name, task.bpmn_id), permit.id
        conflicts.commit(db.session, permit.instance_id)
    except (FormValidationError, ValidationFailed) as exc:
        db.session.rollback()
        return _rerender(task_id, data, exc.errors, revision)
    except StepRefused as exc:
        db.session.rollback()
        audit_refusal(exc)
        return _rerender(task_id, data, exc.errors, revision)
    except TaskClaimed as exc:
        db.session.rollback()
        return render_template(
            "error.html", status=409, errors={"conflict": [exc.reason]},
            back_url=url_for("pages.task_form", task_id=task_id),
            back_label=_("返回任务")), 409
    except (StaleInstance, TaskNotReady):
        db.session.rollback()
        return _conflict(tasks.get_task(db.session, get_engine(), task_id)[1])
    flash(_("已完成：%(step)s", step=step), "success")
    return redirect(url_for("pages.permit_detail", permit_id=permit_id))


def _rerender(task_id: str, data: dict[str, Any], errors: dict[str, list[str]],
              revision: int | None) -> Any:
    task, permit = tasks.get_task(db.session, get_engine(), task_id)
    return _render(task, permit, data, errors, revision, status=422)
