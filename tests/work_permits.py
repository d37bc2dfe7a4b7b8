"""Applications and step data for the confined-space, blind-plate and temporary-power
scenarios (the hot-work ones are in ``tests/api.py``)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from engine import db
from tests.api import Api, person_id

CHECKLISTS = Path(__file__).resolve().parents[1] / "processes" / "rules" / "data" / \
    "checklists.json"

FIELDS: dict[str, dict[str, Any]] = {
    "confined_space": {
        "space_name": "T-101 原料罐", "original_medium": "粗苯（含少量硫化氢）",
        "entry_count_planned": 2, "toxic_gases": ["H2S"], "flammable_gases": ["CH4"]},
    "blind_plate": {
        "action": "insert", "equipment": "P-101 进料泵出口管线", "line_id": "P-101-DN100",
        "medium": "苯", "temperature_c": 35, "pressure_mpa": 0.4, "toxic": True,
        "blind_material": "20#钢", "blind_spec": "DN100 PN2.5", "drawing_id": "MB-U1-2026-03",
        "blind_number": "MB-07", "drawing_author": "周敏"},
    "temporary_power": {
        "access_point": "W-1 配电室 2# 柜 QF5", "permitted_kw": 20, "voltage_v": 380,
        "equipment": [{"name": "电焊机", "rated_kw": 12}, {"name": "照明", "rated_kw": 1}],
        "cable_laying": ["surface"], "days": 3},
}
WORKERS = {"confined_space": ("钱进（危化作业）", "孙浩（危化作业）"),
           "blind_plate": ("钱进（危化作业）",), "temporary_power": ("黄勇（电工）",)}
AREAS = {"confined_space": "U-1", "blind_plate": "U-1", "temporary_power": "W-1"}


def application(app: Flask, permit_type: str, *, start: datetime, hours: float = 4,
                area: str | None = None, workers: tuple[str, ...] | None = None,
                related: tuple[str, ...] = (), **fields: Any) -> dict[str, Any]:
    from processes.models import Area

    with app.app_context():
        row = db.session.execute(select(Area).where(
            Area.code == (area or AREAS[permit_type]))).scalar_one()
        lat, lon, site, code = row.center_lat, row.center_lon, row.site_code, row.code
    return {
        "type": permit_type, "site": site, "area_code": code, "location": {"lat": lat,
                                                                           "lon": lon},
        "description": {"confined_space": "进入 T-101 原料罐清理罐底残渣",
                        "blind_plate": "P-101 出口管线加装盲板，隔离检修",
                        "temporary_power": "机修车间临时接电供电焊机使用"}[permit_type],
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(hours=hours)).isoformat(),
        "workers": [person_id(app, w) for w in (workers or WORKERS[permit_type])],
        "watcher": person_id(app, "watcher"), "related_permits": list(related),
        "fields": {**FIELDS[permit_type], **fields},
    }


def checklist(app: Flask, permit_type: str, step: str, *, na: tuple[str, ...] = (),
              no: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    """Every item of the step confirmed (``na`` marked not applicable, ``no`` refused)."""
    items = json.loads(CHECKLISTS.read_text(encoding="utf-8"))[permit_type]["items"]
    answers: dict[str, Any] = {}
    for item in items:
        if item["step"] == step:
            answers[item["key"]] = "na" if item["key"] in na else item["key"] not in no
    return {"items": answers, "confirmed_by": person_id(app, "applicant"), **extra}


CS_STEPS = {
    "ventilation": {"method": "forced"},
    "lighting_check": {"voltage_v": 24},
    "communication_test": {"channel": "radio", "tested_ok": True},
    "emergency_preparation": {"rescuers_on_standby": 2},
}


def readings(api: Api, *, sampled_at: datetime, o2: float = 20.9,
             extra: tuple[tuple[str, float, str], ...] = (("CH4", 0.1, "%VOL"),
                                                         ("H2S", 1.0, "ppm"))
             ) -> dict[str, Any]:
    """A gas test: oxygen plus the gases named on the application."""
    rows = [("O2", o2, "%VOL"), *extra]
    return {"readings": [{"gas": g, "value": v, "unit": u, "sampled_at": sampled_at.isoformat(),
                          "point": "罐内中部"} for g, v, u in rows],
            "instrument_id": "GD-2026-021", "photo": api.upload_photo()}


def approve(api: Api, permit_id: int, *, at: dict[str, float] | None = None,
            decision: str = "approve", expect: int = 200, step: str = "approve_1"
            ) -> dict[str, Any]:
    task = api.task_for(permit_id, step)
    body: dict[str, Any] = {"data": {"decision": decision}}
    if at is not None:
        body["location"] = at
    r = api.post(f"/tasks/{task['id']}/complete", json=body)
    assert r.status == expect, r.json
    return r.json


def open_steps(detail: dict[str, Any]) -> list[str]:
    return sorted(t["bpmn_id"] for t in detail["open_tasks"])


def tick(app: Flask) -> Any:
    from handlers.jobs import tick as run_tick
    from web import get_engine, get_jobs

    with app.app_context():
        return run_tick(app, get_engine(), get_jobs())
