"""Screenshots of the main pages at a phone viewport, for docs/screenshots/.

Starts the app on a temporary SQLite database with the demo plant, a frozen clock
(2026-06-03 10:00 Shanghai) and a few hot-work permits in different states, logs each
user in through the real login form (with CSRF), and has headless Chromium photograph the
pages. Chromium cannot be handed a cookie on the command line, so each user gets a local
port whose server adds that user's session cookie to every request.

    python scripts/screenshots.py [--out docs/screenshots] [--width 390 --height 844]

Needs ``chromium`` (Debian: apt-get install chromium fonts-noto-cjk) and ``requests``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")


def build_app(instance: Path) -> Any:
    os.environ["PERMITFLOW_INSTANCE"] = str(instance)
    # The watcher signs in from a desk here, not with QR + GPS + face at the work point.
    os.environ.setdefault("PERMITFLOW_SUPERVISION_METHOD", "confirmation")
    from engine import clock
    from web import create_app

    clock.set_default_clock(clock.FrozenClock(NOW))
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'shots.sqlite'}",
                       "SECRET_KEY": "screenshots", "UPLOAD_FOLDER": str(instance / "up")})


def seed(app: Any) -> None:
    from werkzeug.security import generate_password_hash

    from engine import db
    from engine.deploy import collect_related
    from processes import demo
    from web import get_engine

    with app.app_context():
        db.create_all()
        demo.seed(db.session, password="demo", password_hash=lambda p: generate_password_hash(
            p, method="pbkdf2:sha256:1000"))
        get_engine().deploy(db.session, collect_related(
            Path(app.config["BPMN_FOLDER"]) / "hot_work.bpmn"), actor="screenshots")
        db.session.commit()


class Api:
    """Just enough of API v1 to put permits into interesting states."""

    def __init__(self, app: Any, username: str):
        self.client = app.test_client()
        r = self.client.post("/api/v1/auth/token", json={"username": username,
                                                         "password": "demo"})
        self.headers = {"Authorization": f"Bearer {r.get_json()['token']}"}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        r = self.client.open(f"/api/v1{path}", method=method, headers=self.headers, **kwargs)
        assert r.status_code < 300, (path, r.status_code, r.get_json())
        return r.get_json()

    def complete(self, permit_id: int, bpmn_id: str, data: dict[str, Any]) -> Any:
        task = next(t for t in self.call("GET", "/tasks")["items"]
                    if t["permit"]["id"] == permit_id and t["bpmn_id"] == bpmn_id)
        return self.call("POST", f"/tasks/{task['id']}/complete", json={"data": data})


def people(app: Any) -> dict[str, int]:
    from sqlalchemy import select

    from engine import db
    from processes.models import Area, Person

    with app.app_context():
        ids = {p.username or p.name: p.id for p in db.session.execute(select(Person)).scalars()}
        for area in db.session.execute(select(Area)).scalars():
            ids[f"area:{area.code}"] = (area.center_lat, area.center_lon)  # type: ignore[assignment]
        return ids


def make_permits(app: Any) -> dict[str, int]:
    ids = people(app)
    applicant, watcher = Api(app, "applicant"), Api(app, "watcher")
    approver = Api(app, "unit_approver")
    start = NOW + timedelta(minutes=20)

    def apply(area: str, description: str, **fields: Any) -> int:
        lat, lon = ids[f"area:{area}"]  # type: ignore[misc]
        body = {"type": "hot_work", "site": "SH1", "area_code": area,
                "location": {"lat": lat, "lon": lon}, "description": description,
                "planned_start": start.isoformat(),
                "planned_end": (start + timedelta(hours=4)).isoformat(),
                "workers": [ids["张伟（焊工）"]], "watcher": ids["watcher"],
                "fields": {"method": "gas_cutting", "outdoor": True, **fields}}
        return applicant.call("POST", "/permits", json=body)["id"]

    def measures(permit_id: int) -> None:
        items = {k: True for k in (
            "purged", "blinds_fitted", "drains_covered", "no_dike_draining",
            "spark_control_at_height", "lining_fire_barrier", "cylinders", "fire_kit",
            "welder_sited_earthed", "no_hazardous_ops_nearby", "distance_rules", "jha_done",
            "continuous_detector", "ex_camera", "other_permits", "other_measures")}
        applicant.complete(permit_id, "safety_measures", {
            "items": items, "blind_count": 2, "confirmed_by": ids["applicant"]})

    def prepare(permit_id: int) -> None:
        measures(permit_id)
        photo = applicant.client.post(
            "/api/v1/uploads", headers=applicant.headers, content_type="multipart/form-data",
            data={"file": (__import__("io").BytesIO(PNG + str(permit_id).encode()),
                           "screen.png", "image/png")}).get_json()["id"]
        sampled = (start - timedelta(minutes=21)).isoformat()
        applicant.complete(permit_id, "gas_test", {
            "readings": [{"gas": "CH4", "value": 8, "unit": "%LEL", "sampled_at": sampled,
                          "point": "法兰下方0.5m"},
                         {"gas": "O2", "value": 20.9, "unit": "%VOL", "sampled_at": sampled,
                          "point": "法兰下方0.5m"}],
            "instrument_id": "GD-2026-017", "photo": photo})

    live = apply("W-1", "机修车间更换泵出口法兰垫片，需气割旧螺栓")
    prepare(live)
    watcher.complete(live, "watcher_sign_in", {"present": True, "comment": "已到现场"})
    approving = apply("PR-1", "1号管廊蒸汽管线支架焊接加固", pipe_rack=True)
    prepare(approving)
    special = apply("U-1", "乙烯装置运行中的冷却水管线补焊", running_equipment=True)
    measures(special)
    fresh = apply("B-3", "罐区防火堤内消防管线切割更换", tank_farm_dike=True)
    rejected = apply("PR-1", "管廊照明支架打磨除锈")
    prepare(rejected)
    approver.complete(rejected, "approve_1", {"decision": "reject",
                                              "comment": "盲板未加到位，整改后重新申请"})
    notify(app, live)
    return {"live": live, "approving": approving, "special": special, "fresh": fresh}


def notify(app: Any, permit_id: int) -> None:
    from engine import db
    from processes import notifications
    from processes.models import Permit

    with app.app_context():
        permit = db.session.get(Permit, permit_id)
        notifications.record(
            db.session, message_id=None, kind="permit.active", role="team_leader",
            site_code="SH1", permit_id=permit_id,
            title=f"作业许可已生效 / Permit live: {permit.number}",
            body=f"valid until {permit.valid_until.isoformat()}")
        notifications.record(
            db.session, message_id=None, kind="permit.expired", role="team_leader",
            site_code="SH1", severity="high", permit_id=permit_id,
            title="作业许可已过期，作业必须停止 / Permit expired, stop work: DH-20260602-0003")
        db.session.commit()


def login_cookie(base: str, username: str) -> str:
    with requests.Session() as s:
        page = s.get(f"{base}/login", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        r = s.post(f"{base}/login", data={"username": username, "password": "demo",
                                          "csrf_token": token.group(1) if token else ""},
                   allow_redirects=False, timeout=10)
        assert r.status_code == 302, (username, r.status_code)
        return "; ".join(f"{c.name}={c.value}" for c in s.cookies)


def with_cookie(wsgi: Callable[..., Any], cookie: str, lang: str | None) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        environ["HTTP_COOKIE"] = cookie
        if lang and "lang=" not in environ.get("QUERY_STRING", ""):
            environ["QUERY_STRING"] = "&".join(
                q for q in (environ.get("QUERY_STRING"), f"lang={lang}") if q)
        return wsgi(environ, start_response)

    return app


def serve(wsgi: Callable[..., Any], port: int) -> Any:
    server = make_server("127.0.0.1", port, wsgi, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def shoot(url: str, out: Path, width: int, height: int) -> None:
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", "--hide-scrollbars", "--lang=zh-CN",
                    "--accept-lang=zh-CN,zh", "--force-device-scale-factor=1",
                    f"--window-size={width},{height}", f"--screenshot={out}", url],
                   check=True, capture_output=True, timeout=60,
                   env={**os.environ, "LANG": "zh_CN.UTF-8", "LANGUAGE": "zh_CN:zh"})
    print(f"{out}  ←  {url}")


def shoot_post(base: str, cookie: str, path: str, data: dict[str, Any], out: Path,
               width: int, height: int, tmp: Path) -> None:
    """Photograph the answer to a form post (a page with errors): Chromium cannot post,
    so the answer is saved to a file whose <base> points back at the server."""
    headers = {"Cookie": cookie}
    page = requests.get(base + path, headers=headers, timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    r = requests.post(base + path, data={**data, "csrf_token": token.group(1) if token else ""},
                      headers=headers, allow_redirects=False, timeout=30)
    assert r.status_code == 422, (path, r.status_code)
    saved = tmp / f"{out.stem}.html"
    saved.write_text(r.text.replace("<head>", f'<head><base href="{base}/">', 1),
                     encoding="utf-8")
    shoot(saved.as_uri(), out, width, height)


def upload_photo(base: str, cookie: str) -> str:
    """As the page script does: the session cookie plus the page's CSRF token."""
    page = requests.get(base + "/", headers={"Cookie": cookie}, timeout=10).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    r = requests.post(f"{base}/api/v1/uploads", timeout=10,
                      headers={"Cookie": cookie, "X-CSRFToken": token.group(1) if token else ""},
                      files={"file": ("screen.png", PNG + b"shot", "image/png")})
    return r.json()["id"]


def task_id(app: Any, permit_id: int, bpmn_id: str) -> str:
    from sqlalchemy import select

    from engine import HumanTask, db
    from processes.models import Permit

    with app.app_context():
        permit = db.session.get(Permit, permit_id)
        return db.session.execute(select(HumanTask.id).where(
            HumanTask.instance_id == permit.instance_id, HumanTask.bpmn_id == bpmn_id,
            HumanTask.status == "open")).scalar_one()


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--height", type=int, default=844)
    parser.add_argument("--port", type=int, default=5310)
    args = parser.parse_args(list(argv) if argv is not None else None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp))
        seed(app)
        permits = make_permits(app)
        plain = serve(app.wsgi_app, args.port)
        base = f"http://127.0.0.1:{args.port}"
        servers = [plain]
        port = args.port
        w, h = args.width, args.height
        tall = max(h, 1800)
        shots: list[tuple[str, str | None, str, str, int]] = [
            ("login", None, None, "/login", h),
            ("home", "applicant", None, "/", h),
            ("apply", "applicant", None, "/permits/new/hot_work", tall),
            ("inbox", "applicant", None, "/inbox", h),
            ("task-safety-measures", "applicant", None,
             f"/tasks/{task_id(app, permits['fresh'], 'safety_measures')}", tall),
            ("task-gas-test", "applicant", None,
             f"/tasks/{task_id(app, permits['special'], 'gas_test')}", tall),
            ("task-approve", "unit_approver", None,
             f"/tasks/{task_id(app, permits['approving'], 'approve_1')}", h),
            ("permit", "applicant", None, f"/permits/{permits['live']}", tall),
            ("permit-approving", "safety_dept", None, f"/permits/{permits['approving']}", h),
            ("permits", "safety_dept", None, "/permits", h),
            ("notifications", "team_leader", None, "/notifications", h),
            ("home-en", "applicant", "en", "/", h),
            ("permit-en", "applicant", "en", f"/permits/{permits['live']}", tall),
            ("not-found", "applicant", None, "/permits/9999", h),
        ]
        cookies: dict[tuple[str, str | None], int] = {}
        for name, user, lang, path, height in shots:
            if user is None:
                target = base
            else:
                if (user, lang) not in cookies:
                    port += 1
                    servers.append(serve(with_cookie(app.wsgi_app, login_cookie(base, user),
                                                     lang), port))
                    cookies[(user, lang)] = port
                target = f"http://127.0.0.1:{cookies[(user, lang)]}"
            shoot(target + path, out / f"{name}.png", w, height)
        # two answers people must understand: a refused crew and a failing gas reading
        ids = people(app)
        cookie = login_cookie(base, "applicant")
        lat, lon = ids["area:W-1"]  # type: ignore[misc]
        shoot_post(base, cookie, "/permits/new/hot_work", {
            "area": "SH1|W-1", "lat": f"{lat:.6f}", "lon": f"{lon:.6f}",
            "description": "机修车间更换泵出口法兰垫片", "planned_start": "2026-06-03T10:20",
            "planned_end": "2026-06-03T14:20", "method": "electric_welding",
            "watcher": ids["watcher"], "workers": [ids["张伟（焊工）"], ids["刘洋（焊工）"]],
            "wind_force": "0"}, out / "apply-refused.png", w, tall, Path(tmp))
        sampled = "2026-06-03T09:59"
        shoot_post(base, cookie, f"/tasks/{task_id(app, permits['special'], 'gas_test')}", {
            "readings.0.gas": "CH4", "readings.0.value": "12", "readings.0.unit": "%LEL",
            "readings.0.sampled_at": sampled, "readings.0.point": "法兰下方0.5m",
            "readings.1.gas": "O2", "readings.1.value": "20.9", "readings.1.unit": "%VOL",
            "readings.1.sampled_at": sampled, "readings.1.point": "法兰下方0.5m",
            "instrument_id": "GD-2026-017", "photo": upload_photo(base, cookie)},
            out / "task-gas-failed.png", w, h, Path(tmp))
        for server in servers:
            server.shutdown()


if __name__ == "__main__":
    main()
