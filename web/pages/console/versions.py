"""Process versions: the list with running instances, instance lists, diff, download, roll back."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from engine import ProcessDefinition, db, instances
from engine.versions import definition_version, diff_versions
from processes.errors import ValidationFailed
from processes.models import Permit

from ... import get_engine
from .. import bp
from . import _designer, _int_arg, vendor_files


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
