"""People acting on one permit in the same second: every answer is a success or a 409.

Each request runs in its own thread with its own test client, app context, session and
database connection, as gunicorn threads would.
"""

from __future__ import annotations

import threading
from collections import Counter

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import AuditEvent, HumanTask, ProcessInstance, db
from processes.models import Permit
from tests.api import Api, measures, person_id
from tests.web.conftest import new_permit, task_id


def _at_once(requests):
    """Send every (api, path, body) at the same moment; their status codes and bodies."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def send(i, api, path, body):
        client = api.app.test_client()
        barrier.wait()
        try:
            r = client.post(f"/api/v1{path}", json=body if body is not None else {},
                            headers={"Authorization": f"Bearer {api.token}"})
        except Exception as exc:  # TESTING propagates what would have been a 500
            answers[i] = (500, repr(exc))
            return
        answers[i] = (r.status_code, r.get_json())

    threads = [threading.Thread(target=send, args=(i, *req)) for i, req in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return answers


def _events(app, instance_id, action):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.instance_id == instance_id, AuditEvent.action == action)).scalar()


def _state(app, permit_id):
    with app.app_context():
        permit = db.session.get(Permit, permit_id)
        instance = db.session.get(ProcessInstance, permit.instance_id)
        open_tasks = db.session.execute(select(func.count()).select_from(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "open")).scalar()
        return permit.status, instance.status, open_tasks, instance.id


def test_twenty_cancels_of_one_permit_one_succeeds_the_rest_409(plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    safety = [Api(plant, "safety_dept") for _ in range(20)]
    answers = _at_once([(api, f"/permits/{permit['id']}/cancel", {"reason": f"重复申请 {i}"})
                        for i, api in enumerate(safety)])
    statuses = Counter(status for status, _ in answers)
    assert statuses == {200: 1, 409: 19}, answers
    for status, body in answers:
        if status == 409:
            assert body["errors"]["conflict"][0][0] > "\u4e00"  # Chinese first
    permit_status, instance_status, open_tasks, instance_id = _state(plant, permit["id"])
    assert (permit_status, instance_status, open_tasks) == ("cancelled", "cancelled", 0)
    assert _events(plant, instance_id, "instance.cancelled") == 1


def test_cancels_racing_completions_end_whole(plant, frozen_clock):
    """Each pair ends as complete-then-cancel, or cancel with the completion refused."""
    permits = [new_permit(plant, frozen_clock) for _ in range(4)]
    applicant, safety = Api(plant, "applicant"), Api(plant, "safety_dept")
    data = {"data": measures(person_id(plant, "applicant"))}
    requests = []
    for permit in permits:
        task = task_id(plant, permit["id"], "safety_measures")
        requests += [(applicant, f"/tasks/{task}/complete", data),
                     (safety, f"/permits/{permit['id']}/cancel", {"reason": "计划调整"})]
    answers = _at_once(requests)
    assert all(status in (200, 409) for status, _ in answers), answers
    for i, permit in enumerate(permits):
        (completed, _), (cancelled, _) = answers[2 * i], answers[2 * i + 1]
        permit_status, instance_status, open_tasks, instance_id = _state(plant, permit["id"])
        completions = _events(plant, instance_id, "task.completed")
        assert completions == (1 if completed == 200 else 0)
        if cancelled == 200:
            assert (permit_status, instance_status, open_tasks) == (
                "cancelled", "cancelled", 0)
            assert _events(plant, instance_id, "instance.cancelled") == 1
        else:  # the completion went first and the cancel met its new revision
            assert completed == 200 and instance_status == "running"


def test_six_completions_of_one_task_one_wins(plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    task = task_id(plant, permit["id"], "safety_measures")
    data = {"data": measures(person_id(plant, "applicant"))}
    answers = _at_once([(Api(plant, "applicant"), f"/tasks/{task}/complete", data)
                        for _ in range(6)])
    assert Counter(status for status, _ in answers) == {200: 1, 409: 5}, answers


FAILURES = {
    "stale": lambda: StaleDataError("UPDATE statement on table 'engine_process_instance' "
                                    "expected to update 1 row(s); 0 were matched."),
    "deadlock": lambda: OperationalError("UPDATE engine_human_task", {},
                                         psycopg.errors.DeadlockDetected("deadlock detected")),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_conflict_at_any_flush_of_a_completion_is_409_and_changes_nothing(
        plant, frozen_clock, monkeypatch, failure):
    permit = new_permit(plant, frozen_clock)
    applicant = permit["api"]
    task = task_id(plant, permit["id"], "safety_measures")
    data = {"data": measures(person_id(plant, "applicant"))}
    _, _, _, instance_id = _state(plant, permit["id"])
    with plant.app_context():
        revision = db.session.get(ProcessInstance, instance_id).revision
    flush = Session.flush
    calls = {"n": 0, "fail_at": 0}

    def flaky_flush(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == calls["fail_at"]:
            raise FAILURES[failure]()
        return flush(self, *args, **kwargs)

    monkeypatch.setattr(Session, "flush", flaky_flush)
    tried = 0
    for fail_at in range(1, 60):
        calls.update(n=0, fail_at=fail_at)
        r = applicant.post(f"/tasks/{task}/complete", json=data)
        if calls["n"] < fail_at:  # this completion has fewer flushes: it went through
            assert r.status == 200, r.json
            break
        tried += 1
        assert r.status == 409, (fail_at, r.status, r.json)
        with plant.app_context():
            assert db.session.get(HumanTask, task).status == "open"
            assert db.session.get(ProcessInstance, instance_id).revision == revision
    else:
        pytest.fail("the completion never got through")
    monkeypatch.setattr(Session, "flush", flush)
    assert tried >= 3  # the step's own flushes, not only the commit's
    assert _events(plant, instance_id, "task.completed") == 1


def test_a_lost_database_is_503_and_changes_nothing(plant, frozen_clock, monkeypatch):
    permit = new_permit(plant, frozen_clock)
    safety = Api(plant, "safety_dept")
    before = _state(plant, permit["id"])
    flush = Session.flush

    def dropped(self, *args, **kwargs):
        if self.new or self.dirty:
            raise OperationalError("UPDATE permit", {}, psycopg.OperationalError(
                "server closed the connection unexpectedly"))
        return flush(self, *args, **kwargs)

    monkeypatch.setattr(Session, "flush", dropped)
    r = safety.post(f"/permits/{permit['id']}/cancel", json={"reason": "计划调整"})
    monkeypatch.setattr(Session, "flush", flush)
    assert r.status == 503
    assert r.json["errors"]["database"][0].startswith("数据库暂时不可用")
    assert _state(plant, permit["id"]) == before


def test_an_answer_that_cannot_be_built_still_reports_the_committed_cancel(
        plant, frozen_clock, monkeypatch):
    from web.api import permits as permit_routes

    permit = new_permit(plant, frozen_clock)

    def broken(_permit):
        raise KeyError("a bug in the detail view")

    monkeypatch.setattr(permit_routes, "detail", broken)
    r = Api(plant, "safety_dept").post(f"/permits/{permit['id']}/cancel",
                                       json={"reason": "计划调整"})
    assert r.status == 200, r.json
    assert r.json["id"] == permit["id"] and r.json["status"] == "cancelled"
    assert r.json["partial"] is True
    assert _state(plant, permit["id"])[:2] == ("cancelled", "cancelled")


def test_claims_completions_and_a_cancel_of_one_approval_at_once(plant_all, frozen_clock):
    """A claim writes the task row after locking the instance, like every step: no
    deadlock with the cancel, and whatever wins, the others are told so."""
    from tests.inbox import add_person, low_risk_permit, task_of

    add_person(plant_all, "unit_approver2", "林峰（基层单位负责人）", ["unit_approver"])
    permit = low_risk_permit(plant_all, frozen_clock)
    task = task_of(plant_all, permit["id"], "approve_1")
    first, second = Api(plant_all, "unit_approver"), Api(plant_all, "unit_approver2")
    safety = Api(plant_all, "safety_dept")
    answers = _at_once([
        (first, f"/tasks/{task}/claim", None),
        (second, f"/tasks/{task}/claim", None),
        (first, f"/tasks/{task}/complete", {"data": {"decision": "approve"}}),
        (second, f"/tasks/{task}/complete", {"data": {"decision": "approve"}}),
        (safety, f"/permits/{permit['id']}/cancel", {"reason": "计划调整"}),
    ])
    assert all(status in (200, 409) for status, _ in answers), answers
    completions = [status for status, _ in answers[2:4]]
    assert completions.count(200) <= 1
    permit_status, instance_status, open_tasks, instance_id = _state(plant_all, permit["id"])
    assert _events(plant_all, instance_id, "task.completed") == completions.count(200) + 1
    if answers[4][0] == 200:
        assert (permit_status, instance_status, open_tasks) == ("cancelled", "cancelled", 0)
