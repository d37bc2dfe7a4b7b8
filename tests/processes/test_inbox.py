"""The approver's inbox in the domain: due times, filters, claims, delegation, bulk."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import HumanTask, db
from processes import bulk, claims, inbox, tasks
from processes.errors import Conflict, NotAllowed, TaskClaimed, ValidationFailed
from processes.models import Permit, Person
from tests.api import Api, hot_work_application
from tests.inbox import add_person, audit_actions, high_risk_permit, low_risk_permit, task_of


def person(username: str, session: Session | None = None) -> Person:
    return (session or db.session).execute(
        select(Person).where(Person.username == username)).scalar_one()


@pytest.fixture()
def two_approvers(plant_all):
    add_person(plant_all, "unit_approver2", "林峰（基层单位负责人）", ["unit_approver"])
    return plant_all


def engine():
    from web import get_engine

    return get_engine()


# -- due times and urgency --------------------------------------------------------------

@pytest.mark.parametrize(("permit_type", "step", "minutes"), [
    ("hot_work", "approve_1", 60), ("hot_work", "approve_3", 120),
    ("excavation", "countersign_fire", 120), ("hot_work", "watcher_sign_in", 30),
    ("work_at_height", "work", None), ("confined_space", "entry_log", None)])
def test_response_time_comes_from_plant_settings(permit_type, step, minutes):
    assert inbox.response_minutes(permit_type, step) == minutes


def test_due_time_is_stamped_when_the_task_opens_and_urgency_follows_the_clock(
        two_approvers, frozen_clock):
    app = two_approvers
    permit = low_risk_permit(app, frozen_clock)
    with app.app_context():
        task = db.session.get(HumanTask, task_of(app, permit["id"], "approve_1"))
        assert task.due_at == task.created_at + timedelta(minutes=60)
        assert inbox.urgency(task, frozen_clock.now()) == "normal"
        assert inbox.urgency(task, frozen_clock.now() + timedelta(minutes=29)) == "normal"
        assert inbox.urgency(task, frozen_clock.now() + timedelta(minutes=30)) == "due_soon"
        assert inbox.urgency(task, frozen_clock.now() + timedelta(minutes=60)) == "overdue"
    frozen_clock.advance(minutes=61)
    with app.app_context():
        me = person("unit_approver")
        overdue = inbox.view(db.session, me, inbox.Filters(urgency="overdue"))
        assert [i.permit.id for i in overdue.items] == [permit["id"]]
        assert overdue.counts["overdue"] == 1
        assert inbox.view(db.session, me, inbox.Filters(urgency="normal")).total == 0


def test_filters_by_type_area_grade_and_urgency(two_approvers, frozen_clock):
    app = two_approvers
    height = low_risk_permit(app, frozen_clock)
    frozen_clock.advance(minutes=40)  # the height approval is now due soon
    hot = high_risk_permit(app, frozen_clock)
    with app.app_context():
        me = person("unit_approver")
        everything = inbox.view(db.session, me)
        assert [i.permit.id for i in everything.items] == [height["id"], hot["id"]]
        assert everything.facets["types"] == ["hot_work", "work_at_height"]
        assert ("PR-1", "PR-1 1号管廊") in everything.facets["areas"]
        assert set(everything.facets["grades"]) == {"I", "grade1"}

        def ids(**kw):
            return [i.permit.id for i in inbox.view(db.session, me, inbox.Filters(**kw)).items]

        assert ids(type="hot_work") == [hot["id"]]
        assert ids(area="W-1") == [height["id"]]
        assert ids(grade="grade1") == [hot["id"]]
        assert ids(urgency="due_soon") == [height["id"]]
        assert ids(urgency="normal", type="hot_work") == [hot["id"]]
        assert ids(type="hot_work", area="W-1") == []
        with pytest.raises(ValidationFailed) as exc:
            inbox.Filters(urgency="soonish")
        assert "urgency" in exc.value.errors


def test_overdue_comes_first_and_bound_tasks_are_mine(two_approvers, frozen_clock):
    app = two_approvers
    first = high_risk_permit(app, frozen_clock)
    frozen_clock.advance(minutes=10)
    second = low_risk_permit(app, frozen_clock)  # opened later, but due after 60 min too
    frozen_clock.advance(minutes=55)  # first overdue (65 min), second due soon (55 min)
    with app.app_context():
        view = inbox.view(db.session, person("unit_approver"))
        assert [(i.permit.id, i.urgency) for i in view.items] == [
            (first["id"], "overdue"), (second["id"], "due_soon")]
        assert view.mine == [] and [lane for lane, _ in view.groups] == ["unit_approver"]
        applicant_view = inbox.view(db.session, person("applicant"))
        assert applicant_view.groups == []  # what the applicant does is bound to them


# -- claims -----------------------------------------------------------------------------

def test_a_claimed_task_is_mine_and_blocks_everyone_else(two_approvers, frozen_clock):
    app = two_approvers
    permit = low_risk_permit(app, frozen_clock)
    task_id = task_of(app, permit["id"], "approve_1")
    with app.app_context():
        claims.claim(db.session, task_id, person=person("unit_approver"))
        db.session.commit()
        mine = inbox.view(db.session, person("unit_approver"))
        assert [i.task.id for i in mine.mine] == [task_id]
        other = inbox.view(db.session, person("unit_approver2"))
        [item] = other.items
        assert item.held_by_other and item.holder_name == "陈刚（基层单位负责人）"
        with pytest.raises(TaskClaimed) as exc:
            tasks.complete(db.session, engine(), task_id, {"decision": "approve"},
                           person=person("unit_approver2"))
        assert "陈刚（基层单位负责人）" in exc.value.reason
        db.session.rollback()
        with pytest.raises(TaskClaimed):
            claims.claim(db.session, task_id, person=person("unit_approver2"))
        # claiming one's own claim again changes nothing and writes no second event
        claims.claim(db.session, task_id, person=person("unit_approver"))
        db.session.commit()
    assert [(a, who) for a, who, _ in audit_actions(app, "task.claim")] == [
        ("task.claimed", "unit_approver")]


def test_only_people_who_may_complete_a_task_may_claim_it(two_approvers, frozen_clock):
    app = two_approvers
    permit = low_risk_permit(app, frozen_clock)
    add_person(app, "nj_approver", "南京审批人", ["unit_approver"], site="NJ1")
    with app.app_context():
        approve = task_of(app, permit["id"], "approve_1")
        with pytest.raises(NotAllowed, match="another site"):
            claims.claim(db.session, approve, person=person("nj_approver"))
        with pytest.raises(NotAllowed, match="role unit_approver"):
            claims.claim(db.session, approve, person=person("safety_dept"))
    applied = Api(app, "applicant").post("/permits", json=hot_work_application(
        app, start=frozen_clock.now() + timedelta(minutes=20)))
    checklist = task_of(app, applied.json["id"], "safety_measures")
    with app.app_context(), pytest.raises(Conflict, match="cannot be claimed"):
        # the applicant's own steps are bound to them: there is nobody to compete with
        claims.claim(db.session, checklist, person=person("applicant"))


def test_two_people_claiming_at_once_exactly_one_wins(two_approvers, frozen_clock):
    app = two_approvers
    permit = low_risk_permit(app, frozen_clock)
    task_id = task_of(app, permit["id"], "approve_1")
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def attempt(username: str) -> None:
        with app.app_context():
            session = Session(db.engine)
            try:
                me = person(username, session)
                session.get(HumanTask, task_id)  # both have read it unclaimed
                barrier.wait()
                claims.claim(session, task_id, person=me)
                session.commit()
                results[username] = "won"
            except TaskClaimed as exc:
                session.rollback()
                results[username] = f"lost to {exc.holder_username}"
            finally:
                session.close()

    threads = [threading.Thread(target=attempt, args=(u,))
               for u in ("unit_approver", "unit_approver2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values())[1].startswith("won")
    winner = next(u for u, r in results.items() if r == "won")
    loser = next(u for u in results if u != winner)
    assert results[loser] == f"lost to {winner}"
    with app.app_context():
        assert db.session.get(HumanTask, task_id).claimed_by == winner
    assert [who for _, who, _ in audit_actions(app, "task.claim")] == [winner]


def test_a_stale_read_cannot_overwrite_a_claim(two_approvers, frozen_clock):
    """The claim is a conditional UPDATE, not read-then-write: a session that read the
    task before the other claim committed still loses."""
    app = two_approvers
    permit = low_risk_permit(app, frozen_clock)
    task_id = task_of(app, permit["id"], "approve_1")
    with app.app_context():
        late = Session(db.engine)
        assert late.get(HumanTask, task_id).claimed_by is None
        late.commit()  # end the read; the identity map still says "unclaimed"
        claims.claim(db.session, task_id, person=person("unit_approver"))
        db.session.commit()
        with pytest.raises(TaskClaimed) as exc:
            claims.claim(late, task_id, person=person("unit_approver2", late))
        assert exc.value.holder_username == "unit_approver"
        late.close()


def test_release_by_the_holder_or_a_safety_manager_only(two_approvers, frozen_clock):
    app = two_approvers
    permit = low_risk_permit(app, frozen_clock)
    task_id = task_of(app, permit["id"], "approve_1")
    with app.app_context():
        claims.claim(db.session, task_id, person=person("unit_approver"))
        db.session.commit()
        with pytest.raises(NotAllowed, match="陈刚"):
            claims.unclaim(db.session, task_id, person=person("unit_approver2"))
        claims.unclaim(db.session, task_id, person=person("safety_dept"),
                       reason="陈刚今日请假")
        db.session.commit()
        assert db.session.get(HumanTask, task_id).claimed_by is None
        with pytest.raises(Conflict, match="not claimed"):
            claims.unclaim(db.session, task_id, person=person("unit_approver"))
        # released, the other approver may now complete it
        tasks.complete(db.session, engine(), task_id, {"decision": "approve"},
                       person=person("unit_approver2"))
        db.session.commit()
        assert db.session.get(Permit, permit["id"]).status == "approved"
    events = audit_actions(app, "task.")
    released = [d for a, who, d in events if a == "task.unclaimed"]
    assert released == [{"permit_id": permit["id"], "task_id": task_id, "task": "approve_1",
                         "lane": "unit_approver", "holder": "unit_approver",
                         "reason": "陈刚今日请假"}]


def test_delegate_to_someone_who_may_complete_it_with_a_reason(two_approvers, frozen_clock):
    app = two_approvers
    permit = low_risk_permit(app, frozen_clock)
    task_id = task_of(app, permit["id"], "approve_1")
    with app.app_context():
        me, other = person("unit_approver"), person("unit_approver2")
        with pytest.raises(ValidationFailed) as exc:
            claims.delegate(db.session, task_id, person=me, to_person_id=other.id, reason=" ")
        assert "reason" in exc.value.errors
        with pytest.raises(ValidationFailed) as exc:
            claims.delegate(db.session, task_id, person=me,
                            to_person_id=person("applicant").id, reason="出差")
        assert "this step needs the role unit_approver" in exc.value.errors["to"][0]
        with pytest.raises(ValidationFailed) as exc:
            claims.delegate(db.session, task_id, person=me,
                            to_person_id=person("safety_dept").id, reason="出差")
        assert "孙强" in exc.value.errors["to"][0]
        task = db.session.get(HumanTask, task_id)
        permit_row = db.session.get(Permit, permit["id"])
        assert [p.username for p in claims.delegates(db.session, task, permit_row,
                                                     person=me)] == ["unit_approver2"]
        claims.delegate(db.session, task_id, person=me, to_person_id=other.id,
                        reason="本人出差，转林峰审批")
        db.session.commit()
        assert db.session.get(HumanTask, task_id).claimed_by == "unit_approver2"
        # the delegator no longer holds it
        with pytest.raises(TaskClaimed, match="林峰"):
            tasks.complete(db.session, engine(), task_id, {"decision": "approve"}, person=me)
        db.session.rollback()
        tasks.complete(db.session, engine(), task_id, {"decision": "approve"}, person=other)
        db.session.commit()
    [event] = [d for a, _, d in audit_actions(app) if a == "task.delegated"]
    assert (event["holder"], event["to"], event["reason"]) == (
        None, "unit_approver2", "本人出差，转林峰审批")


def test_delegation_respects_four_eyes(two_approvers, frozen_clock):
    app = two_approvers
    # the second approver applies for this one: they may not approve it
    add_person(app, "approver_applicant", "既是申请人又是审批人",
               ["unit_approver", "applicant"])
    permit = low_risk_permit(app, frozen_clock)
    with app.app_context():
        row = db.session.get(Permit, permit["id"])
        row.applicant_id = person("approver_applicant").id
        db.session.commit()
        task_id = task_of(app, permit["id"], "approve_1")
        with pytest.raises(ValidationFailed) as exc:
            claims.delegate(db.session, task_id, person=person("unit_approver"),
                            to_person_id=person("approver_applicant").id, reason="x")
        assert "four eyes" in exc.value.errors["to"][0]


# -- bulk approval ----------------------------------------------------------------------

def test_bulk_approves_the_low_risk_lane_and_refuses_the_rest_with_reasons(
        two_approvers, frozen_clock):
    app = two_approvers
    low_a = low_risk_permit(app, frozen_clock)
    low_b = low_risk_permit(app, frozen_clock)
    medium = low_risk_permit(app, frozen_clock, height_m=10.0)  # grade Ⅱ: medium risk
    high = high_risk_permit(app, frozen_clock)
    ids = [task_of(app, p["id"], "approve_1") for p in (low_a, medium, high, low_b)]
    with app.app_context():
        claims.claim(db.session, ids[3], person=person("unit_approver2"))
        db.session.commit()
        outcomes = bulk.approve(db.session, engine(), [*ids, ids[0], "no-such-task"],
                                person=person("unit_approver"), comment="现场已核查")
        db.session.commit()
        by_id = {o.task_id: o for o in outcomes}
        assert len(outcomes) == 5  # the repeated id counts once
        assert by_id[ids[0]].approved and by_id[ids[0]].permit_status == "approved"
        assert "medium risk" in by_id[ids[1]].reason
        assert "high risk" in by_id[ids[2]].reason
        assert "林峰" in by_id[ids[3]].reason  # claimed by someone else
        assert by_id["no-such-task"].reason == "no such task"
        statuses = {p["id"]: db.session.get(Permit, p["id"]).status
                    for p in (low_a, low_b, medium, high)}
        assert statuses == {low_a["id"]: "approved", low_b["id"]: "approving",
                            medium["id"]: "approving", high["id"]: "approving"}
        approval = db.session.get(HumanTask, ids[0])
        assert approval.completed_by == "unit_approver"
        assert approval.data == {"decision": "approve", "comment": "现场已核查"}
    bulk_events = [(d["task_id"], d["outcome"]) for a, _, d in audit_actions(app)
                   if a == "task.bulk_approval"]
    assert bulk_events == [(ids[0], "approved"), (ids[1], "refused"), (ids[2], "refused"),
                           (ids[3], "refused")]


def test_bulk_applies_the_same_rules_as_a_single_approval(two_approvers, frozen_clock):
    app = two_approvers
    permit = low_risk_permit(app, frozen_clock)
    task_id = task_of(app, permit["id"], "approve_1")
    add_person(app, "nj_approver", "南京审批人", ["unit_approver"], site="NJ1")
    with app.app_context():
        [outcome] = bulk.approve(db.session, engine(), [task_id],
                                 person=person("nj_approver"))
        assert not outcome.approved and "another site" in outcome.reason
        [outcome] = bulk.approve(db.session, engine(), [task_id],
                                 person=person("safety_dept"))
        assert "role unit_approver" in outcome.reason
        db.session.commit()
        assert db.session.get(HumanTask, task_id).status == "open"
        completed = [a for a, _, _ in audit_actions(app, "task.completed")]
        assert completed == ["task.completed"]  # only the applicant's checklist


def test_bulk_limits_and_empty_requests_are_refused_as_a_whole(two_approvers):
    with two_approvers.app_context():
        me = person("unit_approver")
        with pytest.raises(ValidationFailed, match="at least one"):
            bulk.approve(db.session, engine(), [], person=me)
        with pytest.raises(ValidationFailed, match="at most 50"):
            bulk.approve(db.session, engine(), [f"t{i}" for i in range(51)], person=me)
