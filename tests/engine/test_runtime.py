from datetime import timedelta

import pytest

from engine import (
    FormValidationError,
    HumanTask,
    Incident,
    OutboxMessage,
    StaleInstance,
    StepRefused,
    TaskNotReady,
    audit,
)
from tests.engine.conftest import simple_files


def open_tasks(session, instance_id):
    return session.query(HumanTask).filter_by(instance_id=instance_id, status="open").all()


def test_small_amount_runs_to_the_end(session, engine, calls):
    engine.deploy(session, simple_files(), actor="designer")
    row = engine.start(session, "simple", {"ref": "A1"}, actor="alice")
    [fill] = open_tasks(session, row.id)
    assert (fill.bpmn_id, fill.lane, fill.mandatory) == ("fill", "clerk", True)
    engine.complete_task(session, fill.id, {"amount": 5}, actor="alice")
    assert row.status == "completed"
    assert calls == [("check", 5)]
    assert session.query(OutboxMessage).filter_by(actor="test.notify").count() == 1


def test_big_amount_goes_to_the_boss(session, engine):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    [fill] = open_tasks(session, row.id)
    engine.complete_task(session, fill.id, {"amount": 500}, actor="alice")
    [approve] = open_tasks(session, row.id)
    assert (approve.bpmn_id, approve.lane) == ("approve_1", "boss")
    assert row.next_timer_at is not None
    engine.complete_task(session, approve.id, {"decision": "approve"}, actor="bob")
    assert row.status == "completed"
    assert row.next_timer_at is None


def test_form_errors_name_the_field_and_change_nothing(session, engine):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    [fill] = open_tasks(session, row.id)
    revision = row.revision
    with pytest.raises(FormValidationError) as err:
        engine.complete_task(session, fill.id, {"amount": -1, "approvals": 0})
    assert set(err.value.errors) == {"amount", "approvals"}
    with pytest.raises(FormValidationError) as err:
        engine.complete_task(session, fill.id, {})
    assert err.value.errors == {"amount": ["required"]}
    assert row.revision == revision


def test_refusal_is_located_and_rolls_back(session, engine):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    session.commit()
    [fill] = open_tasks(session, row.id)
    with pytest.raises(StepRefused) as err:
        engine.complete_task(session, fill.id, {"amount": 5000})
    assert err.value.bpmn_id == "check"
    assert err.value.errors == {"amount": ["too big to handle"]}
    session.rollback()
    [again] = open_tasks(session, row.id)
    assert again.id == fill.id


def test_completed_task_cannot_complete_twice(session, engine):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    [fill] = open_tasks(session, row.id)
    engine.complete_task(session, fill.id, {"amount": 5})
    with pytest.raises(TaskNotReady):
        engine.complete_task(session, fill.id, {"amount": 5})


def test_stale_revision_is_refused(session, engine):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    [fill] = open_tasks(session, row.id)
    with pytest.raises(StaleInstance):
        engine.complete_task(session, fill.id, {"amount": 5}, expected_revision=row.revision - 1)


def test_failing_service_opens_an_incident_and_retry_resolves_it(session, engine, calls,
                                                                 frozen_clock):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    [fill] = open_tasks(session, row.id)
    calls.fail = ConnectionError("registry offline")
    engine.complete_task(session, fill.id, {"amount": 5})
    incident = session.query(Incident).one()
    assert (incident.bpmn_id, incident.status, row.has_incident) == ("check", "open", True)
    assert "registry offline" in incident.error
    assert engine.due_incidents(session) == []
    frozen_clock.advance(minutes=1)
    assert engine.due_incidents(session) == [incident.id]
    engine.retry_incident(session, incident.id)
    assert incident.retries == 1 and incident.status == "open"
    calls.fail = None
    engine.retry_incident(session, incident.id, actor="admin")
    assert incident.status == "resolved"
    assert row.status == "completed" and not row.has_incident


def test_skipping_an_incident_moves_on_without_running_the_task_and_is_audited(
        session, engine, calls, frozen_clock):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    [fill] = open_tasks(session, row.id)
    calls.fail = ConnectionError("registry offline")
    engine.complete_task(session, fill.id, {"amount": 5})
    incident = session.query(Incident).one()
    ran = len(calls)
    engine.skip_incident(session, incident.id, actor="admin", reason="registry retired")
    assert len(calls) == ran  # the failed operator was not called again
    assert (incident.status, incident.resolved_by, incident.next_retry_at) == (
        "skipped", "admin", None)
    # the gateway after it needs the skipped result: that is a new incident, where it fails
    [gateway] = session.query(Incident).filter_by(status="open").all()
    assert gateway.bpmn_id == "gw" and "checked" in gateway.error and row.has_incident
    [event] = [e for e in audit.pending(session) if e["action"] == "incident.skipped"]
    assert (event["actor"], event["data"]["reason"]) == ("admin", "registry retired")
    with pytest.raises(TaskNotReady):
        engine.skip_incident(session, incident.id, actor="admin", reason="again")


def test_timer_fires_when_the_clock_passes_it(session, engine, frozen_clock):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    [fill] = open_tasks(session, row.id)
    engine.complete_task(session, fill.id, {"amount": 500})
    assert engine.due_timer_instances(session) == []
    frozen_clock.advance(timedelta(minutes=61))
    assert engine.due_timer_instances(session) == [row.id]
    engine.fire_timers(session, row)
    assert row.status == "completed"
    assert open_tasks(session, row.id) == []
    assert session.query(HumanTask).filter_by(bpmn_id="approve_1").one().status == "cancelled"


def test_cancel_closes_open_tasks(session, engine):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    engine.cancel(session, row.id, actor="admin", reason="duplicate")
    assert row.status == "cancelled"
    assert open_tasks(session, row.id) == []


def test_every_step_is_audited_and_the_chain_verifies(session, engine):
    engine.deploy(session, simple_files(), actor="designer")
    row = engine.start(session, "simple", {}, actor="alice")
    [fill] = open_tasks(session, row.id)
    engine.complete_task(session, fill.id, {"amount": 5}, actor="alice")
    session.commit()
    actions = [e.action for e in session.query(audit.AuditEvent).order_by("id")]
    assert actions == ["definition.deployed", "instance.started", "task.completed",
                       "service.completed", "instance.completed"]
    assert audit.verify(session).ok


def test_skip_moves_past_a_task_and_leaves_an_audited_gap(session, engine, calls):
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {"amount": 5})
    [fill] = open_tasks(session, row.id)
    assert engine.task_properties(fill)["mandatory"] == "true"
    with pytest.raises(StaleInstance):
        engine.skip_task(session, fill.id, actor="hse", reason="x", expected_revision=99)
    engine.skip_task(session, fill.id, actor="hse", reason="检测仪故障，经安全部门同意")
    assert fill.status == "skipped" and fill.completed_by == "hse"
    assert fill.data == {"skip_reason": "检测仪故障，经安全部门同意"}
    session.commit()  # audit events are chained and written at commit
    events = session.query(audit.AuditEvent).filter_by(action="task.skipped").all()
    assert [e.data["task"] for e in events] == ["fill"]
    assert events[0].data["reason"] == "检测仪故障，经安全部门同意"
    assert row.status == "completed" and calls == [("check", 5)]
    with pytest.raises(TaskNotReady):
        engine.skip_task(session, fill.id, actor="hse", reason="again")


def test_a_due_policy_stamps_each_task_as_it_opens(session, calls):
    from engine import Engine, OperatorRegistry

    registry = OperatorRegistry()
    registry.register("test.check")(lambda ctx, amount: {"big": amount >= 100})
    seen = []

    def policy(task):
        seen.append((task.bpmn_id, task.lane))
        return task.created_at + timedelta(hours=2) if task.bpmn_id == "fill" else None

    engine = Engine(registry, task_due=policy)
    engine.deploy(session, simple_files())
    row = engine.start(session, "simple", {})
    [fill] = open_tasks(session, row.id)
    assert fill.due_at == fill.created_at + timedelta(hours=2)
    engine.complete_task(session, fill.id, {"amount": 500}, actor="alice")
    [approve] = open_tasks(session, row.id)
    assert approve.due_at is None
    assert seen == [("fill", "clerk"), ("approve_1", "boss")]
