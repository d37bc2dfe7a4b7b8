"""The inbox/workflow consistency check the drills run after every scenario."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import HumanTask, db
from engine.consistency import check_tasks
from tests.api import Api, hot_work_application


def applied(plant, frozen_clock) -> int:
    api = Api(plant, "applicant")
    r = api.post("/permits", json=hot_work_application(
        plant, start=frozen_clock.now() + timedelta(minutes=10)))
    assert r.status == 201, r.json
    return r.json["instance_id"] if "instance_id" in r.json else r.json["id"]


def check(plant):
    from web import get_engine

    with plant.app_context():
        return check_tasks(db.session, get_engine())


def test_a_healthy_plant_is_consistent_and_a_half_written_step_is_found(plant, frozen_clock):
    applied(plant, frozen_clock)
    result = check(plant)
    assert result.ok and result.checked == 1
    runner = plant.test_cli_runner()
    done = runner.invoke(args=["audit", "tasks"])
    assert done.exit_code == 0 and "tasks consistent: 1 instances" in done.output

    with plant.app_context():  # the inbox row of the ready task was never written
        task = db.session.execute(select(HumanTask).where(HumanTask.status == "open")
                                  ).scalars().one()
        task.status = "completed"
        db.session.commit()
        bpmn_id = task.bpmn_id
    [mismatch] = check(plant).mismatches
    assert mismatch.missing and mismatch.missing[0].startswith(f"{bpmn_id}:")
    assert mismatch.extra == []
    done = runner.invoke(args=["audit", "tasks"])
    assert done.exit_code == 1 and "INCONSISTENT: 1 of 1" in done.output

    with plant.app_context():  # and the other way round: open, but the workflow moved on
        task = db.session.get(HumanTask, task.id)
        task.status = "open"
        db.session.add(HumanTask(id="00000000-0000-0000-0000-000000000001",
                                 instance_id=task.instance_id, process_key="hot_work",
                                 bpmn_id="close", status="open", created_at=task.created_at))
        db.session.commit()
    [mismatch] = check(plant).mismatches
    assert mismatch.extra == ["close:00000000-0000-0000-0000-000000000001"]
    assert mismatch.missing == []
