"""A small HTTP client for scenario tests: logs in per role and speaks API v1."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine import db
from processes.models import Person

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")


@dataclass
class Response:
    status: int
    json: Any


class Api:
    def __init__(self, app: Flask, username: str):
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.username = username
        r = self.client.post("/api/v1/auth/token", json={"username": username,
                                                         "password": "demo"})
        assert r.status_code == 200, r.get_json()
        self.token = r.get_json()["token"]

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Response:
        r = self.client.get(f"/api/v1{path}", headers=self._headers(), query_string=params)
        return Response(r.status_code, r.get_json())

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Response:
        r = self.client.post(f"/api/v1{path}", headers=self._headers(), json=json, **kwargs)
        return Response(r.status_code, r.get_json())

    def put(self, path: str, json: Any = None) -> Response:
        r = self.client.put(f"/api/v1{path}", headers=self._headers(), json=json)
        return Response(r.status_code, r.get_json())

    def patch(self, path: str, json: Any = None) -> Response:
        r = self.client.patch(f"/api/v1{path}", headers=self._headers(), json=json)
        return Response(r.status_code, r.get_json())

    def upload_photo(self) -> str:
        r = self.client.post("/api/v1/uploads", headers=self._headers(),
                             data={"file": (io.BytesIO(PNG + self.username.encode()),
                                            "screen.png", "image/png")},
                             content_type="multipart/form-data")
        assert r.status_code == 201, r.get_json()
        return r.get_json()["id"]

    def inbox(self) -> list[dict[str, Any]]:
        r = self.get("/tasks")
        assert r.status == 200, r.json
        return r.json["items"]

    def task_for(self, permit_id: int, bpmn_id: str) -> dict[str, Any]:
        found = [t for t in self.inbox()
                 if t["permit"]["id"] == permit_id and t["bpmn_id"] == bpmn_id]
        assert found, f"{self.username} has no {bpmn_id} for permit {permit_id}: " \
                      f"{[(t['permit']['id'], t['bpmn_id']) for t in self.inbox()]}"
        return found[0]

    def complete(self, permit_id: int, bpmn_id: str, data: dict[str, Any],
                 expect: int = 200) -> Response:
        task = self.task_for(permit_id, bpmn_id)
        r = self.post(f"/tasks/{task['id']}/complete", json={"data": data})
        assert r.status == expect, r.json
        return r


def person_id(app: Flask, name_or_username: str) -> int:
    with app.app_context():
        person = db.session.execute(select(Person).where(
            (Person.username == name_or_username) | (Person.name == name_or_username))
        ).scalar_one()
        return person.id


def hot_work_application(app: Flask, *, area: str = "W-1", start: datetime,
                         hours: float = 4, workers: tuple[str, ...] = ("张伟（焊工）",),
                         **fields: Any) -> dict[str, Any]:
    from processes.models import Area

    with app.app_context():
        area_row = db.session.execute(select(Area).where(Area.code == area)).scalar_one()
        lat, lon = area_row.center_lat, area_row.center_lon
        site = area_row.site_code
    return {
        "type": "hot_work", "site": site, "area_code": area,
        "location": {"lat": lat, "lon": lon},
        "description": "更换泵出口法兰垫片，需气割旧螺栓",
        "planned_start": start.isoformat(), "planned_end": (start + timedelta(hours=hours))
        .isoformat(),
        "workers": [person_id(app, w) for w in workers],
        "watcher": person_id(app, "watcher"),
        "fields": {"method": "gas_cutting", "outdoor": False, "wind_force": 0, **fields},
    }


CHECKLIST_OK = {k: True for k in (
    "purged", "blinds_fitted", "drains_covered", "no_dike_draining", "spark_control_at_height",
    "lining_fire_barrier", "cylinders", "fire_kit", "welder_sited_earthed",
    "no_hazardous_ops_nearby", "distance_rules", "jha_done", "continuous_detector",
    "ex_camera", "other_permits", "other_measures")}


def measures(confirmed_by: int) -> dict[str, Any]:
    return {"items": dict(CHECKLIST_OK), "blind_count": 2, "confirmed_by": confirmed_by}


def gas(api: Api, value: float, unit: str = "%LEL", *, sampled_at: datetime,
        gas_name: str = "CH4") -> dict[str, Any]:
    return {"readings": [{"gas": gas_name, "value": value, "unit": unit,
                          "sampled_at": sampled_at.isoformat(), "point": "法兰下方0.5m"},
                         {"gas": "O2", "value": 20.9, "unit": "%VOL",
                          "sampled_at": sampled_at.isoformat(), "point": "法兰下方0.5m"}],
            "instrument_id": "GD-2026-017", "photo": api.upload_photo()}
