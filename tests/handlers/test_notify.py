"""Alert channels against local servers: WeChat Work, DingTalk (signed), SMS, e-mail.

The servers are started by the tests and record what they receive. Delivery goes the
real way: outbox → dramatiq actor → HTTP/SMTP, with retries, back-off and dead letters;
a worker killed in the middle of a request does not make the alert arrive twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import OutboxMessage, clock, db, outbox
from processes.models import NotificationDelivery, Person
from tests.api import Api
from tests.supervision import Recorder, free_port, run_jobs, start_jobs, stop_jobs

ROOT = Path(__file__).resolve().parents[2]
SECRET = "SEC0123456789abcdef"


class Mailbox:
    def __init__(self):
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                              "data": envelope.content.decode("utf-8", errors="replace")})
        return "250 OK"


@pytest.fixture()
def channels(plant):
    from aiosmtpd.controller import Controller

    wecom, dingtalk, sms = Recorder(), Recorder(), Recorder((200, {"code": "OK"}))
    mailbox = Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    before = plant.config.get("NOTIFY")
    plant.config["NOTIFY"] = {
        "timeout": 5, "base_url": "https://permits.example",
        "wecom": {"webhook": f"{wecom.url}/cgi-bin/webhook/send?key=wk"},
        "dingtalk": {"webhook": f"{dingtalk.url}/robot/send?access_token=dt", "secret": SECRET},
        "sms": {"url": f"{sms.url}/sms", "template": '{"mobile": "{phone}", "content": "{text}",'
                ' "sign": "石化厂"}', "headers": {"X-Api-Key": "k1"}, "success_contains": "OK"},
        "email": {"host": "127.0.0.1", "port": smtp.port, "sender": "alerts@plant.example",
                  "to": {"safety_director": ["director@plant.example"]}},
    }
    start_jobs(plant)
    with plant.app_context():
        director = db.session.execute(select(Person).where(
            Person.username == "safety_director")).scalar_one()
        director.phone = "13800000001"
        db.session.commit()
    yield {"wecom": wecom, "dingtalk": dingtalk, "sms": sms, "mail": mailbox}
    stop_jobs(plant)
    plant.config["NOTIFY"] = before
    smtp.stop()
    for server in (wecom, dingtalk, sms):
        server.stop()


def alert(plant, title: str, role: str = "safety_director", severity: str = "high") -> None:
    with plant.app_context():
        outbox.enqueue(db.session, "notify.send", {
            "kind": "test", "title": title, "body": "监护人不在岗", "role": role,
            "severity": severity}, now=clock.now())
        db.session.commit()


def deliveries(plant) -> dict[str, NotificationDelivery]:
    with plant.app_context():
        rows = db.session.execute(select(NotificationDelivery)).scalars().all()
        db.session.expunge_all()
        return {r.channel: r for r in rows}


def test_a_high_alert_reaches_every_channel_of_the_role_once(plant, channels):
    alert(plant, "动火作业监护人缺位")
    run_jobs(plant)
    run_jobs(plant)
    wecom, dingtalk, sms, mail = (channels[k] for k in ("wecom", "dingtalk", "sms", "mail"))
    assert [t.splitlines()[0] for t in wecom.texts()] == ["【动火作业监护人缺位】"]
    assert wecom.requests[0]["json"]["msgtype"] == "text"

    [ding] = dingtalk.requests
    timestamp, sign = ding["query"]["timestamp"][0], ding["query"]["sign"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert sign == expected and ding["query"]["access_token"] == ["dt"]
    assert int(timestamp) == round(clock.now().timestamp() * 1000)

    [text] = sms.requests
    assert text["json"]["mobile"] == "13800000001" and text["json"]["sign"] == "石化厂"
    assert "动火作业监护人缺位" in text["json"]["content"]
    assert text["headers"]["X-Api-Key"] == "k1"

    [message] = mail.messages
    assert message["to"] == ["director@plant.example"]
    assert "Subject: =?utf-8?" in message["data"] or "动火作业监护人缺位" in message["data"]
    assert {d.status for d in deliveries(plant).values()} == {"sent"}


def test_info_goes_only_where_the_routes_say(plant, channels):
    alert(plant, "作业前确认完成", role="team_leader", severity="info")
    run_jobs(plant)
    assert len(channels["wecom"].requests) == 1
    assert channels["dingtalk"].requests == [] and channels["mail"].messages == []


def test_failures_back_off_then_die_into_the_dead_letter_list(plant, channels, frozen_clock):
    channels["wecom"].failures_left = 2
    alert(plant, "复测超时")
    run_jobs(plant)
    row = deliveries(plant)["wecom"]
    assert (row.status, row.attempts) == ("failed", 1) and "HTTP 503" in row.last_error
    first_retry = row.next_attempt_at
    assert first_retry == frozen_clock.now() + __import__("datetime").timedelta(seconds=30)
    run_jobs(plant)
    assert deliveries(plant)["wecom"].attempts == 1  # not before its time
    frozen_clock.set(first_retry)
    run_jobs(plant)
    row = deliveries(plant)["wecom"]
    assert (row.status, row.attempts) == ("failed", 2)
    frozen_clock.set(row.next_attempt_at)
    run_jobs(plant)
    assert deliveries(plant)["wecom"].status == "sent"
    assert len(channels["wecom"].requests) == 3

    channels["dingtalk"].answer = (200, {"errcode": 310000, "errmsg": "sign not match"})
    alert(plant, "签到被拒")
    for _ in range(8):
        run_jobs(plant)
        pending = [d for d in deliveries(plant).values() if d.status == "failed"]
        if pending:
            frozen_clock.set(max(d.next_attempt_at for d in pending))
    admin = Api(plant, "admin")
    items = admin.get("/notifications/dead-letters").json["items"]
    [dead] = [i for i in items if i["channel"] == "dingtalk"]
    assert dead["status"] == "dead" and dead["attempts"] == 6
    assert "sign not match" in dead["last_error"]
    assert dead["notification"]["title"] == "签到被拒"
    assert Api(plant, "watcher").get("/notifications/dead-letters").status == 403

    channels["dingtalk"].answer = (200, {"errcode": 0})
    r = admin.post(f"/notifications/dead-letters/{dead['id']}/retry")
    assert r.status == 200 and r.json["status"] == "pending"
    run_jobs(plant)
    assert [i["channel"] for i in admin.get("/notifications/dead-letters").json["items"]] == []
    assert admin.post(f"/notifications/dead-letters/{dead['id']}/retry").status == 409


WORKER = """
import os, sys
from datetime import datetime, timezone
from engine import clock, db
from engine.models import OutboxMessage
from web import create_app
import handlers.notify as notify
clock.set_default_clock(clock.FrozenClock(datetime.fromisoformat(sys.argv[2])))
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "x", "TESTING": True,
                  "REDIS_URL": None, "NOTIFY": {"timeout": 60,
                  "wecom": {"webhook": sys.argv[3]}}})
with app.app_context():
    message = db.session.get(OutboxMessage, int(sys.argv[4]))
    notify.deliver(db.session, message.id, message.payload)
    db.session.commit()
"""


def test_a_worker_killed_mid_send_does_not_send_the_alert_twice(plant, channels, database_url,
                                                               frozen_clock):
    wecom = channels["wecom"]
    plant.config["NOTIFY"] = {"timeout": 5, "wecom": plant.config["NOTIFY"]["wecom"]}
    alert(plant, "监护人缺位，作业已暂停", role="team_leader")
    from handlers.jobs import notify as record_notification

    with plant.app_context():
        job = db.session.execute(select(OutboxMessage)).scalar_one()
        record_notification(db.session, job.id, job.payload)  # the in-app step, then fan-out
        job.sent_at = clock.now()
        db.session.commit()
        [send] = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.actor == "notify.wecom")).scalars().all()
        send_id = send.id
    wecom.hold.set()  # the robot receives the request and never answers
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, database_url, frozen_clock.now().isoformat(),
         plant.config["NOTIFY"]["wecom"]["webhook"], str(send_id)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wecom.holding.wait(60), worker.communicate(timeout=5)
    finally:
        worker.send_signal(signal.SIGKILL)  # restarted mid-send
        worker.communicate(timeout=30)
    wecom.hold.clear()
    assert len(wecom.requests) == 1
    row = deliveries(plant)["wecom"]
    assert (row.status, row.attempts) == ("sending", 1)

    # the broker redelivers the same message to the new worker: the receipt says no
    with plant.app_context():
        from web import get_jobs

        get_jobs().send(db.session.get(OutboxMessage, send_id))
    run_jobs(plant)
    time.sleep(0.2)
    assert len(wecom.requests) == 1
    # later the tick gives up on the attempt: outcome unknown, for an admin to decide
    frozen_clock.advance(minutes=3)
    run_jobs(plant)
    assert len(wecom.requests) == 1
    [item] = Api(plant, "admin").get("/notifications/dead-letters").json["items"]
    assert item["status"] == "unknown" and "mid-send" in item["last_error"]


def test_every_attempt_carries_the_same_idempotency_key(plant, channels, frozen_clock):
    channels["wecom"].failures_left = 1
    alert(plant, "可燃气体报警", role="team_leader")
    run_jobs(plant)
    frozen_clock.set(deliveries(plant)["wecom"].next_attempt_at)
    run_jobs(plant)
    first, second = channels["wecom"].requests
    row = deliveries(plant)["wecom"]
    assert row.status == "sent"
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"] \
        == f"permitflow:delivery:{row.id}"


def test_a_send_cut_off_mid_request_goes_again_to_a_receiver_that_honours_the_key(
        plant, channels, database_url, frozen_clock):
    wecom = channels["wecom"]
    plant.config["NOTIFY"] = {"timeout": 5, "wecom": plant.config["NOTIFY"]["wecom"],
                              "idempotent": ["wecom"]}
    alert(plant, "受限空间氧含量低", role="team_leader")
    from handlers.jobs import notify as record_notification

    with plant.app_context():
        job = db.session.execute(select(OutboxMessage)).scalar_one()
        record_notification(db.session, job.id, job.payload)
        job.acked_at = clock.now()
        db.session.commit()
        [send] = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.actor == "notify.wecom")).scalars().all()
        send_id = send.id
    wecom.hold.set()
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, database_url, frozen_clock.now().isoformat(),
         plant.config["NOTIFY"]["wecom"]["webhook"], str(send_id)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wecom.holding.wait(60), worker.communicate(timeout=5)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.communicate(timeout=30)
    wecom.hold.clear()
    frozen_clock.advance(minutes=3)  # past stale_sending_seconds
    run_jobs(plant)
    run_jobs(plant)
    first, again = wecom.requests
    row = deliveries(plant)["wecom"]
    assert (row.status, row.attempts) == ("sent", 2)
    assert first["headers"]["Idempotency-Key"] == again["headers"]["Idempotency-Key"]
    assert first["json"] == again["json"]
    # nothing for an admin to decide
    assert Api(plant, "admin").get("/notifications/dead-letters").json["items"] == []


def test_the_answer_is_recorded_even_if_the_database_connection_drops(plant, channels,
                                                                      monkeypatch):
    """The request has reached the robot; the connection that would record it dies."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from processes import deliveries as delivery_rows

    real_finish = delivery_rows.finish_send
    cuts: list[str] = []

    def cut_then_finish(row, now, **kwargs):
        if not cuts:
            cuts.append(row.channel)
            if db.session.get_bind().dialect.name == "postgresql":
                # the server ends this very connection, inside the recording transaction
                db.session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
            raise OperationalError("UPDATE notification_delivery", {},
                                   Exception("server closed the connection unexpectedly"))
        real_finish(row, now, **kwargs)

    monkeypatch.setattr(delivery_rows, "finish_send", cut_then_finish)
    monkeypatch.setattr("handlers.notify.RECORD_RETRY_SECONDS", (0.05, 0.1))
    alert(plant, "盲板抽堵作业超时", role="team_leader")
    run_jobs(plant)
    run_jobs(plant)
    assert cuts == ["wecom"]
    assert len(channels["wecom"].requests) == 1
    row = deliveries(plant)["wecom"]
    assert (row.status, row.attempts) == ("sent", 1) and '"errcode": 0' in row.response
