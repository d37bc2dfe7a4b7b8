"""Helpers for inbox tests: permits waiting at an approval step, a second approver."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from engine import HumanTask, db
from tests.api import Api, gas, hot_work_application, person_id
from tests.api import measures as hot_work_measures
from tests.special_work import application, measures

HEIGHT_WORKER = "徐静（高处）"


def add_person(app: Flask, username: str, name: str, roles: list[str],
               site: str | None = "SH1") -> int:
    """Another person who can log in with password "demo"."""
    from processes.models import Person

    with app.app_context():
        person = Person(name=name, username=username, roles=roles, site_code=site,
                        password_hash=generate_password_hash("demo",
                                                             method="pbkdf2:sha256:1000"))
        db.session.add(person)
        db.session.commit()
        return person.id


def low_risk_permit(app: Flask, clock: Any, *, height_m: float = 4.0,
                    area: str = "W-1") -> dict[str, Any]:
    """Work at height of grade Ⅰ (low risk: one approval), waiting at approve_1.

    ``height_m`` above 5 m makes it grade Ⅱ, medium risk: not the low-risk lane."""
    applicant = Api(app, "applicant")
    start = clock.now() + timedelta(minutes=20)
    body = application(app, "work_at_height", start=start, workers=(HEIGHT_WORKER,),
                       area=area, working_height_m=height_m, fall_reference="地面",
                       wind_force=2, weather="clear")
    r = applicant.post("/permits", json=body)
    assert r.status == 201, r.json
    applicant.complete(r.json["id"], "safety_measures",
                       measures("work_at_height", person_id(app, "applicant")))
    return r.json


def high_risk_permit(app: Flask, clock: Any, *, area: str = "PR-1") -> dict[str, Any]:
    """Grade-one hot work on the pipe rack (high risk), waiting at approve_1."""
    applicant = Api(app, "applicant")
    start = clock.now() + timedelta(minutes=20)
    r = applicant.post("/permits", json=hot_work_application(app, area=area, start=start))
    assert r.status == 201, r.json
    permit = r.json
    applicant.complete(permit["id"], "safety_measures",
                       hot_work_measures(person_id(app, "applicant")))
    applicant.complete(permit["id"], "gas_test",
                       gas(applicant, 8.0, sampled_at=start - timedelta(minutes=21)))
    return permit


def task_of(app: Flask, permit_id: int, bpmn_id: str) -> str:
    from processes.models import Permit

    with app.app_context():
        instance_id = db.session.get(Permit, permit_id).instance_id
        return db.session.execute(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == "open")).scalar_one()


def audit_actions(app: Flask, prefix: str = "task.") -> list[tuple[str, str | None,
                                                                   dict[str, Any]]]:
    from engine import AuditEvent

    with app.app_context():
        rows = db.session.execute(select(AuditEvent).where(
            AuditEvent.action.like(f"{prefix}%")).order_by(AuditEvent.id)).scalars()
        return [(e.action, e.actor, e.data) for e in rows]
