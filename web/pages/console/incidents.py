"""Incidents: failed automatic steps an admin retries, skips (where allowed) or cancels."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import Incident, db
from processes import overrides, permits
from processes.errors import ValidationFailed

from ... import get_engine
from .. import bp
from . import _admin


@bp.get("/console/incidents")
@login_required
def console_incidents() -> Any:
    _admin()
    rows = db.session.execute(select(Incident).where(Incident.status == "open")
                              .order_by(Incident.created_at)).scalars().all()
    items = []
    for incident in rows:
        permit = permits.for_instance(db.session, incident.instance_id)
        skippable = permit is None or overrides.incident_skippable(db.session, get_engine(),
                                                                   incident)
        items.append((incident, permit, skippable))
    return render_template("console/incidents.html", items=items)


@bp.post("/console/incidents/<int:incident_id>/retry")
@login_required
def console_retry(incident_id: int) -> Any:
    person = _admin()
    incident = get_engine().retry_incident(db.session, incident_id, actor=person.username)
    db.session.commit()
    if incident.status == "resolved":
        flash(_("重试成功，故障已解决"), "success")
    else:
        flash(_("重试仍然失败：%(error)s", error=incident.error), "error")
    return redirect(url_for("pages.console_incidents"))


@bp.post("/console/incidents/<int:incident_id>/skip")
@login_required
def console_skip(incident_id: int) -> Any:
    """Move on without the failed step, with a reason (audited; permits: skippable steps)."""
    person = _admin()
    reason = (request.form.get("reason") or "").strip()
    if len(reason) < 2:
        raise ValidationFailed({"reason": [_("请填写跳过原因")]})
    overrides.skip_incident(db.session, get_engine(), incident_id, by=person, reason=reason)
    db.session.commit()
    flash(_("已跳过该步骤，流程继续"), "success")
    return redirect(url_for("pages.console_incidents"))


@bp.post("/console/incidents/<int:incident_id>/cancel")
@login_required
def console_cancel(incident_id: int) -> Any:
    """Give up on the failed step: the permit (or bare instance) is cancelled, audited."""
    person = _admin()
    reason = (request.form.get("reason") or "").strip()
    if len(reason) < 2:
        raise ValidationFailed({"reason": [_("请填写取消原因")]})
    incident = db.session.get(Incident, incident_id)
    if incident is None:
        from engine import IncidentNotFound

        raise IncidentNotFound(incident_id)
    permit = permits.for_instance(db.session, incident.instance_id)
    if permit is not None:
        permits.cancel(db.session, get_engine(), permit, by=person, reason=reason)
    else:
        get_engine().cancel(db.session, incident.instance_id, actor=person.username,
                            reason=reason)
    db.session.commit()
    flash(_("已取消"), "success")
    return redirect(url_for("pages.console_incidents"))
