"""Who may download an upload: whoever may see what it belongs to.

An upload is a file stored by content hash; it belongs to a permit (gas-test photo, sign-in
clip and frames, pre-work voice memo, a sketch or lift plan named in the application), to a
person (their photo) or to a certificate (its scan, which is its holder's). Downloading
follows the owner's own visibility rule (``permits.can_view``, ``people.can_view``); a
sign-in's face images are also their subject's own. A file attached to nothing yet is its
uploader's alone. Everyone else is told it does not exist, so ids cannot be probed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from . import people, permits
from .errors import NotFound
from .models import (
    Certificate,
    GasReading,
    Permit,
    Person,
    PreWorkMemo,
    SignIn,
    Upload,
)

ID = re.compile(r"[0-9a-f]{64}")


@dataclass
class Owners:
    """What an upload belongs to."""

    permit_ids: set[int] = field(default_factory=set)
    #: people whose record holds it (photo, certificate scan): people.can_view decides
    person_ids: set[int] = field(default_factory=set)
    #: people it is *about* (a sign-in's subject): only they themselves, beyond the permit
    subject_ids: set[int] = field(default_factory=set)

    @property
    def attached(self) -> bool:
        return bool(self.permit_ids or self.person_ids or self.subject_ids)


def _json_mentions(column: object, upload_id: str) -> object:
    # JSON lists and objects of upload ids (frames, the burst, permit fields): the id is 64
    # hex digits, so a text match cannot hit anything but that id
    return cast(column, String).contains(upload_id, autoescape=True)


def owners(session: Session, upload_id: str) -> Owners:
    found = Owners()
    found.permit_ids.update(session.execute(select(GasReading.permit_id).where(
        GasReading.photo_id == upload_id)).scalars())
    found.permit_ids.update(session.execute(select(PreWorkMemo.permit_id).where(
        PreWorkMemo.upload_id == upload_id)).scalars())
    for permit_id, person_id in session.execute(select(SignIn.permit_id, SignIn.person_id).where(
            or_(SignIn.clip_id == upload_id, _json_mentions(SignIn.frames, upload_id),
                _json_mentions(SignIn.details, upload_id)))):
        found.permit_ids.add(permit_id)
        found.subject_ids.add(person_id)
    found.permit_ids.update(session.execute(select(Permit.id).where(
        _json_mentions(Permit.fields, upload_id))).scalars())
    found.person_ids.update(session.execute(select(Person.id).where(
        Person.photo_id == upload_id)).scalars())
    found.person_ids.update(session.execute(select(Certificate.person_id).where(
        Certificate.scan_id == upload_id)).scalars())
    return found


def may_download(session: Session, actor: Person, upload: Upload) -> bool:
    found = owners(session, upload.id)
    if not found.attached:
        return upload.uploaded_by == actor.id
    if actor.id in found.subject_ids:
        return True
    if any(permits.can_view(actor, permits.get(session, pid)) for pid in found.permit_ids):
        return True
    return any(people.can_view(actor, people.get_person(session, pid))
               for pid in found.person_ids)


def for_download(session: Session, actor: Person, upload_id: str) -> Upload:
    """The upload, if ``actor`` may have it; NotFound otherwise (existing or not)."""
    row = session.get(Upload, upload_id) if ID.fullmatch(upload_id or "") else None
    if row is None or not may_download(session, actor, row):
        raise NotFound("upload", upload_id)
    return row
