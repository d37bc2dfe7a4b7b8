"""A permit's history, from the audit log of its process instance."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import AuditEvent, HumanTask

from . import entries, geo
from .models import GasReading, Permit, PermitApproval
from .supervision import evidence as supervision_evidence
from .types.base import plant_settings


def events(session: Session, permit: Permit) -> list[dict[str, Any]]:
    if permit.instance_id is None:
        return []
    rows = session.execute(select(AuditEvent).where(AuditEvent.instance_id == permit.instance_id)
                           .order_by(AuditEvent.id)).scalars().all()
    return [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action,
             "process_version": e.process_version, "data": e.data} for e in rows]


def tasks(session: Session, permit: Permit) -> list[HumanTask]:
    if permit.instance_id is None:
        return []
    return list(session.execute(select(HumanTask).where(
        HumanTask.instance_id == permit.instance_id).order_by(HumanTask.created_at))
        .scalars())


def evidence(session: Session, permit: Permit) -> dict[str, Any]:
    readings = session.execute(select(GasReading).where(GasReading.permit_id == permit.id)
                               .order_by(GasReading.sampled_at)).scalars().all()
    approvals = session.execute(select(PermitApproval).where(
        PermitApproval.permit_id == permit.id).order_by(PermitApproval.decided_at)).scalars()
    return {
        "gas_readings": [{"step": r.step, "gas": r.gas, "value": r.value, "unit": r.unit,
                          "value_percent_vol": r.value_percent_vol, "limit": r.limit,
                          "passed": r.passed, "sampled_at": r.sampled_at.isoformat(),
                          "point": r.point, "instrument_id": r.instrument_id,
                          "photo": r.photo_id, "recorded_by": r.recorded_by}
                         for r in readings],
        "approvals": [{"step": a.step, "role": a.role, "decision": a.decision,
                       "person_id": a.person_id, "rule": a.rule,
                       "rule_version": a.rule_version, "comment": a.comment,
                       "decided_at": a.decided_at.isoformat(),
                       "location": {"lat": a.lat, "lon": a.lon} if a.lat is not None else None,
                       **signing_place(permit, a)}
                      for a in approvals],
        "sign_ins": supervision_evidence.sign_ins(session, permit),
        "supervision": supervision_evidence.supervision(session, permit),
        **({"entry_log": entries.log(session, permit)} if entries.keeps_log(permit) else {}),
    }


def signing_place(permit: Permit, approval: PermitApproval) -> dict[str, Any]:
    """How far from the work point a person signed (GB 30871 4.11: at the work site).

    ``location_warning``: ``missing`` (no position sent) or ``far`` (beyond the plant's
    limit); None when the signature was on site or the approval was by rule.
    """
    if approval.person_id is None:
        return {"distance_m": None, "location_warning": None}
    if approval.lat is None or approval.lon is None:
        return {"distance_m": None, "location_warning": "missing"}
    distance = geo.distance_m(permit.lat, permit.lon, approval.lat, approval.lon)
    limit = plant_settings().get("approval_max_distance_m", 200)
    return {"distance_m": round(distance, 1),
            "location_warning": "far" if distance > limit else None}
