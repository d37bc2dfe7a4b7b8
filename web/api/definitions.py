"""Process definitions: list, deploy, fetch a version with its BPMN."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from sqlalchemy import select

from engine import DeployError, Problem, ProcessDefinition, db
from processes.errors import NotAllowed

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp


def _summary(d: ProcessDefinition) -> dict[str, Any]:
    return {"key": d.key, "version": d.version, "name": d.name, "sha256": d.sha256,
            "deployed_by": d.deployed_by, "deployed_at": d.deployed_at.isoformat(),
            "notes": d.notes, "files": [f["name"] for f in d.files],
            "warnings": d.warnings or []}


@bp.get("/process-definitions")
@api_login_required
def list_definitions() -> Any:
    rows = db.session.execute(select(ProcessDefinition).order_by(
        ProcessDefinition.key, ProcessDefinition.version.desc())).scalars().all()
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = latest.setdefault(row.key, {**_summary(row), "versions": []})
        entry["versions"].append(row.version)
    return jsonify(items=list(latest.values()))


@bp.post("/process-definitions")
@api_login_required
def deploy_definitions() -> Any:
    """Deploy uploaded .bpmn (+ .dmn, form .json) files as a new version (multipart ``files``)."""
    person = current_person()
    assert person is not None
    if not person.has_role("designer", "admin"):
        raise NotAllowed("only process designers and admins may deploy")
    uploads = request.files.getlist("files")
    if not uploads:
        raise DeployError([Problem(file="(upload)", message="no files were uploaded",
                                   hint="send multipart/form-data with one or more 'files'")])
    files = [(f.filename or "", f.read()) for f in uploads]
    rows = get_engine().deploy(db.session, files, actor=person.username,
                               notes=request.form.get("notes"))
    db.session.commit()
    return jsonify(items=[_summary(r) for r in rows]), 201


@bp.get("/process-definitions/<key>/versions/<int:version>")
@api_login_required
def get_definition(key: str, version: int) -> Any:
    row = get_engine().definition(db.session, key, version)
    return jsonify({**_summary(row), "bpmn_xml": row.bpmn_xml,
                    "sources": [{"name": f["name"], "kind": f["kind"]} for f in row.files]})
