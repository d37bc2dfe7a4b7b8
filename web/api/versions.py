"""Process versions for designers and admins: diff two versions, roll back to an old one."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import Schema, ValidationError, fields, validate

from engine import db, instances
from engine.versions import diff_versions
from processes.errors import NotAllowed

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp, load
from .definitions import _summary


class RedeployRequest(Schema):
    notes = fields.String(load_default=None, allow_none=True,
                          validate=validate.Length(max=1000))


def _designer() -> Any:
    person = current_person()
    if person is None or not person.has_role("designer", "admin"):
        raise NotAllowed("only process designers and admins manage versions and migrations")
    return person


def _version_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: ["版本号须为正整数 (a version number)"]}) from None
    if value < 1:
        raise ValidationError({name: ["版本号须为正整数 (a version number)"]})
    return value


@bp.get("/process-definitions/<key>/diff")
@api_login_required
def diff_definition_versions(key: str) -> Any:
    """Elements added, removed and changed between ``from`` (default: previous) and ``to``."""
    _designer()
    latest = get_engine().definition(db.session, key).version
    to_version = _version_arg("to") or latest
    from_version = _version_arg("from") or max(to_version - 1, 1)
    return jsonify(diff_versions(db.session, key, from_version, to_version).as_dict())


@bp.get("/process-definitions/<key>/instances")
@api_login_required
def list_definition_instances(key: str) -> Any:
    """Instances of ``key`` (``version``, ``status`` = running|completed|cancelled) and
    the user tasks each waits at, newest first (at most 200)."""
    _designer()
    get_engine().definition(db.session, key)  # 404 for an unknown process
    status = request.args.get("status") or "running"
    if status not in instances.STATUSES:
        raise ValidationError({"status": [f"one of {', '.join(instances.STATUSES)}"]})
    rows = instances.listing(db.session, key, version=_version_arg("version"), status=status)
    return jsonify(items=[r.as_dict() for r in rows])


@bp.post("/process-definitions/<key>/versions/<int:version>/redeploy")
@api_login_required
def redeploy_definition(key: str, version: int) -> Any:
    """Roll back: the sources of ``version`` become the newest version."""
    person = _designer()
    body = load(RedeployRequest(), request.get_json(silent=True) or {})
    row = get_engine().redeploy(db.session, key, version, actor=person.username,
                                notes=body["notes"])
    db.session.commit()
    return jsonify(_summary(row)), 201


@bp.post("/process-definitions/validate")
@api_login_required
def validate_definitions() -> Any:
    """Check uploaded files (multipart ``files``) as a deploy would, storing nothing.

    Answers 200 with every located problem (file, line, element id, message, hint); the
    modeler marks ``element_id`` on the diagram. ``ok`` is false when any is an error.
    """
    _designer()
    uploads = request.files.getlist("files")
    if not uploads:
        raise ValidationError({"files": ["send multipart/form-data with one or more 'files'"]})
    files = [(f.filename or "", f.read()) for f in uploads]
    problems = [p.as_dict() for p in get_engine().check(files, session=db.session)]
    return jsonify(ok=not any(p["severity"] == "error" for p in problems), problems=problems)
