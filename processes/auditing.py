"""Audit events for domain acts that are not engine steps (people, certificates, areas)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine import audit, clock

from .models import Person


def record(session: Session, action: str, *, by: Person | str | None,
           data: dict[str, Any]) -> None:
    actor = by.username or f"person:{by.id}" if isinstance(by, Person) else by
    audit.append(session, action=action, at=clock.now(), actor=actor, data=data)
