"""External deliveries of notifications (WeChat Work, DingTalk, SMS, e-mail).

One row per notification and channel: the durable record of retries, back-off and dead
letters, independent of what the broker remembers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine import UtcDateTime, db

#: dead: gave up after the last attempt; unknown: a worker stopped mid-send, so it may or may
#: not have arrived — not re-sent automatically (no duplicates), an admin decides
DEAD_STATUSES = ("dead", "unknown")


class NotificationDelivery(db.Model):
    __tablename__ = "notification_delivery"
    __table_args__ = (Index("ix_delivery_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), index=True)
    #: wecom | dingtalk | sms | email
    channel: Mapped[str] = mapped_column(String(20))
    #: the group robot, a phone number or an e-mail address
    target: Mapped[str] = mapped_column(String(255))
    #: pending | sending | sent | failed | dead | unknown
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sending_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(80))
