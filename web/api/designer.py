"""The process designer's API: operators, roles, drafts and decision tables.

Drafts are saved edits that are never run: one per (process key, designer), replaced on
each save, deleted by a deploy or a discard. Decision tables (DMN) are part of each process
version that uses them, so deploying a changed table deploys a new version of each of
those processes (``engine.deploy.deploy_decision``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from marshmallow import ValidationError

from engine import DefinitionNotFound, Draft, ProcessDefinition, clock, db
from engine import drafts as engine_drafts
from engine.deploy import MAX_FILE_BYTES, decision_files
from processes.errors import NotAllowed, NotFound
from processes.people import ROLES

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp
from .definitions import _summary

#: (method, path, summary, request schema, response schema, tag) for openapi.OPERATIONS
OPENAPI: list[tuple[str, str, str, Any, Any, str]] = [
    ("get", "/operators", "Service-task operators the server knows, with their parameter "
     "names (designers)", None, None, "definitions"),
    ("get", "/roles", "Role names a lane may carry (designers)", None, None, "definitions"),
    ("get", "/process-definitions/{key}/draft", "The caller's draft of a process (404: none); "
     "stale is true when a newer version was deployed since", None, None, "definitions"),
    ("put", "/process-definitions/{key}/draft", "Save the caller's draft (multipart 'files': "
     "one .bpmn plus edited .dmn/.json; 'notes', 'based_on_version'); not deployed. 422 with "
     "located problems when a file is not well-formed", "multipart", None, "definitions"),
    ("delete", "/process-definitions/{key}/draft", "Discard the caller's draft", None, None,
     "definitions"),
    ("get", "/decisions", "DMN files of the latest process versions and who uses them",
     None, None, "definitions"),
    ("get", "/decisions/{name}", "One DMN file's XML and the processes that use it", None,
     None, "definitions"),
    ("post", "/decisions/{name}/validate", "Check a changed DMN file with every process that "
     "uses it (multipart 'files'), storing nothing", "multipart", None, "definitions"),
    ("post", "/decisions/{name}", "Deploy a changed DMN file (multipart 'files'): a new "
     "version of each process that uses it", "multipart", None, "definitions"),
]


def designer() -> Any:
    person = current_person()
    if person is None or not person.has_role("designer", "admin"):
        raise NotAllowed("only process designers and admins edit processes")
    return person


def operators() -> list[dict[str, Any]]:
    return [{"name": i.name, "description": i.description, "parameters": list(i.parameters)}
            for i in get_engine().registry.info()]


def draft_view(row: Draft) -> dict[str, Any]:
    """The draft with what the designer must know: is it behind the deployed version?"""
    try:
        latest = get_engine().definition(db.session, row.process_key).version
    except DefinitionNotFound:
        latest = None
    return {"key": row.process_key, "author": row.author, "notes": row.notes,
            "sha256": row.sha256, "saved_at": row.saved_at.isoformat(),
            "based_on_version": row.based_on_version, "latest_version": latest,
            "stale": latest is not None and (row.based_on_version or 0) < latest,
            "files": [{"name": f["name"], "kind": f["kind"]} for f in row.files]}


def uploaded_files(what: str = "files") -> list[tuple[str, bytes]]:
    uploads = request.files.getlist(what)
    if not uploads:
        raise ValidationError({what: ["send multipart/form-data with one or more 'files'"]})
    files = []
    for f in uploads:
        # Read one byte past the limit: enough to refuse without holding a huge body.
        data = f.read(MAX_FILE_BYTES + 1)
        f.close()  # large uploads are spooled to a temporary file
        files.append((f.filename or "", data))
    return files


def version_field(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationError({"based_on_version": ["版本号须为正整数 (a version number)"]})
    return int(raw)


def notes_field(raw: str | None) -> str | None:
    raw = (raw or "").strip()
    if len(raw) > 1000:
        raise ValidationError({"notes": ["at most 1000 characters"]})
    return raw or None


def save_draft(key: str, person: Any, files: list[tuple[str, bytes]] | None = None) -> Draft:
    """Save the request's files (or ``files``) as ``person``'s draft and commit."""
    row = engine_drafts.save(db.session, key, person.username,
                             uploaded_files() if files is None else files,
                             now=clock.now(),
                             based_on_version=version_field(request.form.get("based_on_version")),
                             notes=notes_field(request.form.get("notes")))
    db.session.commit()
    return row


@bp.get("/operators")
@api_login_required
def list_operators() -> Any:
    designer()
    return jsonify(items=operators())


@bp.get("/roles")
@api_login_required
def list_roles() -> Any:
    designer()
    return jsonify(items=list(ROLES))


@bp.get("/process-definitions/<key>/draft")
@api_login_required
def get_draft(key: str) -> Any:
    person = designer()
    row = engine_drafts.get(db.session, key, person.username)
    if row is None:
        raise NotFound("your draft of process", key)
    body = draft_view(row)
    body["sources"] = row.files
    return jsonify(body)


@bp.put("/process-definitions/<key>/draft")
@api_login_required
def put_draft(key: str) -> Any:
    person = designer()
    return jsonify(draft_view(save_draft(key, person)))


@bp.delete("/process-definitions/<key>/draft")
@api_login_required
def delete_draft(key: str) -> Any:
    person = designer()
    if not engine_drafts.discard(db.session, key, person.username):
        raise NotFound("your draft of process", key)
    db.session.commit()
    return Response(status=204)


def decision_view(name: str, *, content: bool = False) -> dict[str, Any]:
    entry = decision_files(db.session).get(name)
    if entry is None:
        raise NotFound("decision file used by a deployed process", name)
    body: dict[str, Any] = {
        "name": entry.name,
        "decisions": [{"id": i, "name": n} for i, n in entry.decisions],
        "used_by": [{"key": r.key, "version": r.version} for r in entry.used_by]}
    if content:
        body["xml"] = entry.content
    return body


@bp.get("/decisions")
@api_login_required
def list_decisions() -> Any:
    designer()
    return jsonify(items=[decision_view(name) for name in decision_files(db.session)])


@bp.get("/decisions/<name>")
@api_login_required
def get_decision(name: str) -> Any:
    designer()
    return jsonify(decision_view(name, content=True))


def decision_upload(name: str) -> bytes:
    files = uploaded_files()
    if len(files) != 1:
        raise ValidationError({"files": ["send exactly one .dmn file"]})
    return files[0][1]


@bp.post("/decisions/<name>/validate")
@api_login_required
def validate_decision(name: str) -> Any:
    designer()
    problems = [p.as_dict() for p in get_engine().check_decision(db.session, name,
                                                                 decision_upload(name))]
    return jsonify(ok=not any(p["severity"] == "error" for p in problems), problems=problems)


@bp.post("/decisions/<name>")
@api_login_required
def deploy_decision(name: str) -> Any:
    person = designer()
    rows: list[ProcessDefinition] = get_engine().deploy_decision(
        db.session, name, decision_upload(name), actor=person.username,
        notes=notes_field(request.form.get("notes")))
    db.session.commit()
    return jsonify(items=[_summary(r) for r in rows]), 201
