"""Creating notifications from outbox jobs, idempotently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock

from .models import Notification


def record(session: Session, *, message_id: int | None, kind: str, title: str,
           body: str | None = None, role: str | None = None, person_id: int | None = None,
           site_code: str | None = None, severity: str = "info", permit_id: int | None = None,
           data: dict[str, Any] | None = None) -> Notification:
    if message_id is not None:
        existing = session.execute(select(Notification).where(
            Notification.message_id == message_id)).scalar_one_or_none()
        if existing is not None:
            return existing
    note = Notification(message_id=message_id, kind=kind, title=title, body=body, role=role,
                        person_id=person_id, site_code=site_code, severity=severity,
                        permit_id=permit_id, data=data or {}, created_at=clock.now())
    session.add(note)
    return note
