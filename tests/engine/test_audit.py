"""The audit chain notices any edited or removed event."""

from __future__ import annotations

from sqlalchemy import text

from engine import AuditEvent, audit
from tests.engine.conftest import simple_files


def run_one(session, engine):
    engine.deploy(session, simple_files(), actor="designer")
    row = engine.start(session, "simple", {}, actor="alice")
    from engine import HumanTask

    [fill] = session.query(HumanTask).filter_by(instance_id=row.id).all()
    engine.complete_task(session, fill.id, {"amount": 3}, actor="alice")
    session.commit()


def test_untouched_chain_verifies(session, engine):
    run_one(session, engine)
    result = audit.verify(session)
    assert result.ok and result.checked == session.query(AuditEvent).count() == 5


def test_edited_event_is_found(session, engine):
    run_one(session, engine)
    victim = session.query(AuditEvent).order_by(AuditEvent.id).all()[2]
    session.execute(text("UPDATE engine_audit_event SET actor = 'mallory' WHERE id = :i"),
                    {"i": victim.id})
    session.commit()
    session.expire_all()
    result = audit.verify(session)
    assert result.broken_at == victim.id and "edited" in result.reason


def test_removed_event_is_found(session, engine):
    run_one(session, engine)
    events = session.query(AuditEvent).order_by(AuditEvent.id).all()
    session.execute(text("DELETE FROM engine_audit_event WHERE id = :i"), {"i": events[1].id})
    session.commit()
    session.expire_all()
    result = audit.verify(session)
    assert result.broken_at == events[2].id and "removed" in result.reason


def test_a_rolled_back_savepoint_takes_its_audit_events_with_it(session, engine):
    engine.deploy(session, simple_files(), actor="designer")
    row = engine.start(session, "simple", {}, actor="alice")
    from engine import HumanTask, StepRefused

    [fill] = session.query(HumanTask).filter_by(instance_id=row.id).all()
    before = len(audit.pending(session))
    try:
        with audit.savepoint(session):
            # the step's task.completed event is appended before the service refuses
            engine.complete_task(session, fill.id, {"amount": 5000}, actor="alice")
    except StepRefused:
        pass
    assert len(audit.pending(session)) == before
    with audit.savepoint(session):
        engine.complete_task(session, fill.id, {"amount": 3}, actor="alice")
    session.commit()
    actions = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions.count("task.completed") == 1
    assert audit.verify(session).ok
