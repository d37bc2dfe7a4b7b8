"""Decision tables (DMN) in dmn-js: open, validate, deploy into every process that uses them."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from engine import DeployError, db
from engine.deploy import decision_files
from processes.errors import ValidationFailed

from ... import get_engine
from ...api.designer import decision_view
from .. import bp
from . import _designer, vendor_files
from .modeler import _uploads, _wants_json


@bp.get("/console/decisions")
@login_required
def console_decisions() -> Any:
    _designer()
    return render_template("console/decisions.html", files=decision_files(db.session))


_DMN_JS_STRINGS = Path(__file__).resolve().parents[2] / "translations" / "dmn-js"


@lru_cache(maxsize=4)
def dmn_js_strings(language: str) -> dict[str, str]:
    """dmn-js's own labels in the page's language (it ships English only); {} for English."""
    path = _DMN_JS_STRINGS / f"{language}.json"
    if not path.exists():
        return {}
    return {k: v for k, v in json.loads(path.read_text("utf-8")).items()
            if not k.startswith("_")}


def _decision_page(name: str, *, xml: str | None = None,
                   problems: list[dict[str, Any]] | None = None, status: int = 200) -> Any:
    view = decision_view(name, content=True)
    return render_template("console/decision.html", view=view, vendor=vendor_files(),
                           problems=problems or [],
                           decision_data={"xml": xml or view["xml"], "name": name,
                                          "strings": dmn_js_strings(get_locale().language)}), status


@bp.get("/console/decisions/<name>")
@login_required
def console_decision(name: str) -> Any:
    """Edit a deployed decision table in dmn-js; deploying it versions its processes."""
    _designer()
    return _decision_page(name)


@bp.get("/console/decisions/<name>/download")
@login_required
def console_decision_download(name: str) -> Any:
    _designer()
    view = decision_view(name, content=True)
    return Response(view["xml"], mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{view["name"]}"'})


def _decision_upload() -> bytes:
    files = _uploads()
    if len(files) != 1:
        raise ValidationFailed({"files": [_("请只选择一个 .dmn 文件")]})
    return files[0][1]


@bp.post("/console/decisions/<name>/validate")
@login_required
def console_decision_validate(name: str) -> Any:
    _designer()
    problems = [p.as_dict() for p in get_engine().check_decision(db.session, name,
                                                                 _decision_upload())]
    return jsonify(ok=not any(p["severity"] == "error" for p in problems), problems=problems)


@bp.post("/console/decisions/<name>/deploy")
@login_required
def console_decision_deploy(name: str) -> Any:
    person = _designer()
    content = _decision_upload()
    try:
        rows = get_engine().deploy_decision(db.session, name, content, actor=person.username,
                                            notes=request.form.get("notes") or None)
    except DeployError as exc:
        db.session.rollback()
        problems = [p.as_dict() for p in exc.problems]
        if _wants_json():
            return jsonify(ok=False, problems=problems), 422
        return _decision_page(name, xml=content.decode("utf-8", "replace"),
                              problems=problems, status=422)
    db.session.commit()
    versions = {r.key: r.version for r in rows}
    if _wants_json():
        return jsonify(ok=True, versions=versions)
    flash(_("已部署：%(what)s", what=", ".join(f"{k} v{v}" for k, v in versions.items())),
          "success")
    return redirect(url_for("pages.console_decision", name=name))
