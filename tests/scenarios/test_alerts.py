"""The daily certificate job, the alert board, and live permits suspended when a crew
certificate lapses — through the tick, the outbox, the worker and the HTTP API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import OutboxMessage, db
from handlers.broker import Jobs, make_broker
from handlers.jobs import DAILY, declare_jobs, tick
from processes.models import Notification
from tests.api import Api, gas, hot_work_application, measures, person_id


@pytest.fixture()
def users(plant):
    return {name: Api(plant, name) for name in (
        "applicant", "watcher", "team_leader", "safety_dept", "unit_approver")}


@pytest.fixture()
def worker(plant):
    jobs = Jobs(plant, make_broker(None))
    declare_jobs(jobs)
    jobs.start_worker(threads=1)
    yield jobs
    jobs.stop_worker()


def run_ticks(plant, jobs: Jobs, times: int = 2) -> list[int]:
    """Tick, let the worker drain, repeat (the job's notifications go out on the next)."""
    from web import get_engine

    daily = []
    for _ in range(times):
        with plant.app_context():
            engine = get_engine()
        daily.append(tick(plant, engine, jobs).daily)
        jobs.join()
    return daily


def notes(plant, **where) -> list[Notification]:
    with plant.app_context():
        query = select(Notification).where(Notification.kind == where.pop("kind"))
        for key, value in where.items():
            query = query.where(getattr(Notification, key) == value)
        rows = list(db.session.execute(query).scalars())
        db.session.expunge_all()
        return rows


def test_daily_job_runs_once_a_day_and_alerts_at_90_days(users, plant, frozen_clock, worker):
    safety = users["safety_dept"]
    welder = person_id(plant, "张伟（焊工）")
    due = (frozen_clock.now() + timedelta(days=91)).date()  # 2026-09-02: green today
    r = safety.post(f"/people/{welder}/certificates", json={
        "type_code": "welding_cutting", "number": "HJ-90", "issued_on": "2023-09-02",
        "expires_on": "2029-09-02", "review_due_on": due.isoformat()})
    assert r.json["status"] == "green"
    board = safety.get("/certificates/alerts").json
    assert "HJ-90" not in [a["certificate"]["number"] for a in board["items"]]
    assert board["counts"] == {"red": 3, "yellow": 1}  # the seeded expired and lapsing ones
    # the daily jobs (certificates, the personal-data purge) are enqueued once a day
    assert run_ticks(plant, worker) == [len(DAILY), 0]
    frozen_clock.advance(days=1)
    assert run_ticks(plant, worker) == [len(DAILY), 0]
    safety = Api(plant, "safety_dept")  # yesterday's token has expired
    board = safety.get("/certificates/alerts", level="yellow").json
    [alert] = [a for a in board["items"] if a["certificate"]["number"] == "HJ-90"]
    assert (alert["reason"], alert["due_on"], alert["days_left"]) == (
        "review_due_soon", "2026-09-02", 90)
    told = notes(plant, kind="certificate.alert")
    targets = {(n.person_id, n.role) for n in told if n.data.get("certificate_id")
               == alert["certificate"]["id"]}
    assert targets == {(welder, None), (person_id(plant, "team_leader"), None),
                       (None, "safety_dept")}


def test_alert_board_scope_and_acknowledgement(users, plant):
    leader, applicant = users["team_leader"], users["applicant"]
    items = leader.get("/certificates/alerts").json["items"]
    assert [(a["person"]["name"], a["level"]) for a in items] == [
        ("刘洋（焊工）", "red"), ("吴迪（危化作业）", "red"), ("杨帆（焊工）", "yellow")]
    assert applicant.get("/certificates/alerts").json["items"] == []
    assert Api(plant, "contractor_admin").get("/certificates/alerts").json["items"] == []
    r = leader.post(f"/certificates/alerts/{items[0]['id']}/acknowledge")
    assert r.status == 200 and r.json["acknowledged_by"] == person_id(plant, "team_leader")
    open_ = leader.get("/certificates/alerts", acknowledged="false").json["items"]
    assert [a["person"]["name"] for a in open_] == ["吴迪（危化作业）", "杨帆（焊工）"]
    assert applicant.post(f"/certificates/alerts/{items[0]['id']}/acknowledge").status == 403


APPROVERS = {"approve_1": "unit_approver", "approve_2": "safety_dept"}


def make_active(users, plant, frozen_clock, hours: float = 4, worker_name="张伟（焊工）"):
    start = frozen_clock.now() + timedelta(minutes=20)
    r = users["applicant"].post("/permits", json=hot_work_application(
        plant, start=start, hours=hours, workers=(worker_name,)))
    assert r.status == 201, r.json
    permit_id = r.json["id"]
    applicant = users["applicant"]
    applicant.complete(permit_id, "safety_measures", measures(person_id(plant, "applicant")))
    r = applicant.complete(permit_id, "gas_test",
                           gas(applicant, 5.0, sampled_at=start - timedelta(minutes=21)))
    for step in [t["bpmn_id"] for t in r.json["open_tasks"]] + ["approve_2"]:
        if step in APPROVERS and step in [t["bpmn_id"] for t in applicant.get(
                f"/permits/{permit_id}").json["open_tasks"]]:
            users[APPROVERS[step]].complete(permit_id, step, {"decision": "approve"})
    users["watcher"].complete(permit_id, "watcher_sign_in", {"present": True})
    assert applicant.get(f"/permits/{permit_id}").json["status"] == "active"
    return permit_id


def test_voiding_the_only_certificate_suspends_live_work_until_renewed(
        users, plant, frozen_clock):
    safety, applicant = users["safety_dept"], users["applicant"]
    permit_id = make_active(users, plant, frozen_clock)
    welder = person_id(plant, "张伟（焊工）")
    [cert] = safety.get(f"/people/{welder}").json["certificates"]
    safety.post(f"/certificates/{cert['id']}/void", json={"reason": "复审不合格，应急管理局注销"})
    permit = applicant.get(f"/permits/{permit_id}").json
    assert permit["status"] == "suspended" and "注销" in permit["status_reason"]
    task = applicant.task_for(permit_id, "work")
    r = applicant.post(f"/tasks/{task['id']}/complete", json={"data": {"finished": True}})
    assert r.status == 409 and "作业已暂停" in r.json["errors"]["conflict"][0]
    with plant.app_context():
        told = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.actor == "notify.send")).scalars().all()
        suspended = [m.payload for m in told if m.payload["kind"] == "permit.suspended"]
    assert person_id(plant, "watcher") in [p.get("person_id") for p in suspended]
    safety.post(f"/people/{welder}/certificates", json={
        "type_code": "welding_cutting", "number": "HJ-NEW", "issued_on": "2026-06-01",
        "expires_on": "2032-06-01"})
    permit = applicant.get(f"/permits/{permit_id}").json
    assert permit["status"] == "active"
    holds = applicant.get(f"/permits/{permit_id}/holds").json["items"]
    assert [(h["kind"], h["resolution"]) for h in holds] == [("credential_lapse", "cleared")]
    applicant.complete(permit_id, "work", {"finished": True})


def test_certificate_lapsing_overnight_suspends_through_the_daily_job(
        users, plant, frozen_clock, worker):
    safety = users["safety_dept"]
    r = safety.post("/people", json={"name": "林涛（焊工）", "site": "SH1"})
    welder = r.json["id"]
    safety.post(f"/people/{welder}/certificates", json={
        "type_code": "welding_cutting", "number": "HJ-LAST", "issued_on": "2020-06-04",
        "expires_on": "2026-06-03", "review_due_on": "2026-06-03"})  # valid through today
    frozen_clock.set(frozen_clock.now().replace(hour=13, minute=40))  # 21:40 in Shanghai
    run_ticks(plant, worker)
    users = {name: Api(plant, name) for name in users}
    permit_id = make_active(users, plant, frozen_clock, hours=7, worker_name="林涛（焊工）")
    frozen_clock.advance(hours=3)  # 00:40 the next day: the certificate has lapsed
    run_ticks(plant, worker)
    permit = Api(plant, "applicant").get(f"/permits/{permit_id}").json
    assert permit["status"] == "suspended" and "HJ-LAST" in permit["status_reason"]
    told = notes(plant, kind="permit.suspended", person_id=person_id(plant, "watcher"))
    assert [n.permit_id for n in told] == [permit_id] and told[0].severity == "high"
