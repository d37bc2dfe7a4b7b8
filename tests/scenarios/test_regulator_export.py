"""The regulator export: a signed JSON document and CSV of the quarter's permits, or a push
to the regulator's endpoint through the outbox with retries."""

from __future__ import annotations

import csv
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from engine import OutboxMessage, db
from handlers.jobs import JOBS
from processes.analytics import export
from tests.api import Api
from tests.processes.analytics.hotspot import generate

KEY = "regulator-shared-key"


@pytest.fixture()
def keyed(plant):
    plant.config.update(REGULATOR_KEY=KEY, REGULATOR_KEY_ID="jinshan-2026")
    yield plant
    plant.config.update(REGULATOR_KEY=None, REGULATOR_URL=None)


def test_signed_json_carries_permits_and_statistics(keyed):
    with keyed.app_context():
        jobs, _ = generate(db.session)
        db.session.remove()
    r = Api(keyed, "safety_dept").get("/reports/regulator-export", year=2026, quarter=1)
    assert r.status == 200, r.json
    envelope = r.json
    assert envelope["signature"]["key_id"] == "jinshan-2026"
    assert export.verify(envelope, KEY.encode())
    doc = envelope["document"]
    assert doc["schema"] == "permitflow.regulator-export/1"
    assert doc["period"] == {"year": 2026, "quarter": 1, "start": "2026-01-01",
                             "end": "2026-03-31", "timezone": "Asia/Shanghai", "site": "SH1"}
    assert len(doc["permits"]) == len(jobs) == doc["statistics"]["jobs"]
    assert doc["statistics"]["flagged_cells"] == 1
    tampered = json.loads(json.dumps(envelope))
    tampered["document"]["statistics"]["incidents"] = 0
    assert not export.verify(tampered, KEY.encode())


def test_csv_has_one_row_per_permit(keyed):
    with keyed.app_context():
        jobs, _ = generate(db.session)
        db.session.remove()
    api = Api(keyed, "safety_dept")
    raw = api.client.get("/api/v1/reports/regulator-export?year=2026&quarter=1&format=csv",
                         headers=api._headers())
    assert raw.status_code == 200 and raw.mimetype == "text/csv"
    assert raw.headers["X-Signature"].startswith("HMAC-SHA256=")
    rows = list(csv.DictReader(io.StringIO(raw.data.decode("utf-8-sig"))))
    assert len(rows) == len(jobs)
    assert set(export.CSV_FIELDS) == set(rows[0])
    assert {r["type_name"] for r in rows} == {"动火作业", "高处作业"}


class Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Receiver.fail_first > 0:
            Receiver.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        Receiver.received.append({"body": json.loads(body),
                                  "key": self.headers["Idempotency-Key"]})
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def receiver():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.received, Receiver.fail_first = [], 1
    yield f"http://127.0.0.1:{server.server_port}/exports"
    server.shutdown()
    server.server_close()


def test_push_goes_through_the_outbox_and_retries(keyed, receiver):
    keyed.config["REGULATOR_URL"] = receiver
    api = Api(keyed, "safety_dept")
    r = api.post("/reports/regulator-export", json={"year": 2026, "quarter": 2})
    assert r.status == 202, r.json
    with keyed.app_context():
        message = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.actor == "reports.regulator_push")).scalar_one()
        mid, payload = message.id, dict(message.payload)
        with pytest.raises(OSError):  # 503 the first time: dramatiq retries the job
            JOBS["reports.regulator_push"](db.session, mid, payload)
        db.session.rollback()
        JOBS["reports.regulator_push"](db.session, mid, payload)
        db.session.commit()
        db.session.remove()
    job = api.get(f"/reports/jobs/{r.json['id']}").json
    assert (job["status"], job["attempts"], job["result"]["http_status"]) == ("done", 2, 202)
    assert len(Receiver.received) == 1
    sent = Receiver.received[0]
    assert sent["key"] == f"permitflow-export-{r.json['id']}"
    assert export.verify(sent["body"], KEY.encode())


def test_push_without_an_endpoint_is_refused(plant):
    r = Api(plant, "safety_dept").post("/reports/regulator-export",
                                       json={"year": 2026, "quarter": 2})
    assert r.status == 422 and "endpoint" in r.json["errors"]["fields"]
