"""Idempotency-Key on apply and complete: a retried write gets the first answer back."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from engine import AuditEvent, HumanTask, db
from engine.idempotency import IdempotencyKey
from tests.api import Api, hot_work_application, measures, person_id
from tests.web.conftest import count_permits, new_permit, task_id


def send(api: Api, path: str, body, key: str | None):
    headers = {"Authorization": f"Bearer {api.token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(f"/api/v1{path}", headers=headers, json=body)


def application(plant, frozen_clock):
    return hot_work_application(plant, start=frozen_clock.now() + timedelta(minutes=20))


def test_a_retried_apply_returns_the_first_permit_not_a_second(plant, frozen_clock):
    applicant = Api(plant, "applicant")
    body = application(plant, frozen_clock)
    first = send(applicant, "/permits", body, "apply-7f3c")
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    again = send(applicant, "/permits", body, "apply-7f3c")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count_permits(plant) == 1
    # the same body under a new key is a new application
    assert send(applicant, "/permits", body, "apply-8a01").status_code == 201
    assert count_permits(plant) == 2


def test_a_retried_completion_returns_the_first_answer_instead_of_409(plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    applicant = permit["api"]
    task = task_id(plant, permit["id"], "safety_measures")
    body = {"data": measures(person_id(plant, "applicant"))}
    first = send(applicant, f"/tasks/{task}/complete", body, "done-1")
    assert first.status_code == 200, first.get_json()
    again = send(applicant, f"/tasks/{task}/complete", body, "done-1")
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (200, "true")
    assert again.get_json() == first.get_json()
    # without the key the retry is what it is: the task is done already
    plain = send(applicant, f"/tasks/{task}/complete", body, None)
    assert plain.status_code == 409
    assert plain.get_json()["errors"]["conflict"][0].startswith("此任务")
    with plant.app_context():
        assert db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "task.completed",
            AuditEvent.data["task_id"].as_string() == task)).scalar() == 1


def test_the_same_key_on_another_request_is_refused_and_changes_nothing(plant, frozen_clock):
    applicant = Api(plant, "applicant")
    body = application(plant, frozen_clock)
    assert send(applicant, "/permits", body, "k-1").status_code == 201
    other = {**body, "description": "另一项作业：更换阀门"}
    r = send(applicant, "/permits", other, "k-1")
    assert r.status_code == 422
    [message] = r.get_json()["errors"]["fields"]["Idempotency-Key"]
    assert message.startswith("此幂等键已用于另一个请求") and "Idempotency-Key" in message
    assert count_permits(plant) == 1
    # nor on another operation
    permit = new_permit(plant, frozen_clock)
    task = task_id(plant, permit["id"], "safety_measures")
    r = send(applicant, f"/tasks/{task}/complete",
             {"data": measures(person_id(plant, "applicant"))}, "k-1")
    assert r.status_code == 422
    with plant.app_context():
        assert db.session.get(HumanTask, task).status == "open"


def test_keys_are_per_person(plant, frozen_clock):
    """Someone else's key is no way to read their answer: the request is judged afresh."""
    applicant = Api(plant, "applicant")
    body = application(plant, frozen_clock)
    assert send(applicant, "/permits", body, "shared-key").status_code == 201
    r = send(Api(plant, "unit_approver"), "/permits", body, "shared-key")
    assert r.status_code == 403  # not an applicant: neither the replay nor a key clash
    assert "Idempotent-Replayed" not in r.headers
    assert count_permits(plant) == 1


def test_a_failed_first_attempt_keeps_no_answer(plant, frozen_clock):
    applicant = Api(plant, "applicant")
    body = application(plant, frozen_clock)
    broken = {**body, "workers": []}
    r = send(applicant, "/permits", broken, "retry-after-fix")
    assert r.status_code == 422
    assert send(applicant, "/permits", body, "retry-after-fix").status_code == 201
    assert count_permits(plant) == 1


def test_keys_expire(plant, frozen_clock, monkeypatch):
    monkeypatch.setitem(plant.config, "IDEMPOTENCY_HOURS", 1)
    permit = new_permit(plant, frozen_clock)
    applicant = permit["api"]
    task = task_id(plant, permit["id"], "safety_measures")
    body = {"data": measures(person_id(plant, "applicant"))}
    assert send(applicant, f"/tasks/{task}/complete", body, "old").status_code == 200
    frozen_clock.advance(timedelta(minutes=50))
    assert send(applicant, f"/tasks/{task}/complete", body, "old").status_code == 200
    frozen_clock.advance(timedelta(minutes=20))
    r = send(applicant, f"/tasks/{task}/complete", body, "old")
    assert r.status_code == 409  # a new request by now: the task is long done
    assert "Idempotent-Replayed" not in r.headers


def test_a_key_must_be_printable_and_short(plant, frozen_clock):
    applicant = Api(plant, "applicant")
    body = application(plant, frozen_clock)
    for key in ("x" * 256, " "):
        r = send(applicant, "/permits", body, key)
        assert r.status_code == 422, key
        assert "Idempotency-Key" in r.get_json()["errors"]["fields"]
    assert count_permits(plant) == 0


def test_two_attempts_with_one_key_at_once_make_one_permit(plant, frozen_clock):
    applicant = Api(plant, "applicant")
    body = application(plant, frozen_clock)
    barrier = threading.Barrier(2)
    answers = []

    def attempt():
        client = plant.test_client()
        barrier.wait()
        r = client.post("/api/v1/permits", json=body, headers={
            "Authorization": f"Bearer {applicant.token}", "Idempotency-Key": "twice"})
        answers.append((r.status_code, r.get_json(), r.headers.get("Idempotent-Replayed")))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a[0] for a in answers) == [201, 201], answers
    assert answers[0][1] == answers[1][1]
    assert sorted(str(a[2]) for a in answers) == ["None", "true"]
    assert count_permits(plant) == 1


def test_the_tick_forgets_expired_keys(plant, frozen_clock, monkeypatch):
    from handlers.jobs import tick
    from web import get_engine, get_jobs

    monkeypatch.setitem(plant.config, "IDEMPOTENCY_HOURS", 1)
    applicant = Api(plant, "applicant")
    assert send(applicant, "/permits", application(plant, frozen_clock), "k").status_code == 201

    def keys_after_tick() -> int:
        with plant.app_context():
            tick(plant, get_engine(), get_jobs())
            return db.session.execute(select(func.count(IdempotencyKey.key))).scalar()

    frozen_clock.advance(timedelta(minutes=50))
    assert keys_after_tick() == 1
    frozen_clock.advance(timedelta(minutes=20))
    assert keys_after_tick() == 0


def test_openapi_documents_the_header(plant):
    spec = plant.test_client().get("/api/v1/openapi.json").get_json()
    for path in ("/permits", "/tasks/{id}/complete"):
        names = [p["name"] for p in spec["paths"][path]["post"].get("parameters", [])]
        assert "Idempotency-Key" in names, path
    assert "Idempotency-Key" not in [
        p["name"] for p in spec["paths"]["/permits/{id}/cancel"]["post"].get("parameters", [])]
