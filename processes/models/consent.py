"""Consent to sensitive personal information (PIPL art. 28-29): face images and location.

One row per consent given; withdrawing stamps the row instead of deleting it, so the
record of what the person agreed to, and when they stopped agreeing, stays evidence.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine import UtcDateTime, db


class PersonalDataConsent(db.Model):
    __tablename__ = "personal_data_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: what the consent covers: face_gps (watcher sign-in with face and/or GPS)
    purpose: Mapped[str] = mapped_column(String(30))
    #: the version of the text shown (processes/data/consent/<purpose>_v<n>.json)
    text_version: Mapped[int] = mapped_column(Integer)
    #: sha256 of exactly the text shown (Chinese and English), so a later edit shows
    text_sha256: Mapped[str] = mapped_column(String(64))
    given_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: where from: the client's address and browser (user agent), as the request gave them
    client_ip: Mapped[str | None] = mapped_column(String(64))
    client_agent: Mapped[str | None] = mapped_column(String(255))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_client_ip: Mapped[str | None] = mapped_column(String(64))
