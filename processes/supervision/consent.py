"""Explicit consent before a face or GPS sign-in (PIPL art. 28-29: sensitive personal data).

The text is data (``processes/data/consent/face_gps_v<n>.json``); the highest version is in
force. A consent counts only for the version it was given to: publishing a new version asks
everybody again. A plain confirmation collects neither face nor position, so it needs none.

Functions take a session and never commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import auditing
from ..errors import Conflict, ValidationFailed
from ..models import Person, PersonalDataConsent
from . import settings

PURPOSE = "face_gps"
FOLDER = Path(__file__).resolve().parent.parent / "data" / "consent"


@dataclass(frozen=True)
class ConsentText:
    """One published version of the text, as shown."""

    purpose: str
    version: int
    effective: str
    title_zh: str
    title_en: str
    zh: tuple[str, ...]
    en: tuple[str, ...]

    @property
    def sha256(self) -> str:
        """Over exactly what is shown, so an edit of a published file is detectable."""
        shown = "\n".join([self.title_zh, *self.zh, self.title_en, *self.en])
        return hashlib.sha256(shown.encode("utf-8")).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {"purpose": self.purpose, "version": self.version, "effective": self.effective,
                "title_zh": self.title_zh, "title_en": self.title_en, "zh": list(self.zh),
                "en": list(self.en), "sha256": self.sha256}


def texts(purpose: str = PURPOSE) -> dict[int, ConsentText]:
    """Every published version, by version number."""
    return _read(purpose, FOLDER)


@cache
def _read(purpose: str, folder: Path) -> dict[int, ConsentText]:
    found: dict[int, ConsentText] = {}
    for path in sorted(folder.glob(f"{purpose}_v*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        text = ConsentText(purpose=raw["purpose"], version=int(raw["version"]),
                           effective=raw["effective"], title_zh=raw["title_zh"],
                           title_en=raw["title_en"], zh=tuple(raw["zh"]), en=tuple(raw["en"]))
        if text.purpose != purpose or text.version in found:
            raise ValueError(f"{path.name}: purpose or version clashes with another file")
        found[text.version] = text
    if not found:
        raise ValueError(f"no consent text for {purpose!r} in {folder}")
    return found


def current(purpose: str = PURPOSE) -> ConsentText:
    published = texts(purpose)
    return published[max(published)]


def needed(profile: settings.Profile) -> bool:
    """Whether signing in under this profile collects a face image or a position."""
    return profile.needs_face or profile.needs_fix


def active(session: Session, person: Person, purpose: str = PURPOSE
           ) -> PersonalDataConsent | None:
    """The consent in force for the current text, if the person gave it and kept it."""
    text = current(purpose)
    return session.execute(select(PersonalDataConsent).where(
        PersonalDataConsent.person_id == person.id, PersonalDataConsent.purpose == purpose,
        PersonalDataConsent.text_version == text.version,
        PersonalDataConsent.text_sha256 == text.sha256,
        PersonalDataConsent.withdrawn_at.is_(None))
        .order_by(PersonalDataConsent.given_at.desc()).limit(1)).scalar_one_or_none()


def status(session: Session, person: Person) -> dict[str, Any]:
    """What the phone and the page need: the text in force and whether it is agreed."""
    row = active(session, person)
    latest = session.execute(select(PersonalDataConsent).where(
        PersonalDataConsent.person_id == person.id, PersonalDataConsent.purpose == PURPOSE)
        .order_by(PersonalDataConsent.given_at.desc(), PersonalDataConsent.id.desc())
        .limit(1)).scalar_one_or_none()
    state = "given" if row is not None else (
        "withdrawn" if latest is not None and latest.withdrawn_at is not None
        else "outdated" if latest is not None else "none")
    return {"purpose": PURPOSE, "state": state, "consented": row is not None,
            "given_at": row.given_at.isoformat() if row else None,
            "text": current().as_dict()}


def require(session: Session, person: Person, profile: settings.Profile) -> None:
    """Refuse a face or GPS sign-in until the person has agreed to the text in force."""
    if not needed(profile) or active(session, person) is not None:
        return
    state = status(session, person)["state"]
    why_zh, why_en = {
        "withdrawn": ("你已撤回同意", "you withdrew your consent"),
        "outdated": ("告知文本已更新，需重新同意", "the notice changed: agree to the new version"),
    }.get(state, ("首次人脸或定位签到前须同意", "consent is needed before the first face or GPS "
                                           "sign-in"))
    raise ValidationFailed({"consent": [
        f"人脸和定位属于敏感个人信息：请先阅读告知并点击“我同意”（{why_zh}；告知和撤回都在"
        f"“我的个人信息”）。不同意则不能用人脸或定位签到，可请作业负责人把监护交接给其他监护人。"
        f" / Face images and location are sensitive personal data: read the notice and press "
        f"“I agree” first ({why_en}; notice and withdrawal are under “My personal data”). "
        f"Without consent you cannot sign in by face or GPS; the crew leader can hand the "
        f"watch to another watcher."]}, code="consent_required",
        details=[{"consent": {"version": current().version, "state": state}}])


def give(session: Session, person: Person, *, version: int, client_ip: str | None,
         client_agent: str | None, now: datetime) -> PersonalDataConsent:
    """Record consent to ``version``, which must be the text in force (what was shown)."""
    text = current()
    if version != text.version:
        raise ValidationFailed({"version": [
            f"告知文本已更新为第{text.version}版，请阅读新版本后再同意 / the notice is now "
            f"version {text.version}: read it and agree to that one"]},
            code="consent_version_outdated")
    row = active(session, person)
    if row is not None:
        return row  # agreeing twice changes nothing
    row = PersonalDataConsent(person_id=person.id, purpose=PURPOSE, text_version=text.version,
                              text_sha256=text.sha256, given_at=now,
                              client_ip=(client_ip or None) and client_ip[:64],
                              client_agent=(client_agent or None) and client_agent[:255])
    session.add(row)
    session.flush()
    auditing.record(session, "personal_data.consent_given", by=person, data={
        "consent_id": row.id, "person_id": person.id, "purpose": PURPOSE,
        "text_version": text.version, "text_sha256": text.sha256,
        "client_ip": row.client_ip, "client_agent": row.client_agent})
    return row


def withdraw(session: Session, person: Person, *, client_ip: str | None,
             now: datetime) -> PersonalDataConsent:
    """Withdraw the consent in force; face and GPS sign-ins are refused from now on."""
    row = active(session, person)
    if row is None:
        raise Conflict("没有可撤回的同意 / there is no consent in force to withdraw")
    row.withdrawn_at, row.withdrawn_client_ip = now, (client_ip or None) and client_ip[:64]
    session.flush()
    auditing.record(session, "personal_data.consent_withdrawn", by=person, data={
        "consent_id": row.id, "person_id": person.id, "purpose": PURPOSE,
        "text_version": row.text_version})
    return row


def records(session: Session, person: Person) -> list[dict[str, Any]]:
    """Every consent the person gave, newest first, for "what is held about me"."""
    text = current()
    rows = session.execute(select(PersonalDataConsent).where(
        PersonalDataConsent.person_id == person.id)
        .order_by(PersonalDataConsent.given_at.desc(), PersonalDataConsent.id.desc())
    ).scalars().all()
    return [{"id": r.id, "purpose": r.purpose, "text_version": r.text_version,
             "text_sha256": r.text_sha256, "given_at": r.given_at.isoformat(),
             "client_ip": r.client_ip, "client_agent": r.client_agent,
             "withdrawn_at": r.withdrawn_at.isoformat() if r.withdrawn_at else None,
             "in_force": r.withdrawn_at is None and r.text_version == text.version
             and r.text_sha256 == text.sha256} for r in rows]
