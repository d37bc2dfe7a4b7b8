"""The instance view (diagram with executed and current nodes) and migration to another version."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from engine import MigrationRefused, db
from processes.errors import ValidationFailed

from ... import get_engine
from ...api.instances import instance_view
from .. import bp
from ..auth import me
from . import _designer, vendor_files


@bp.get("/console/instances/<int:instance_id>")
@login_required
def console_instance(instance_id: int) -> Any:
    view = instance_view(instance_id)
    person = me()
    preview = None
    if person.has_role("designer", "admin") and view["status"] == "running":
        latest = get_engine().definition(db.session, view["key"]).version
        if latest != view["version"]:
            preview = get_engine().migration_preview(db.session, instance_id).as_dict()
    return render_template("console/instance.html", view=view, preview=preview,
                           vendor=vendor_files(),
                           diagram_data={"xml": get_engine().get_instance(
                               db.session, instance_id).definition.bpmn_xml,
                               "executed": view["executed"],
                               "current": [c["id"] for c in view["current"]],
                               "taken": view["flows_taken"]})


@bp.post("/console/instances/<int:instance_id>/migrate")
@login_required
def console_migrate(instance_id: int) -> Any:
    person = _designer()
    raw = request.form.get("to_version", "")
    if not raw.isdigit():
        raise ValidationFailed({"to_version": [_("版本号须为正整数")]})
    try:
        plan = get_engine().migrate(db.session, instance_id, to_version=int(raw),
                                    actor=person.username)
    except MigrationRefused as refused:
        db.session.rollback()
        flash(refused.plan.reason or "", "error")
    else:
        db.session.commit()
        flash(_("实例已迁移到第 %(n)s 版", n=plan.to_version), "success")
    return redirect(url_for("pages.console_instance", instance_id=instance_id))
