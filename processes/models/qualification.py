"""What the certificate engine keeps beside the certificates: alerts, contractor access
codes, watcher ratings and the equipment people used (with its calibration)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine import JsonType, UtcDateTime, db

from .people import Certificate, Person


class CertificateAlert(db.Model):
    """A certificate turned yellow or red. One open alert per certificate at a time;
    a change of level, reason or due date resolves it and opens the next one."""

    __tablename__ = "certificate_alert"
    __table_args__ = (Index("ix_certificate_alert_open", "resolved_at", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: yellow | red
    level: Mapped[str] = mapped_column(String(10))
    #: expires_soon | review_due_soon | expired | review_missed | voided
    reason: Mapped[str] = mapped_column(String(30))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    #: set when the certificate is no longer in this state (renewed, reviewed, escalated)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    certificate: Mapped[Certificate] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")


class AccessCode(db.Model):
    """A contractor worker's temporary access code (≤ 72 h) with an explicit scope."""

    __tablename__ = "access_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: random part of the signed code: a code cannot be forged or guessed from its id
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: e.g. "常压储罐打磨，不得带压堵漏 / atmospheric vessel grinding only"
    scope: Mapped[str] = mapped_column(Text)
    permit_types: Mapped[list[str]] = mapped_column(JsonType, default=list)
    issued_by: Mapped[int] = mapped_column(ForeignKey("person.id"))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and self.issued_at <= now < self.expires_at


class WatcherRating(db.Model):
    """How well the watcher (监护人) did on one job, by the team leader or safety dept."""

    __tablename__ = "watcher_rating"
    __table_args__ = (UniqueConstraint("permit_id", "rated_by", name="uq_watcher_rating_rater"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    watcher_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    rated_by: Mapped[int] = mapped_column(ForeignKey("person.id"))
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Equipment(db.Model):
    """An instrument or tool used on jobs; ``code`` is what gas readings call
    ``instrument_id``, so readings link to it where it is registered."""

    __tablename__ = "equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    #: gas_detector | welding_machine | harness | crane | other
    kind: Mapped[str] = mapped_column(String(30), default="gas_detector")
    site_code: Mapped[str | None] = mapped_column(ForeignKey("site.code"))
    last_calibrated_on: Mapped[date | None] = mapped_column(Date)
    calibration_due_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)
