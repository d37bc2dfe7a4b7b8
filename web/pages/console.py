"""The operations console: process versions, version diffs, instance view, incidents.

For process designers and admins (safety engineers, not programmers): every page states
its facts as server-rendered tables, and draws the BPMN diagram with bpmn-js (from
``web/static/vendor/bpmn-js``, filled by ``scripts/vendor.sh``) only when it is installed,
so the console works without it (the node list stays). The pages call the same functions
as API v1 (``web/api/versions.py``, ``instances.py``, ``incidents.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import DeployError, Incident, MigrationRefused, ProcessDefinition, db, instances
from engine.versions import definition_version, diff_versions
from processes import overrides, permits
from processes.errors import NotAllowed, ValidationFailed
from processes.models import Permit

from .. import get_engine
from ..api.instances import instance_view
from . import bp
from .auth import me

VENDOR = {"viewer": "vendor/bpmn-js/bpmn-navigated-viewer.production.min.js",
          "modeler": "vendor/bpmn-js/bpmn-modeler.production.min.js",
          "diagram_css": "vendor/bpmn-js/diagram-js.css",
          "bpmn_css": "vendor/bpmn-js/bpmn-js.css",
          "font_css": "vendor/bpmn-js/bpmn-font/css/bpmn-embedded.css"}


def vendor_files() -> dict[str, str | None]:
    """Static URLs of the bpmn-js files that are installed (None: draw no diagram)."""
    static = Path(current_app.static_folder or "")
    return {k: (url_for("static", filename=v) if (static / v).exists() else None)
            for k, v in VENDOR.items()}


def _designer() -> Any:
    person = me()
    if not person.has_role("designer", "admin"):
        raise NotAllowed(_("只有流程设计员和管理员可以使用流程控制台"))
    return person


def _admin() -> Any:
    person = me()
    if not person.has_role("admin"):
        raise NotAllowed(_("只有管理员处理故障"))
    return person


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationFailed({name: [_("版本号须为正整数")]})
    return int(raw)


@bp.get("/console")
@login_required
def console_processes() -> Any:
    _designer()
    rows = db.session.execute(select(ProcessDefinition).order_by(
        ProcessDefinition.key, ProcessDefinition.version.desc())).scalars().all()
    processes: dict[str, list[ProcessDefinition]] = {}
    for row in rows:
        processes.setdefault(row.key, []).append(row)
    return render_template("console/processes.html", processes=processes,
                           running=instances.counts(db.session))


@bp.get("/console/processes/<key>/instances")
@login_required
def console_instances(key: str) -> Any:
    """Who is on which version and where they wait: the list behind a migration decision."""
    _designer()
    get_engine().definition(db.session, key)  # 404 for an unknown process
    status = request.args.get("status") or "running"
    if status not in instances.STATUSES:
        raise ValidationFailed({"status": [_("状态须为 running、completed 或 cancelled")]})
    version = _int_arg("version")
    rows = instances.listing(db.session, key, version=version, status=status)
    numbers = dict(db.session.execute(select(Permit.instance_id, Permit.number).where(
        Permit.instance_id.in_([r.id for r in rows]))).all()) if rows else {}
    latest = get_engine().definition(db.session, key).version
    return render_template("console/instances.html", key=key, rows=rows, numbers=numbers,
                           version=version, status=status, latest=latest,
                           statuses=instances.STATUSES)


@bp.get("/console/processes/<key>/diff")
@login_required
def console_diff(key: str) -> Any:
    _designer()
    latest = get_engine().definition(db.session, key).version
    to_version = _int_arg("to") or latest
    from_version = _int_arg("from") or max(to_version - 1, 1)
    diff = diff_versions(db.session, key, from_version, to_version).as_dict()
    old = definition_version(db.session, key, from_version)
    new = definition_version(db.session, key, to_version)
    versions = db.session.execute(select(ProcessDefinition.version).where(
        ProcessDefinition.key == key).order_by(ProcessDefinition.version)).scalars().all()
    return render_template("console/diff.html", key=key, diff=diff, versions=versions,
                           vendor=vendor_files(),
                           diagrams={"old": old.bpmn_xml, "new": new.bpmn_xml,
                                     "added": [e["id"] for e in diff["added"]],
                                     "removed": [e["id"] for e in diff["removed"]],
                                     "changed": [e["id"] for e in diff["changed"]]})


@bp.get("/console/processes/<key>/versions/<int:version>/bpmn")
@login_required
def console_download(key: str, version: int) -> Any:
    """The version's BPMN file, for people who edit in a desktop modeler."""
    _designer()
    row = definition_version(db.session, key, version)
    return Response(row.bpmn_xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{key}.v{version}.bpmn"'})


@bp.post("/console/processes/<key>/versions/<int:version>/redeploy")
@login_required
def console_redeploy(key: str, version: int) -> Any:
    person = _designer()
    row = get_engine().redeploy(db.session, key, version, actor=person.username,
                                notes=request.form.get("notes") or None)
    db.session.commit()
    flash(_("第 %(old)s 版已重新部署为第 %(new)s 版", old=version, new=row.version), "success")
    return redirect(url_for("pages.console_processes"))


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


# -- the modeler -------------------------------------------------------------------------
def _uploads() -> list[tuple[str, bytes]]:
    files = [(f.filename or "", f.read()) for f in request.files.getlist("files")]
    if not files:
        raise ValidationFailed({"files": [_("请选择 .bpmn 文件")]})
    return files


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("/console/modeler/<key>")
@login_required
def console_modeler(key: str) -> Any:
    """Edit the latest version in the browser (bpmn-js Modeler), validate, deploy."""
    _designer()
    latest = get_engine().definition(db.session, key)
    return render_template("console/modeler.html", key=key, definition=latest,
                           vendor=vendor_files(), problems=[],
                           diagram_data={"xml": latest.bpmn_xml})


@bp.post("/console/modeler/<key>/validate")
@login_required
def console_validate(key: str) -> Any:
    """The modeler's validate button: located problems, nothing stored."""
    _designer()
    problems = [p.as_dict() for p in get_engine().check(_uploads(), session=db.session)]
    return jsonify(ok=not any(p["severity"] == "error" for p in problems), problems=problems)


@bp.post("/console/modeler/<key>/deploy")
@login_required
def console_deploy(key: str) -> Any:
    """Deploy the edited diagram (from the modeler or an uploaded file) as a new version."""
    person = _designer()
    files = _uploads()
    try:
        rows = get_engine().deploy(db.session, files, actor=person.username,
                                   notes=request.form.get("notes") or None)
    except DeployError as exc:
        db.session.rollback()
        problems = [p.as_dict() for p in exc.problems]
        if _wants_json():
            return jsonify(ok=False, problems=problems), 422
        latest = get_engine().definition(db.session, key)
        xml = next((c.decode("utf-8", "replace") for n, c in files
                    if n.endswith(".bpmn")), latest.bpmn_xml)
        return render_template("console/modeler.html", key=key, definition=latest,
                               vendor=vendor_files(), problems=problems,
                               diagram_data={"xml": xml}), 422
    db.session.commit()
    versions = {r.key: r.version for r in rows}
    if _wants_json():
        return jsonify(ok=True, versions=versions)
    flash(_("已部署：%(what)s", what=", ".join(f"{k} v{v}" for k, v in versions.items())),
          "success")
    return redirect(url_for("pages.console_processes"))
