"""Phone screenshots (390×844, zh-CN) of the trust-boundary pages, for docs/screenshots/:
a refusal for another site's permit, the consent notice before a face/GPS sign-in, my
personal data, the password change, and the login lock.

    python scripts/screenshots_security.py [--out docs/screenshots]

Runs the app on a temporary SQLite database with the demo plant, in this process, and
drives Debian's chromium through Playwright (never a downloaded browser).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOW = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="pf-shots-"))
    os.environ["PERMITFLOW_INSTANCE"] = str(instance)
    os.environ["PERMITFLOW_SUPERVISION_METHOD"] = "qr_gps"  # consent applies to GPS too
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from engine import clock, db
    from tests.api import Api, hot_work_application
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.conftest import seed_plant
    from tests.supervision import approved_permit
    from web import create_app

    frozen = clock.FrozenClock(NOW)
    clock.set_default_clock(frozen)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 's.sqlite'}",
                      "SECRET_KEY": "shots", "UPLOAD_FOLDER": str(instance / "up"),
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()
    seed_plant(app)
    with app.app_context():
        from processes.models import Person
        from tests.conftest import _fast_hash

        db.session.add(Person(name="南京安全员", username="nj_safety", roles=["safety_dept"],
                              site_code="NJ1", password_hash=_fast_hash("demo")))
        db.session.commit()
    permit = Api(app, "applicant").post("/permits", json=hot_work_application(
        app, start=NOW + timedelta(minutes=30))).json
    live = approved_permit(app, {"applicant": Api(app, "applicant")}, frozen)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        def page_as(username: str):
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                      device_scale_factor=2)
            page = ctx.new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "demo")
            page.click("button[type=submit]")
            return page

        page = page_as("nj_safety")
        page.goto(f"{base}/permits/{permit['id']}")
        page.screenshot(path=str(out / "refused-other-site.png"))
        page = page_as("watcher")
        page.goto(f"{base}/supervision/permits/{live['id']}/sign-in?qr=demo")
        page.screenshot(path=str(out / "consent-notice.png"), full_page=True)
        page.goto(f"{base}/me/personal-data")
        page.screenshot(path=str(out / "my-personal-data.png"), full_page=True)
        page.goto(f"{base}/account/password")
        page.screenshot(path=str(out / "password-change.png"))
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  device_scale_factor=2)
        page = ctx.new_page()
        for _ in range(11):
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "team_leader")
            page.fill("input[name=password]", "wrong")
            page.click("button[type=submit]")
        page.screenshot(path=str(out / "login-locked.png"))
        browser.close()
    server.shutdown()
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
