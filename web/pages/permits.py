"""The permit ledger, one permit's page, and cancelling a permit."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from engine import conflicts, db
from processes import catalog, compliance, history, ledger, permits, roster, tasks
from processes.errors import Conflict, NotAllowed, ValidationFailed
from processes.models import Permit
from processes.models.permit import STATUSES

from .. import get_engine
from ..api.schemas import CancelRequest, PermitList
from . import bp, timeline
from .auth import me
from .form_errors import flatten, place

PER_PAGE = 20


@bp.get("/permits")
@login_required
def permit_list() -> Any:
    args = {k: v for k, v in request.args.items() if v and k in ("status", "type", "page")}
    try:
        query = PermitList().load(args)
    except ValidationError:
        query = PermitList().load({k: v for k, v in args.items() if k != "page"})
    status = query["status"] if query["status"] in STATUSES else None
    kind = query["type"] if catalog.permit_type(query["type"] or "") else None
    page = ledger.search(db.session, me(), status=status, type=kind, page=query["page"],
                         per_page=PER_PAGE)
    return render_template("permits.html", page=page, status=status, kind=kind,
                           statuses=STATUSES, types=list(catalog.permit_types()))


def _viewable(permit_id: int) -> Permit:
    permit = permits.get(db.session, permit_id)
    if not permits.can_view(me(), permit):
        raise NotAllowed("this permit belongs to another site")
    return permit


def _render_detail(permit: Permit, *, cancel_errors: dict[str, list[str]] | None = None,
                   reason: str = "", status: int = 200) -> Any:
    session = db.session
    person = me()
    all_tasks = history.tasks(session, permit)
    step_names = {t.bpmn_id: t.name or t.bpmn_id for t in all_tasks}
    events = history.events(session, permit)
    names = roster.names_by_username(session, [e.get("actor") for e in events])
    evidence = history.evidence(session, permit)
    people = roster.names_by_id(session, [a["person_id"] for a in evidence["approvals"]]
                                + [s["person_id"] for s in evidence["sign_ins"]])
    open_tasks = [{"task": t, "mine": tasks.may_complete(person, t, permit) is None}
                  for t in all_tasks if t.status == "open"]
    instance = permit.instance
    return render_template(
        "permit_detail.html", permit=permit, open_tasks=open_tasks,
        timeline=timeline.build(events, names=names, step_names=step_names),
        evidence=evidence, people=people, step_names=step_names,
        compliance=compliance.of_permit(session, permit),
        process={"key": instance.process_key, "version": instance.definition.version,
                 "revision": instance.revision, "has_incident": instance.has_incident}
        if instance else None,
        can_cancel=permits.can_cancel(person, permit), cancel_errors=cancel_errors or {},
        reason=reason, rule_text=timeline.rule_text), status


@bp.get("/permits/<int:permit_id>")
@login_required
def permit_detail(permit_id: int) -> Any:
    return _render_detail(_viewable(permit_id))


@bp.post("/permits/<int:permit_id>/cancel")
@login_required
def permit_cancel(permit_id: int) -> Any:
    permit = _viewable(permit_id)
    reason = (request.form.get("reason") or "").strip()
    try:
        body = CancelRequest().load({"reason": reason})
        permits.cancel(db.session, get_engine(), permit, by=me(), reason=body["reason"])
        # what the answer needs, read before the commit: afterwards nothing may fail
        number = permit.number
        conflicts.commit(db.session, permit.instance_id)
    except ValidationError as exc:
        db.session.rollback()
        return _render_detail(permit, cancel_errors=place(flatten(exc.messages), _to_reason),
                              reason=reason, status=422)
    except ValidationFailed as exc:
        db.session.rollback()
        return _render_detail(permit, cancel_errors=place(exc.errors, _to_reason),
                              reason=reason, status=422)
    except Conflict as exc:
        db.session.rollback()
        return _render_detail(permits.get(db.session, permit_id),
                              cancel_errors={"reason": [exc.reason]}, reason=reason,
                              status=409)
    flash(_("作业票 %(number)s 已取消", number=number), "success")
    return redirect(url_for("pages.permit_detail", permit_id=permit_id))


def _to_reason(path: str) -> str:
    """The cancel form has one field: every message belongs to it."""
    return "reason"
