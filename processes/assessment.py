"""Facts the grading and routing decision tables need, gathered from the domain.

The tables themselves (DMN, next to the BPMN) hold the rules designers may change; this
module only states facts: the area's hazard class, what the job touches, whether it falls
at night, on a rest day or holiday, or in high wind, and the crew's recent history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .errors import ValidationFailed
from .models import Permit, PermitWorker, Site
from .rules import hot_work

#: how far back the crew's history counts for routing
HISTORY = timedelta(days=365)
#: outcomes that count against a crew: work stopped by the validity timer or a suspension
BAD_OUTCOMES = ("expired", "suspended")


def crew_incidents(session: Session, permit: Permit, now: datetime) -> int:
    """How many of the crew's permits in the last year ended badly."""
    crew = permit.worker_ids
    if not crew:
        return 0
    query = (select(func.count(func.distinct(Permit.id)))
             .join(PermitWorker, PermitWorker.permit_id == Permit.id)
             .where(PermitWorker.person_id.in_(crew), Permit.id != permit.id,
                    Permit.created_at >= now - HISTORY, Permit.status.in_(BAD_OUTCOMES)))
    return int(session.execute(query).scalar_one())


def hot_work_facts(session: Session, permit: Permit, now: datetime) -> dict[str, Any]:
    """Raises ValidationFailed for outdoor work in wind of force 5+ that could wait."""
    site = session.get(Site, permit.site_code)
    fields = permit.fields or {}
    wind = int(fields.get("wind_force") or 0)
    if hot_work.is_outdoor_hot_work_banned(wind, bool(fields.get("outdoor"))) \
            and not fields.get("unavoidable"):
        raise ValidationFailed({"fields.wind_force": [
            f"风力{wind}级：禁止露天动火；确需动火须声明不可推迟并升级管理 / wind force {wind}: "
            "outdoor hot work is banned unless it cannot wait (GB 30871 5.2.15)"]},
            code="wind_ban")
    reasons = hot_work.upgrade_reasons(
        permit.planned_start, permit.planned_end, outdoor=bool(fields.get("outdoor")),
        wind_force=int(fields.get("wind_force") or 0),
        tz=site.timezone if site else hot_work.DEFAULT_PLANT_TZ)
    return {
        "hazard_class": permit.area.hazard_class,
        "running_equipment": bool(fields.get("running_equipment")),
        "tank_farm_dike": bool(fields.get("tank_farm_dike") or permit.area.is_tank_farm_dike),
        "pipe_rack": bool(fields.get("pipe_rack") or permit.area.is_pipe_rack),
        "upgrade": bool(reasons),
        "upgrade_reasons": reasons,
        "night": "night" in reasons,
        "crew_incidents": crew_incidents(session, permit, now),
    }
