"""The public contractor access page: ``/access/<code>`` on a phone at the gate or on site.

No login: the signed code is the credential. It shows the person's photo, qualification
summary and the explicit scope of this authorization; 410 once expired or revoked, 404
for a forged or unknown code. Self-contained (its own template), so it does not depend on
the rest of the page set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, send_file

from engine import db
from processes import access
from processes.errors import Gone, NotFound
from processes.models import Upload

bp = Blueprint("access", __name__)

COLOUR_ZH = {"green": "有效", "yellow": "即将到期", "red": "失效"}


@bp.after_request
def no_store(response: Response) -> Response:
    """A revoked code must stop working at once: no cached copy on the phone or a proxy."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/access/<code>")
def show(code: str) -> Any:
    secret = current_app.config["SECRET_KEY"]
    try:
        row = access.resolve(db.session, code, secret)
    except NotFound:
        return render_template("access.html", state="invalid", view=None,
                               colours=COLOUR_ZH, code=code), 404
    except Gone as exc:
        return render_template("access.html", state="gone", reason=exc.reason, view=None,
                               colours=COLOUR_ZH, code=code), 410
    view = access.view(db.session, row)
    return render_template("access.html", state="valid", view=view, colours=COLOUR_ZH,
                           code=code)


@bp.get("/access/<code>/photo")
def photo(code: str) -> Any:
    """The person's photo, only through a valid code."""
    try:
        row = access.resolve(db.session, code, current_app.config["SECRET_KEY"])
    except (NotFound, Gone):
        abort(404)
    upload = db.session.get(Upload, row.person.photo_id) if row.person.photo_id else None
    path = Path(current_app.config["UPLOAD_FOLDER"]) / (row.person.photo_id or "")
    if upload is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype=upload.content_type)
