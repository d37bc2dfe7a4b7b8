"""Evidence files (clips, frames, voice memos) stored by content hash, like photo uploads."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ..models import Upload


def store(session: Session, folder: str | Path, content: bytes, *, filename: str,
          content_type: str, person_id: int | None, now: datetime) -> Upload:
    """Write ``content`` under its sha256 (once) and index it; returns the upload row."""
    digest = hashlib.sha256(content).hexdigest()
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    path = root / digest
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    row = session.get(Upload, digest)
    if row is None:
        row = Upload(id=digest, filename=filename[:255], content_type=content_type,
                     size=len(content), uploaded_by=person_id, uploaded_at=now)
        session.add(row)
        session.flush()
    return row


def path_of(folder: str | Path, upload_id: str) -> Path:
    return Path(folder) / upload_id


def read(folder: str | Path, upload_id: str) -> bytes:
    return path_of(folder, upload_id).read_bytes()
