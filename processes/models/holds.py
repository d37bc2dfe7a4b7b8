"""Holds on permits, and the thresholds the safety department may change.

A hold is the generic freeze: a fatigue warning holds an application before approval, a
lapsed certificate holds live work. The permit cannot pass the step a hold blocks until
the hold is resolved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine import JsonType, UtcDateTime, db


class PermitHold(db.Model):
    __tablename__ = "permit_hold"
    __table_args__ = (Index("ix_permit_hold_open", "permit_id", "resolved_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"))
    #: fatigue | rest | credential_lapse
    kind: Mapped[str] = mapped_column(String(30))
    #: the step it stops: approval | work
    blocks: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    #: the person the hold is about (the tired welder, the worker whose certificate lapsed)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    #: the status the permit had before the hold, restored when it is released
    previous_status: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    #: released | rejected | cleared (the cause went away)
    resolution: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)


class ThresholdSetting(db.Model):
    """An override of a default in processes/data/thresholds.json (safety dept edits)."""

    __tablename__ = "threshold_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonType)
    updated_by: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
