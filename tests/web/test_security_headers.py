"""Every answer carries the security headers (web/security_headers.py); templates hold no
inline script, so the Content-Security-Policy can forbid it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.api import Api, person_id
from tests.supervision import approved_permit
from tests.web.conftest import Browser

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def csp(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def assert_secured(response, where: str, referrer: str = "same-origin") -> None:
    policy = csp(response)
    assert policy, f"{where}: no Content-Security-Policy"
    assert policy["script-src"] == "'self'", (where, policy["script-src"])
    assert "'unsafe-inline'" not in policy.get("default-src", "")
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'", where
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'", where
    assert policy["connect-src"] == "'self'", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Referrer-Policy") == referrer, (where, referrer)
    assert "Strict-Transport-Security" not in response.headers, f"{where}: HSTS over HTTP"


def get(client, path: str):
    r = client.get(path)
    r.close()  # static files are streamed from disk
    return r


@pytest.fixture()
def live(plant_all, frozen_clock):
    """An approved hot-work permit (it has a QR card) and its crew's API clients."""
    users = {"applicant": Api(plant_all, "applicant")}
    permit = approved_permit(plant_all, users, frozen_clock)
    return plant_all, permit, users


def test_every_page_and_api_answer_has_the_headers(live):
    app, permit, _users = live
    admin = Browser(app, "admin")
    anonymous = app.test_client()
    plain = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments)
    assert "/" in plain and "/api/v1/tasks" in plain and "/analytics/map" in plain
    # these two answer with access codes (list, fresh QR): checked in the next test
    credentials = {"/api/v1/access-codes", "/contractor"}
    for path in plain:
        referrer = "no-referrer" if path in credentials else "same-origin"
        assert_secured(get(admin.client, path), f"admin {path}", referrer)
        assert_secured(get(anonymous, path), f"anonymous {path}", referrer)
    from engine import ProcessInstance, db

    with app.app_context():
        instance = db.session.query(ProcessInstance).first()
    with_ids = [
        f"/permits/{permit['id']}", f"/console/instances/{instance.id}",
        f"/people/{person_id(app, 'watcher')}", "/console/processes/hot_work/instances",
        "/console/modeler/hot_work", "/permits/new/hot_work",
        "/static/js/shared.js", "/static/css/app.css",
        "/no/such/page", "/api/v1/no/such/thing", f"/api/v1/permits/{permit['id']}",
    ]
    for path in with_ids:
        assert_secured(get(admin.client, path), f"admin {path}")
    # JSON errors and refusals too
    r = anonymous.get("/api/v1/tasks")
    assert r.status_code == 401 and r.is_json
    assert_secured(r, "API 401")
    r = anonymous.post("/api/v1/auth/token", json={"username": "x", "password": "y"})
    assert_secured(r, "API login refused")


def test_credential_pages_send_no_referrer(live):
    """The access code and the QR token are in these URLs: never leak them on a link."""
    app, permit, users = live
    crew = Browser(app, "applicant")
    for path in (f"/supervision/permits/{permit['id']}/card",
                 f"/supervision/permits/{permit['id']}/pre-work"):
        assert_secured(get(crew.client, path), path, referrer="no-referrer")
    watcher = Browser(app, "watcher")
    path = f"/supervision/permits/{permit['id']}/sign-in?qr=token-in-the-url"
    assert_secured(get(watcher.client, path), path, referrer="no-referrer")
    r = users["applicant"].client.get(f"/api/v1/permits/{permit['id']}/qr",
                                      headers=users["applicant"]._headers())
    assert r.status_code == 200 and r.get_json()["token"]
    assert_secured(r, "QR JSON", referrer="no-referrer")
    r = users["applicant"].client.get(f"/api/v1/permits/{permit['id']}/qr?format=png",
                                      headers=users["applicant"]._headers())
    r.close()
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert_secured(r, "QR PNG", referrer="no-referrer")

    firm = Api(app, "contractor_admin")
    issued = firm.post("/access-codes", json={
        "person_id": person_id(app, "马超（承包商焊工）"), "scope": "常压储罐打磨",
        "permit_types": ["hot_work"], "hours": 8})
    assert issued.status == 201, issued.json
    code = issued.json["code"]
    anonymous = app.test_client()
    for path, status in ((f"/access/{code}", 200), ("/access/not-a-code", 404),
                         (f"/access/{code}/photo", 404)):
        r = get(anonymous, path)
        assert r.status_code == status, path
        assert_secured(r, path, referrer="no-referrer")
    r = firm.client.get("/api/v1/access-codes", headers=firm._headers())
    assert r.status_code == 200 and r.get_json()["items"][0]["code"]
    assert_secured(r, "access-code list", referrer="no-referrer")
    portal = Browser(app, "contractor_admin")
    r = get(portal.client, f"/contractor?code={issued.json['id']}")
    assert r.status_code == 200 and "<svg" in r.get_data(as_text=True)
    assert_secured(r, "contractor portal with a fresh code", referrer="no-referrer")
    # and an ordinary page keeps the default
    assert_secured(get(portal.client, "/notifications"), "notifications")


def make_app(app, **settings):
    from web import create_app

    return create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], **settings})


@pytest.mark.parametrize("settings, hsts", [
    ({"BASE_URL": "https://permits.plant.example"}, True),
    ({"BASE_URL": "http://10.0.0.5:8000"}, False),
    ({"BASE_URL": "", "HTTPS": True}, True),
    ({"BASE_URL": "https://permits.plant.example", "HTTPS": False}, False),
])
def test_hsts_only_when_the_plant_serves_https(plant, settings, hsts):
    served = make_app(plant, **settings)
    client = served.test_client()
    r = client.get("/login")
    # never a forced redirect: a plant without TLS must keep working
    assert r.status_code == 200
    assert ("Strict-Transport-Security" in r.headers) is hsts
    if hsts:
        assert r.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    r = client.post("/login", data={"username": "applicant", "password": "demo"})
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # a Secure session cookie only where TLS exists (browsers drop it over plain HTTP)
    assert ("Secure" in cookie) is hsts


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)


def test_no_template_has_inline_script_or_event_handler():
    """The CSP refuses both; a template that has one breaks its page in the browser."""
    seen = 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES)
        for match in SCRIPT_TAG.finditer(text):
            seen += 1
            attrs = match.group(1)
            assert "src=" in attrs or 'type="application/json"' in attrs, (
                f"{name}: inline <script{attrs}>: move it into web/static/js")
        assert not HANDLER.search(text), f"{name}: an on*= handler attribute"
        assert "javascript:" not in text.lower(), f"{name}: a javascript: URL"
    assert seen > 10  # the scan did look at the templates that load scripts


SCRIPTS = Path(__file__).resolve().parents[2] / "web" / "static" / "js"
HTML_SINKS = re.compile(r"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write"
                        r"|\beval\(|new Function\(")


def test_our_scripts_put_data_in_as_text():
    """Names, areas and comments reach the DOM as text nodes (static/js/shared.js), not
    through an HTML sink; the one HTML hook (ECharts tooltips) escapes."""
    files = sorted(SCRIPTS.glob("*.js")) + sorted((SCRIPTS / "src").glob("*.js"))
    assert len(files) > 10
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not HTML_SINKS.search(line), f"{path.name}:{number}: {line.strip()}"
    for name in ("heatmap.js", "compliance.js"):
        text = (SCRIPTS / name).read_text(encoding="utf-8")
        assert "formatter" in text and "escapeHtml" in text, name
