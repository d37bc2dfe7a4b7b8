"""Instruments and tools with their calibration: gas readings name them by code."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import auditing
from .errors import NotAllowed, NotFound, ValidationFailed
from .models import Equipment, Person, Site

KINDS = ("gas_detector", "welding_machine", "harness", "crane", "other")


def calibration_status(eq: Equipment | None, today: date, warn_days: int) -> dict[str, Any]:
    """green / yellow (due within ``warn_days``) / red (overdue); grey when unknown."""
    if eq is None:
        return {"status": "grey", "reason": "unregistered", "due_on": None}
    due = eq.calibration_due_on
    if due is None:
        return {"status": "grey", "reason": "no_calibration_date", "due_on": None}
    if due < today:
        colour, reason = "red", "calibration_overdue"
    elif due <= today + timedelta(days=warn_days):
        colour, reason = "yellow", "calibration_due_soon"
    else:
        colour, reason = "green", "ok"
    return {"status": colour, "reason": reason, "due_on": due.isoformat()}


def _may_manage(actor: Person) -> None:
    if not actor.has_role("admin", "safety_dept", "specialist"):
        raise NotAllowed("only the safety department and specialists register equipment")


def add(session: Session, data: dict[str, Any], *, actor: Person) -> Equipment:
    _may_manage(actor)
    errors: dict[str, list[str]] = {}
    if session.execute(select(Equipment.id).where(Equipment.code == data["code"])).first():
        errors["code"] = ["equipment with this code is already registered"]
    if data.get("site") and session.get(Site, data["site"]) is None:
        errors["site"] = [f"unknown site {data['site']!r}"]
    _check_dates(data, errors)
    if errors:
        raise ValidationFailed(errors)
    eq = Equipment(code=data["code"], name=data["name"], kind=data.get("kind", "gas_detector"),
                   site_code=data.get("site"), last_calibrated_on=data.get("last_calibrated_on"),
                   calibration_due_on=data.get("calibration_due_on"))
    session.add(eq)
    session.flush()
    auditing.record(session, "equipment.added", by=actor, data={
        "equipment_id": eq.id, "code": eq.code, "kind": eq.kind})
    return eq


def _check_dates(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    done, due = data.get("last_calibrated_on"), data.get("calibration_due_on")
    if done is not None and due is not None and due <= done:
        errors["calibration_due_on"] = ["must be after last_calibrated_on"]


def calibrate(session: Session, eq_id: int, data: dict[str, Any], *, actor: Person
              ) -> Equipment:
    _may_manage(actor)
    eq = get(session, eq_id)
    errors: dict[str, list[str]] = {}
    _check_dates(data, errors)
    if errors:
        raise ValidationFailed(errors)
    eq.last_calibrated_on = data["last_calibrated_on"]
    eq.calibration_due_on = data["calibration_due_on"]
    auditing.record(session, "equipment.calibrated", by=actor, data={
        "equipment_id": eq.id, "calibrated_on": eq.last_calibrated_on.isoformat(),
        "due_on": eq.calibration_due_on.isoformat()})
    return eq


def get(session: Session, eq_id: int) -> Equipment:
    eq = session.get(Equipment, eq_id)
    if eq is None:
        raise NotFound("equipment", eq_id)
    return eq


def listed(session: Session, *, site: str | None = None, kind: str | None = None
           ) -> list[Equipment]:
    query = select(Equipment).where(Equipment.active.is_(True)).order_by(Equipment.code)
    if site:
        query = query.where(Equipment.site_code == site)
    if kind:
        query = query.where(Equipment.kind == kind)
    return list(session.execute(query).scalars())


def by_codes(session: Session, codes: set[str]) -> dict[str, Equipment]:
    if not codes:
        return {}
    rows = session.execute(select(Equipment).where(Equipment.code.in_(codes))).scalars()
    return {e.code: e for e in rows}


def view(eq: Equipment, today: date, warn_days: int) -> dict[str, Any]:
    return {"id": eq.id, "code": eq.code, "name": eq.name, "kind": eq.kind,
            "site": eq.site_code,
            "last_calibrated_on": eq.last_calibrated_on.isoformat()
            if eq.last_calibrated_on else None,
            "calibration_due_on": eq.calibration_due_on.isoformat()
            if eq.calibration_due_on else None,
            "calibration": calibration_status(eq, today, warn_days)}
