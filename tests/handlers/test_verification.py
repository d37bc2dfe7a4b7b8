"""The national certificate lookup adapter against a local HTTP server the test starts."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from engine import OutboxMessage, db
from handlers.verification import CertificateLookup, LookupConfig
from tests.api import Api, person_id

AUTH = "Basic " + base64.b64encode(b"plant:s3cret").decode()


class Register(BaseHTTPRequestHandler):
    """A stand-in for the national register: answers by certificate number."""

    requests: list[dict] = []

    def do_GET(self) -> None:
        query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        Register.requests.append(query)
        if self.headers.get("Authorization") != AUTH:
            return self._send(401, {"error": "unauthorized"})
        number = query.get("certificate_no", "")
        if number == "SLOW":
            time.sleep(1.0)
        if number == "BROKEN":
            return self._send(500, {"error": "down"})
        if number == "MISSING":
            return self._send(404, {})
        name = "别人" if number == "MISMATCH" else query.get("name")
        return self._send(200, {"found": True, "name": name, "valid_until": "2030-03-01",
                                "status": "valid"})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def register() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Register)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Register.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}/lookup"
    server.shutdown()
    server.server_close()
    thread.join()


def client(url: str, **kwargs: object) -> CertificateLookup:
    return CertificateLookup(LookupConfig(url=url, username="plant", password="s3cret",
                                          timeout=0.3, **kwargs))  # type: ignore[arg-type]


def ask(lookup: CertificateLookup, number: str, name: str = "张伟"):
    return lookup.lookup(number=number, name=name, type_code="welding_cutting",
                         expires_on=date(2030, 3, 1))


def test_answers_are_judged_and_cached(register):
    lookup = client(register)
    assert ask(lookup, "OK-1").status == "verified"
    assert ask(lookup, "OK-1").status == "verified"
    assert len(Register.requests) == 1  # the second answer came from the cache
    assert Register.requests[0] == {"certificate_no": "OK-1", "name": "张伟",
                                    "category": "welding_cutting"}
    mismatch = ask(lookup, "MISMATCH")
    assert mismatch.status == "mismatch" and "别人" in mismatch.note
    assert ask(lookup, "MISSING").status == "not_found"
    other = lookup.lookup(number="OK-2", name="张伟", type_code="welding_cutting",
                          expires_on=date(2031, 1, 1))
    assert other.status == "mismatch" and "2030-03-01" in other.note


def test_no_answer_leaves_it_unverified_and_asks_again_next_time(register):
    lookup = client(register)
    broken = ask(lookup, "BROKEN")
    assert broken.status == "unverified" and "HTTP 500" in broken.note
    assert ask(lookup, "BROKEN").status == "unverified"
    assert len(Register.requests) == 2  # failures are not cached
    slow = ask(lookup, "SLOW")
    assert slow.status == "unverified" and "unreachable" in slow.note
    wrong_password = CertificateLookup(LookupConfig(url=register, username="plant",
                                                    password="nope", timeout=0.3))
    assert ask(wrong_password, "OK-1").status == "unverified"
    nobody_home = client("http://127.0.0.1:1/lookup")
    assert "unreachable" in ask(nobody_home, "OK-1").note


def test_api_check_records_the_answer_and_says_unverified_when_unreachable(
        plant, register, monkeypatch):
    monkeypatch.setitem(plant.config, "CERT_LOOKUP_URL", register)
    monkeypatch.setitem(plant.config, "CERT_LOOKUP_USER", "plant")
    monkeypatch.setitem(plant.config, "CERT_LOOKUP_PASSWORD", "s3cret")
    monkeypatch.setitem(plant.config, "CERT_LOOKUP_TIMEOUT", 0.3)
    safety = Api(plant, "safety_dept")
    welder = person_id(plant, "张伟（焊工）")
    r = safety.post(f"/people/{welder}/certificates", json={
        "type_code": "welding_cutting", "number": "OK-9", "issued_on": "2024-03-01",
        "expires_on": "2030-03-01"})
    assert r.json["verification"] == "unverified"
    with plant.app_context():  # checked in the background: a job was queued
        queued = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.actor == "certificates.verify")).scalars().all()
        assert [m.payload["certificate_id"] for m in queued] == [r.json["id"]]
    checked = safety.post(f"/certificates/{r.json['id']}/verify", json={})
    assert checked.json["verification"] == "verified" and checked.json["verified_at"]
    asked = len(Register.requests)
    safety.post(f"/certificates/{r.json['id']}/verify", json={})
    assert len(Register.requests) == asked  # a fresh answer is on file
    monkeypatch.setitem(plant.config, "CERT_LOOKUP_URL", "http://127.0.0.1:1/lookup")
    down = safety.post(f"/certificates/{r.json['id']}/verify", json={"force": True})
    assert down.json["verification"] == "unverified"
    assert "unreachable" in down.json["verification_note"]
    profile = safety.get(f"/people/{welder}").json
    [shown] = [c for c in profile["certificates"] if c["number"] == "OK-9"]
    assert shown["verification"] == "unverified" and "不可达" in shown["verification_note"]
