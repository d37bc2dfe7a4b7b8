"""Evidence that grows during a job: readings, approvals, sign-ins, uploads.

Kept in tables, not in workflow data, so a 72-hour permit with many re-tests does not grow
the serialized workflow (design §1).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine import JsonType, UtcDateTime, db


class Upload(db.Model):
    """A photo or clip taken on site; referenced by id from task data."""

    __tablename__ = "upload"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the content
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GasReading(db.Model):
    __tablename__ = "gas_reading"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    #: which step took it: gas_test, gas_retest, …
    step: Mapped[str] = mapped_column(String(60))
    gas: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(10))
    value_percent_vol: Mapped[float | None] = mapped_column(Float)
    limit: Mapped[str | None] = mapped_column(String(60))
    passed: Mapped[bool] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(60))
    sampled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    point: Mapped[str | None] = mapped_column(String(120))
    instrument_id: Mapped[str] = mapped_column(String(60))
    photo_id: Mapped[str | None] = mapped_column(ForeignKey("upload.id"))
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PermitApproval(db.Model):
    """One approval decision, by a person or by a rule (low-risk auto-approval)."""

    __tablename__ = "permit_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    step: Mapped[str] = mapped_column(String(60))
    role: Mapped[str | None] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    #: for automatic approvals: the decision table and the process version it ran under
    rule: Mapped[str | None] = mapped_column(String(120))
    rule_version: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    #: where it was signed (GB 30871 4.11: the approver signs at the work site)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SignIn(db.Model):
    """A watcher proving presence: who, when (server and device time), where, how, verdict.

    Refused attempts are kept too: they are evidence (design §2, audit).
    """

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    #: confirmation | qr_gps | qr_gps_face (processes/supervision/settings.py)
    method: Mapped[str] = mapped_column(String(30), default="confirmation")
    #: arrival | reconfirm | resume | handover
    purpose: Mapped[str] = mapped_column(String(20), default="arrival")
    #: pending (liveness job running) | accepted | refused
    status: Mapped[str] = mapped_column(String(12), default="accepted")
    accepted: Mapped[bool] = mapped_column(default=True)
    reasons: Mapped[list[str]] = mapped_column(JsonType, default=list)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    device_time: Mapped[datetime | None] = mapped_column(UtcDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: the prompts asked, in order (blink, turn_left, turn_right, open_mouth)
    prompts: Mapped[list[str]] = mapped_column(JsonType, default=list)
    #: sha256 of the one-time prompts nonce: a replayed upload is refused
    challenge: Mapped[str | None] = mapped_column(String(64), unique=True)
    clip_id: Mapped[str | None] = mapped_column(ForeignKey("upload.id"))
    #: 2-3 frames kept as evidence (upload ids)
    frames: Mapped[list[str]] = mapped_column(JsonType, default=list)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: when the retention purge dropped the face images and the GPS fix (the verdict stays)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WorkBreak(db.Model):
    """An interruption of live work; resuming may need a gas re-test (GB 30871 5.3.4)."""

    __tablename__ = "work_break"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    reason: Mapped[str | None] = mapped_column(Text)
