"""Sessions that end (issue #11.3): logout, password change, deactivation and a role change
end cookies and tokens at once; replaying them afterwards changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import AuditEvent, db
from processes.models import ApiToken, LoginSession, Person
from tests.api import Api, person_id
from tests.web.conftest import Browser, count_permits


@pytest.fixture(autouse=True)
def _fresh_limits(plant):
    from web import throttle

    throttle.reset(plant)
    yield
    throttle.reset(plant)


def sessions_of(app, username: str) -> list[tuple[str | None, str | None]]:
    """(revoked_reason, revoked_at) of each login session of the person, oldest first."""
    with app.app_context():
        rows = db.session.execute(select(LoginSession).where(
            LoginSession.person_id == person_id(app, username))
            .order_by(LoginSession.created_at)).scalars().all()
        return [(r.revoked_reason, r.revoked_at and r.revoked_at.isoformat()) for r in rows]


def events(app, action: str) -> list[dict]:
    with app.app_context():
        return [e.data for e in db.session.execute(select(AuditEvent).where(
            AuditEvent.action == action).order_by(AuditEvent.id)).scalars()]


def replay(app, **cookies: str) -> Browser:
    """A fresh browser holding only the given cookies (what a thief copied)."""
    b = Browser(app)
    for name, value in cookies.items():
        b.client.set_cookie(name, value, domain="localhost")
    return b


def cookie(b: Browser, name: str) -> str:
    found = b.client.get_cookie(name, domain="localhost")
    assert found is not None, f"no {name} cookie"
    return found.value


def apply_form(app) -> dict[str, str]:
    return {"type": "hot_work", "area": "W-1"}


def test_logout_ends_the_session_and_its_remember_me_cookie_even_when_replayed(plant):
    b = Browser(plant)
    r = b.post("/login", data={"username": "applicant", "password": "demo", "remember": "1"})
    assert r.status_code == 302
    session_cookie, remember = cookie(b, "session"), cookie(b, "remember_token")
    # before logout each copied cookie alone is a working login (so the replay below tests
    # something)
    assert replay(plant, session=session_cookie).get("/inbox").status_code == 200
    assert replay(plant, remember_token=remember).get("/inbox").status_code == 200
    before = count_permits(plant)

    assert b.post("/logout").status_code == 302
    assert sessions_of(plant, "applicant")[0][0] == "logout"

    for stolen in ({"session": session_cookie}, {"remember_token": remember},
                   {"session": session_cookie, "remember_token": remember}):
        thief = replay(plant, **stolen)
        r = thief.get("/inbox")
        assert r.status_code == 302 and r.headers["Location"].startswith("/login")
        r = thief.post("/permits/new/hot_work", data=apply_form(plant))
        assert r.status_code in (302, 401, 403, 404, 405)
        assert "/login" in r.headers.get("Location", "/login")
    assert count_permits(plant) == before
    # the replays opened no new session
    assert [reason for reason, _ in sessions_of(plant, "applicant")] == ["logout"]


def test_logging_in_again_in_the_same_browser_ends_the_old_login(plant):
    b = Browser(plant, "applicant")
    old = cookie(b, "session")
    assert b.post("/login", data={"username": "watcher", "password": "demo"}).status_code == 302
    assert replay(plant, session=old).get("/inbox").status_code == 302
    assert [reason for reason, _ in sessions_of(plant, "applicant")] == ["replaced"]
    assert b.get("/inbox").status_code == 200


def test_the_session_id_not_the_person_id_is_in_the_cookie(plant):
    """A forged cookie naming a person id (the old scheme) is nobody."""
    b = Browser(plant)
    with b.client.session_transaction() as s:
        s["_user_id"] = str(person_id(plant, "admin"))
        s["_fresh"] = True
    assert b.get("/inbox").status_code == 302


def test_a_token_is_refused_after_delete_and_nothing_it_sends_is_done(plant, frozen_clock):
    from tests.api import hot_work_application

    api = Api(plant, "applicant")
    assert api.get("/tasks").status == 200
    r = api.client.delete("/api/v1/auth/token", headers=api._headers())
    assert r.status_code == 204 and r.data == b""
    before = count_permits(plant)
    assert api.get("/tasks").status == 401
    r = api.post("/permits", json=hot_work_application(plant, start=frozen_clock.now()))
    assert r.status == 401
    assert count_permits(plant) == before
    # a second DELETE, no token, and a made-up token are all 401
    assert api.client.delete("/api/v1/auth/token", headers=api._headers()).status_code == 401
    assert api.client.delete("/api/v1/auth/token").status_code == 401
    assert api.client.delete("/api/v1/auth/token", headers={
        "Authorization": "Bearer made-up"}).status_code == 401
    with plant.app_context():
        reasons = db.session.execute(select(ApiToken.revoked_reason).where(
            ApiToken.person_id == person_id(plant, "applicant"))).scalars().all()
    assert reasons == ["logout"]


def test_changing_ones_password_ends_tokens_and_other_sessions(plant):
    api = Api(plant, "applicant")
    phone = Browser(plant, "applicant")
    desk = Browser(plant, "applicant")
    assert phone.get("/inbox").status_code == 200

    # wrong current password: refused at the field, nothing changes
    r = desk.post("/account/password", data={"old_password": "nope", "new_password":
                                             "Gas-test-2026", "new_password_again":
                                             "Gas-test-2026"})
    assert r.status_code == 422
    assert "原密码不正确" in r.get_data(as_text=True)
    assert api.get("/tasks").status == 200 and phone.get("/inbox").status_code == 200

    r = desk.post("/account/password", data={"old_password": "demo", "new_password":
                                             "Gas-test-2026", "new_password_again":
                                             "Gas-test-2026"})
    assert r.status_code == 302
    assert api.get("/tasks").status == 401
    assert phone.get("/inbox").status_code == 302  # logged out on the other device
    assert desk.get("/inbox").status_code == 200  # the one who changed it stays in
    reasons = [reason for reason, _ in sessions_of(plant, "applicant")]
    assert reasons.count("password_changed") == 2 and reasons[-1] is None
    assert Browser(plant).post("/login", data={"username": "applicant",
                                               "password": "demo"}).status_code == 401
    assert Browser(plant).post("/login", data={"username": "applicant", "password":
                                               "Gas-test-2026"}).status_code == 302
    changed = events(plant, "auth.password_changed")
    assert changed and changed[-1]["tokens_revoked"] == 1 and changed[-1]["sessions_revoked"] == 2


def test_new_password_rules_are_said_next_to_the_field(plant):
    b = Browser(plant, "watcher")
    r = b.post("/account/password", data={"old_password": "demo", "new_password": "short",
                                          "new_password_again": "short"})
    assert r.status_code == 422 and "至少 8 位" in r.get_data(as_text=True)
    r = b.post("/account/password", data={"old_password": "demo", "new_password":
                                          "long-enough-1", "new_password_again": "other-one-1"})
    assert r.status_code == 422 and "两次输入的新密码不一致" in r.get_data(as_text=True)
    assert Browser(plant).post("/login", data={"username": "watcher",
                                               "password": "demo"}).status_code == 302


def test_a_role_change_logs_the_person_out_everywhere(plant):
    page = Browser(plant, "unit_approver")
    token = Api(plant, "unit_approver")
    assert page.get("/inbox").status_code == 200
    pid = person_id(plant, "unit_approver")

    # not an admin: 403 and the roles and sessions stay
    r = Api(plant, "safety_dept").patch(f"/people/{pid}", json={"roles": ["admin"]})
    assert r.status == 403
    assert page.get("/inbox").status_code == 200 and token.get("/tasks").status == 200

    r = Api(plant, "admin").patch(f"/people/{pid}", json={"roles": ["unit_approver",
                                                                    "specialist"]})
    assert r.status == 200, r.json
    assert page.get("/inbox").status_code == 302
    assert token.get("/tasks").status == 401
    assert [reason for reason, _ in sessions_of(plant, "unit_approver")] == ["roles_changed"]
    with plant.app_context():
        assert db.session.get(Person, pid).roles == ["unit_approver", "specialist"]
    # logging in again works, with the new roles
    assert Browser(plant, "unit_approver").get("/inbox").status_code == 200


def test_the_same_roles_again_or_a_phone_change_end_nothing(plant):
    page = Browser(plant, "specialist")
    pid = person_id(plant, "specialist")
    admin = Api(plant, "admin")
    assert admin.patch(f"/people/{pid}", json={"roles": ["specialist"],
                                               "phone": "13800000000"}).status == 200
    assert page.get("/inbox").status_code == 200


def test_unknown_roles_are_refused_and_change_nothing(plant):
    page = Browser(plant, "specialist")
    pid = person_id(plant, "specialist")
    r = Api(plant, "admin").patch(f"/people/{pid}", json={"roles": ["pope"]})
    assert r.status == 422 and "pope" in str(r.json)
    assert page.get("/inbox").status_code == 200


def test_deactivation_ends_sessions_and_tokens(plant):
    page = Browser(plant, "team_leader")
    token = Api(plant, "team_leader")
    pid = person_id(plant, "team_leader")
    r = Api(plant, "admin").patch(f"/people/{pid}", json={"active": False})
    assert r.status == 200
    assert page.get("/inbox").status_code == 302
    assert token.get("/tasks").status == 401
    # reactivated, the old cookies and token stay dead
    assert Api(plant, "admin").patch(f"/people/{pid}", json={"active": True}).status == 200
    assert page.get("/inbox").status_code == 302
    assert token.get("/tasks").status == 401
    assert [reason for reason, _ in sessions_of(plant, "team_leader")] == ["deactivated"]


def test_an_admin_resets_a_password_others_may_not(plant):
    token = Api(plant, "watcher")
    pid = person_id(plant, "watcher")
    for who in ("safety_dept", "contractor_admin"):
        r = Api(plant, who).post(f"/people/{pid}/password", json={"password": "Hijack-2026"})
        assert r.status == 403, (who, r.json)
    assert token.get("/tasks").status == 200  # nothing changed
    r = Api(plant, "admin").post(f"/people/{pid}/password", json={"password": "short"})
    assert r.status == 422 and "password" in r.json["errors"]["fields"]
    assert token.get("/tasks").status == 200

    r = Api(plant, "admin").post(f"/people/{pid}/password", json={"password": "Reset-2026x"})
    assert r.status == 200, r.json
    assert token.get("/tasks").status == 401
    assert Browser(plant).post("/login", data={"username": "watcher", "password":
                                               "Reset-2026x"}).status_code == 302
    assert events(plant, "auth.password_reset")[-1]["tokens_revoked"] == 1


def test_the_admin_resets_a_password_on_the_profile_page(plant):
    pid = person_id(plant, "watcher")
    admin = Browser(plant, "admin")
    html = admin.text(f"/people/{pid}")
    assert "重置密码" in html
    r = admin.post(f"/people/{pid}/password", data={"password": "x"})
    assert r.status_code == 422 and "至少 8 位" in r.get_data(as_text=True)
    r = admin.post(f"/people/{pid}/password", data={"password": "Reset-2026x"})
    assert r.status_code == 302
    assert Browser(plant).post("/login", data={"username": "watcher", "password":
                                               "Reset-2026x"}).status_code == 302
    # the safety department sees the profile but not the account card, and may not post
    safety = Browser(plant, "safety_dept")
    assert "重置密码" not in safety.text(f"/people/{pid}")
    assert safety.post(f"/people/{pid}/password", data={"password": "Hijack-2026"}
                       ).status_code == 403
    assert Browser(plant).post("/login", data={"username": "watcher", "password":
                                               "Reset-2026x"}).status_code == 302


def test_cli_password_reset_ends_sessions(plant):
    token = Api(plant, "designer")
    runner = plant.test_cli_runner()
    result = runner.invoke(args=["user", "password", "designer", "--password", "Cli-reset-1"])
    assert result.exit_code == 0, result.output
    assert token.get("/tasks").status == 401
    result = runner.invoke(args=["user", "password", "designer", "--password", "x"])
    assert result.exit_code != 0 and "8" in result.output
    result = runner.invoke(args=["user", "password", "nobody", "--password", "Cli-reset-1"])
    assert result.exit_code != 0


def test_a_live_session_notes_when_it_was_last_used(plant, frozen_clock):
    from datetime import timedelta

    b = Browser(plant, "applicant")
    with plant.app_context():
        first = db.session.execute(select(LoginSession.last_seen_at)).scalar_one()
    frozen_clock.advance(timedelta(minutes=30))
    assert b.get("/inbox").status_code == 200
    with plant.app_context():
        later = db.session.execute(select(LoginSession.last_seen_at)).scalar_one()
        count = db.session.execute(select(func.count()).select_from(LoginSession)).scalar_one()
    assert later - first == timedelta(minutes=30) and count == 1


# -- cookies ------------------------------------------------------------------------------
@pytest.mark.parametrize("env, secure", [
    ({}, False),
    ({"PERMITFLOW_BASE_URL": "http://permits.plant.local"}, False),
    ({"PERMITFLOW_BASE_URL": "https://permits.plant.example"}, True),
    ({"PERMITFLOW_BASE_URL": "https://permits.plant.example",
      "PERMITFLOW_SECURE_COOKIES": "0"}, False),
    ({"PERMITFLOW_BASE_URL": "http://10.0.0.5", "PERMITFLOW_SECURE_COOKIES": "yes"}, True),
])
def test_secure_cookies_follow_the_base_url_unless_set(env, secure):
    from web.config import secure_cookies

    assert secure_cookies(env) is secure


def test_login_cookies_are_httponly_lax_and_secure_on_https(plant, monkeypatch, tmp_path):
    b = Browser(plant)
    r = b.post("/login", data={"username": "applicant", "password": "demo", "remember": "1"})
    headers = r.headers.getlist("Set-Cookie")
    assert len(headers) == 2
    for header in headers:
        assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header

    from web import config

    monkeypatch.setenv("PERMITFLOW_BASE_URL", "https://permits.plant.example")
    settings = config.from_env(str(tmp_path))
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    old = {k: plant.config[k] for k in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE")}
    plant.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    try:
        r = Browser(plant).post("/login", data={"username": "applicant", "password": "demo",
                                                "remember": "1"},
                                base_url="https://localhost")
        headers = r.headers.getlist("Set-Cookie")
        assert len(headers) == 2 and all("Secure" in h for h in headers)
    finally:
        plant.config.update(old)
