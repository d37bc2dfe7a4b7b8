"""Helpers for supervision tests: run the jobs, make face clips, sign a watcher in, and
local stand-ins for WeChat Work, DingTalk, an SMS gateway and an SMTP server."""

from __future__ import annotations

import io
import json
import math
import socket
import threading
import time
from datetime import timedelta
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.api import Api, Response, gas, hot_work_application, measures, person_id

A, F = 6378137.0, 1 / 298.257223563
E2 = F * (2 - F)


def offset(lat: float, lon: float, north_m: float = 0.0, east_m: float = 0.0
           ) -> tuple[float, float]:
    """A point displaced on the WGS84 ellipsoid (radii of curvature; good to mm at 100 m)."""
    s = math.sin(math.radians(lat))
    m = A * (1 - E2) / (1 - E2 * s * s) ** 1.5
    n = A / math.sqrt(1 - E2 * s * s)
    return (lat + math.degrees(north_m / m),
            lon + math.degrees(east_m / (n * math.cos(math.radians(lat)))))


def run_jobs(app: Flask, rounds: int = 10) -> None:
    """Tick (timers, presence, retries, relay) and let the worker drain, until quiet."""
    from handlers.jobs import tick
    from web import get_engine, get_jobs

    with app.app_context():
        engine, jobs = get_engine(), get_jobs()
    jobs.start_worker(threads=2)
    for _ in range(rounds):
        result = tick(app, engine, jobs)
        jobs.join()
        if result.sent == 0 and result.failed == 0:
            return


def start_jobs(app: Flask) -> None:
    """A clean broker for the test (no messages left by another run)."""
    from web import get_jobs

    with app.app_context():
        jobs = get_jobs()
    jobs.stop_worker()
    jobs.broker.flush_all()


def stop_jobs(app: Flask) -> None:
    from web import get_jobs

    with app.app_context():
        get_jobs().stop_worker()


# -- clips --------------------------------------------------------------------------------
@cache
def _segment(prompt: str) -> tuple[Any, ...]:
    from tests.handlers import liveness_clips as clips

    if prompt == "blink":
        return tuple(clips.blink_clip(16, at=3))
    if prompt in ("turn_left", "turn_right"):
        return tuple(clips.turn_clip(20, at=3, degrees=30 if prompt == "turn_left" else -30))
    if prompt == "static":
        return tuple(clips.static_clip(30))
    raise ValueError(f"no synthetic clip for {prompt}")


def face_clip(prompts: list[str]) -> bytes:
    """A WebM of the astronaut performing ``prompts`` in order."""
    from tests.handlers import liveness_clips as clips

    frames = [f for p in prompts for f in _segment(p)] or list(_segment("static"))
    return clips.webm(frames)


@cache
def static_clip() -> bytes:
    return face_clip(["static"])


#: prompts the synthetic clips can perform (open_mouth has no synthetic clip)
PROMPTS_FOR_TESTS = {"prompts": {"choices": ["blink", "turn_left", "turn_right"], "min": 2,
                                 "max": 2}}


# -- a permit to sign in to -----------------------------------------------------------------
def approved_permit(plant: Flask, users: dict[str, Api], clock: Any) -> dict[str, Any]:
    """A low-risk hot-work permit at W-1, approved by rule, waiting for its watcher."""
    start = clock.now() + timedelta(minutes=20)
    applicant = users["applicant"]
    r = applicant.post("/permits", json=hot_work_application(plant, start=start))
    assert r.status == 201, r.json
    permit = r.json
    applicant.complete(permit["id"], "safety_measures", measures(person_id(plant, "applicant")))
    r = applicant.complete(permit["id"], "gas_test",
                           gas(applicant, 8.0, sampled_at=start - timedelta(minutes=21)))
    assert r.json["status"] == "approved"
    return r.json


def qr_token(api: Api, permit_id: int) -> str:
    r = api.get(f"/permits/{permit_id}/qr")
    assert r.status == 200, r.json
    return r.json["token"]


def give_consent(api: Api) -> None:
    """The watcher agrees to the face/GPS notice in force (once; agreeing again is a no-op)."""
    version = api.get("/me/consent").json["text"]["version"]
    r = api.post("/me/consent", json={"version": version, "agree": True})
    assert r.status == 201, r.json


def challenge(api: Api, permit_id: int, token: str, expect: int = 201,
              consent: bool = True) -> Response:
    """Ask for the prompts; with ``consent`` the watcher has agreed to the notice first
    (tests about consent itself pass ``consent=False``)."""
    if consent:
        give_consent(api)
    r = api.post(f"/permits/{permit_id}/sign-ins/challenge", json={"qr": token})
    assert r.status == expect, r.json
    return r


def sign_in(api: Api, permit: dict[str, Any], *, qr: str | None, nonce: str | None,
            north_m: float = 12.0, accuracy: float | None = 8.0, clip: bytes | None = None,
            frames: list[bytes] | None = None, expect: int | None = None) -> Response:
    data: dict[str, Any] = {"device_time": "2026-06-03T10:20:05+08:00"}
    if qr is not None:
        data["qr"] = qr
    if nonce is not None:
        data["nonce"] = nonce
    if accuracy is not None:
        lat, lon = offset(permit["location"]["lat"], permit["location"]["lon"], north_m)
        data.update(lat=str(lat), lon=str(lon), accuracy=str(accuracy))
    if clip is not None:
        data["clip"] = FileStorage(io.BytesIO(clip), "sign-in.webm", content_type="video/webm")
    if frames is not None:
        data["frames"] = [FileStorage(io.BytesIO(f), f"f{i}.jpg", content_type="image/jpeg")
                          for i, f in enumerate(frames)]
        data["fps"] = "15"
    # encoded in memory: the test client would spool a large body to a file it never closes
    boundary, body = encode_multipart(MultiDict([
        (k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]))
    r = api.client.post(f"/api/v1/permits/{permit['id']}/sign-ins", data=body,
                        headers={"Authorization": f"Bearer {api.token}"},
                        content_type=f"multipart/form-data; boundary={boundary}")
    response = Response(r.status_code, r.get_json())
    if expect is not None:
        assert response.status == expect, response.json
    return response


def verdict(plant: Flask, api: Api, sign_in_id: int) -> dict[str, Any]:
    run_jobs(plant)
    r = api.get(f"/sign-ins/{sign_in_id}")
    assert r.status == 200, r.json
    return r.json


# -- local stand-ins for the alert channels ---------------------------------------------------
class Recorder(ThreadingHTTPServer):
    """Records every POST; answers with ``answer`` (status, JSON) or holds it on ``hold``."""

    daemon_threads = True

    def __init__(self, answer: tuple[int, dict[str, Any]] = (200, {"errcode": 0,
                                                                     "errmsg": "ok"})):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.requests: list[dict[str, Any]] = []
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.failures_left = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.hold.clear()
        self.shutdown()
        self.server_close()

    def texts(self) -> list[str]:
        return [r["json"]["text"]["content"] for r in self.requests if r.get("json")
                and "text" in r["json"]]


class _Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        url = urlsplit(self.path)
        self.server.requests.append({"path": url.path, "query": parse_qs(url.query),
                                     "headers": dict(self.headers), "body": body,
                                     "json": parsed, "at": time.monotonic()})
        if self.server.hold.is_set():
            self.server.holding.set()
            time.sleep(30)  # the worker is killed while we wait
            return
        status, answer = self.server.answer
        if self.server.failures_left > 0:
            self.server.failures_left -= 1
            status, answer = 503, {"errcode": -1, "errmsg": "busy"}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- sign-in evidence as stored, for the retention purge ----------------------------------------
def stored_sign_in(app: Flask, permit_id: int, *, age: timedelta, tag: str,
                   frames: int = 2, clip: bool = True, burst: int = 1,
                   fix: bool = True, shared: list[str] | None = None) -> int:
    """A decided face + GPS sign-in ``age`` old, its clip, frames and burst on disk.

    ``tag`` makes the files unique; ``shared`` adds upload ids another record also uses.
    """
    from engine import clock, db
    from processes.models import SignIn
    from processes.supervision import storage

    def put(content: bytes, kind: str) -> str:
        return storage.store(db.session, app.config["UPLOAD_FOLDER"], content,
                             filename=f"{tag}.bin", content_type=kind,
                             person_id=person_id(app, "watcher"), now=clock.now()).id

    with app.app_context():
        signed_at = clock.now() - age
        row = SignIn(
            permit_id=permit_id, person_id=person_id(app, "watcher"), method="qr_gps_face",
            purpose="arrival", status="accepted", accepted=True, reasons=[],
            lat=30.7241 if fix else None, lon=121.3421 if fix else None,
            accuracy_m=6.0 if fix else None, signed_at=signed_at, decided_at=signed_at,
            prompts=["blink", "turn_left"],
            clip_id=put(b"\x1aE\xdf\xa3" + f"clip {tag}".encode(), "video/webm") if clip
            else None,
            frames=[put(b"\xff\xd8\xff" + f"frame {i} {tag}".encode(), "image/jpeg")
                    for i in range(frames)] + list(shared or []),
            details={"geofence": {"passed": True, "reason": None, "radius_m": 50.0,
                                  "distance_m": 12.3, "accuracy_m": 6.0, "in_area": True},
                     "burst": [put(b"\xff\xd8\xff" + f"burst {i} {tag}".encode(),
                                   "image/jpeg") for i in range(burst)],
                     "liveness": {"passed": True, "reasons": []}})
        db.session.add(row)
        db.session.commit()
        return row.id
