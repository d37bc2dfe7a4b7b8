"""Photos from site (e.g. the gas detector's screen), stored by content hash."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import current_app, jsonify, request, send_file

from engine import clock, db
from processes import uploads
from processes.errors import NotFound
from processes.models import Upload

from ..auth import api_login_required, current_person
from . import bp

ALLOWED = {"image/jpeg", "image/png", "image/webp", "video/webm", "video/mp4", "audio/wav",
           "audio/mpeg", "audio/ogg", "audio/webm"}
MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"RIFF": "riff",
         b"\x1aE\xdf\xa3": "video/webm"}


def _sniff(head: bytes) -> str | None:
    for magic, kind in MAGIC.items():
        if head.startswith(magic):
            return kind
    if head[4:8] == b"ftyp":
        return "video/mp4"
    return None


@bp.post("/uploads")
@api_login_required
def upload() -> Any:
    from marshmallow import ValidationError

    person = current_person()
    assert person is not None
    file = request.files.get("file")
    if file is None:
        raise ValidationError({"file": ["send the photo as multipart field 'file'"]})
    content = file.read()
    if not content:
        raise ValidationError({"file": ["the file is empty"]})
    if file.mimetype not in ALLOWED or _sniff(content[:16]) is None:
        raise ValidationError({"file": ["only JPEG/PNG/WebP photos and WebM/MP4 clips"]})
    digest = hashlib.sha256(content).hexdigest()
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / digest
    if not path.exists():
        path.write_bytes(content)
    if db.session.get(Upload, digest) is None:
        db.session.add(Upload(id=digest, filename=(file.filename or "upload")[:255],
                              content_type=file.mimetype, size=len(content),
                              uploaded_by=person.id, uploaded_at=clock.now()))
        db.session.commit()
    return jsonify(id=digest, size=len(content), content_type=file.mimetype), 201


@bp.get("/uploads/<upload_id>")
@api_login_required
def download(upload_id: str) -> Any:
    """Only to who may see the owning permit, person or certificate; 404 to anyone else."""
    person = current_person()
    assert person is not None
    row = uploads.for_download(db.session, person, upload_id)
    path = Path(current_app.config["UPLOAD_FOLDER"]) / row.id
    if not path.exists():  # purged after its retention, or lost
        raise NotFound("upload", upload_id)
    response = send_file(path, mimetype=row.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response
