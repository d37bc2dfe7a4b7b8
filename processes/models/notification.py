"""In-app notifications: what the outbox jobs deliver. External channels come later."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine import JsonType, UtcDateTime, db


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the outbox message that produced it: redelivery never duplicates a notification
    message_id: Mapped[int | None] = mapped_column(unique=True)
    role: Mapped[str | None] = mapped_column(String(40), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    site_code: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10), default="info")
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(255))
    body: Mapped[str | None] = mapped_column(Text)
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
