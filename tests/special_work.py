"""Helpers for scenario tests of work at height, lifting, excavation and road closure:
applications in the shape of API v1, complete checklists, firing timers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from engine import db
from processes.rules.checklist import checklist_of
from tests.api import Api, person_id

DESCRIPTIONS = {
    "work_at_height": "更换3号塔顶部安全阀，需搭设脚手架",
    "lifting": "吊装更换换热器管束",
    "excavation": "开挖检修地下消防水管线阀门井",
    "road_closure": "横穿3号路敷设电缆，需断路施工",
}


def application(app: Flask, permit_type: str, *, start: datetime, hours: float = 4,
                area: str = "W-1", workers: tuple[str, ...], watcher: str = "watcher",
                related: tuple[str, ...] = (), **fields: Any) -> dict[str, Any]:
    from processes.models import Area

    with app.app_context():
        row = db.session.execute(select(Area).where(Area.code == area)).scalar_one()
        lat, lon, site = row.center_lat, row.center_lon, row.site_code
    return {
        "type": permit_type, "site": site, "area_code": area,
        "location": {"lat": lat, "lon": lon}, "description": DESCRIPTIONS[permit_type],
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(hours=hours)).isoformat(),
        "workers": [person_id(app, w) for w in workers],
        "watcher": person_id(app, watcher), "related_permits": list(related),
        "fields": fields,
    }


def measures(permit_type: str, confirmed_by: int, **answers: Any) -> dict[str, Any]:
    """Every item of the type's form confirmed, except the answers given."""
    items: dict[str, Any] = {key: True for key in checklist_of(permit_type).CHECKLIST}
    items.update(answers)
    return {"items": items, "confirmed_by": confirmed_by}


def fire_timers(app: Flask) -> int:
    from handlers.jobs import tick
    from web import get_engine, get_jobs

    with app.app_context():
        return tick(app, get_engine(), get_jobs()).timers


def open_tasks(api: Api, permit_id: int) -> list[str]:
    return sorted(t["bpmn_id"] for t in api.get(f"/permits/{permit_id}").json["open_tasks"])
