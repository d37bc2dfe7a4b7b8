"""Login throttling and the temporary lock (issue #11.4): 30 wrong passwords in a row get
429s and a lock, write audit events, and issue nothing; an admin lifts the lock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import AuditEvent, db
from processes.models import ApiToken, LoginLock, LoginSession
from tests.api import Api, person_id
from tests.web.conftest import Browser


@pytest.fixture(autouse=True)
def _fresh_limits(plant):
    from web import throttle

    throttle.reset(plant)
    yield
    throttle.reset(plant)
    plant.config.pop("LOGIN_POLICY", None)


def window_passes(app) -> None:
    """The rate-limit window moving on (the lock in the database stays)."""
    from web import throttle

    throttle.reset(app)


def actions(app, action: str) -> list[dict]:
    with app.app_context():
        return [e.data for e in db.session.execute(select(AuditEvent).where(
            AuditEvent.action == action).order_by(AuditEvent.id)).scalars()]


def issued(app, username: str) -> tuple[int, int]:
    """Tokens and login sessions the person has: what a successful login would add."""
    pid = person_id(app, username)
    with app.app_context():
        tokens = db.session.execute(select(func.count()).select_from(ApiToken).where(
            ApiToken.person_id == pid)).scalar_one()
        sessions = db.session.execute(select(func.count()).select_from(LoginSession).where(
            LoginSession.person_id == pid)).scalar_one()
    return tokens, sessions


def lock_of(app, username: str) -> LoginLock | None:
    with app.app_context():
        lock = db.session.get(LoginLock, person_id(app, username))
        if lock is not None:
            db.session.expunge(lock)
        return lock


def token_attempt(client, username: str, password: str):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_thirty_wrong_passwords_get_429s_a_lock_and_audit_events(plant):
    client = plant.test_client()
    before = issued(plant, "applicant")
    statuses = [token_attempt(client, "applicant", f"guess-{i}") for i in range(30)]
    codes = [r.status_code for r in statuses]
    assert codes[:9] == [401] * 9
    assert codes[9] == 423  # the tenth wrong password locks
    assert codes[10:] == [429] * 20
    throttled = statuses[-1]
    assert int(throttled.headers["Retry-After"]) > 0
    message = throttled.get_json()["errors"]["auth"][0]
    assert message.startswith("登录失败次数过多") and "try again" in message

    lock = lock_of(plant, "applicant")
    assert lock is not None and lock.failures == 10 and lock.locked_until is not None
    locked = actions(plant, "auth.locked")
    assert len(locked) == 1 and locked[0]["username"] == "applicant" and locked[0]["via"] == "api"
    # one throttling event per window and limit, not one per refused request
    assert [e["by"] for e in actions(plant, "auth.throttled")] == ["username"]
    assert issued(plant, "applicant") == before  # nothing issued

    # the right password is throttled too while the window lasts …
    assert token_attempt(client, "applicant", "demo").status_code == 429
    window_passes(plant)
    # … and after it, the lock still refuses it, saying until when and whom to ask
    r = token_attempt(client, "applicant", "demo")
    assert r.status_code == 423
    text = r.get_json()["errors"]["auth"][0]
    local = (lock.locked_until + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert local in text and "系统管理员" in text and "厂区当地时间" in text
    assert issued(plant, "applicant") == before


def test_only_failed_logins_count(plant):
    client = plant.test_client()
    for _ in range(30):
        assert token_attempt(client, "watcher", "demo").status_code == 200
    for _ in range(25):
        r = client.post("/login", data={"username": "watcher", "password": "demo"})
        assert r.status_code == 302
    assert actions(plant, "auth.throttled") == []


def test_a_right_password_resets_the_count(plant):
    client = plant.test_client()
    for _ in range(9):
        assert token_attempt(client, "team_leader", "nope").status_code == 401
    assert token_attempt(client, "team_leader", "demo").status_code == 200
    assert lock_of(plant, "team_leader") is None
    window_passes(plant)
    for _ in range(9):
        assert token_attempt(client, "team_leader", "nope").status_code == 401
    assert token_attempt(client, "team_leader", "demo").status_code == 200


def test_the_login_page_shows_the_throttle_and_the_lock(plant):
    b = Browser(plant)
    pages = [b.post("/login", data={"username": "specialist", "password": f"x{i}"})
             for i in range(12)]
    assert [p.status_code for p in pages] == [401] * 9 + [423, 429, 429]
    html = pages[9].get_data(as_text=True)
    assert "账号已锁定至" in html and "请联系系统管理员解锁" in html
    html = pages[-1].get_data(as_text=True)
    assert "登录失败次数过多" in html and 'name="username"' in html  # the form, with the message
    assert int(pages[-1].headers["Retry-After"]) > 0
    window_passes(plant)
    r = b.post("/login", data={"username": "specialist", "password": "demo"})
    assert r.status_code == 423 and "账号已锁定至" in r.get_data(as_text=True)
    assert b.get("/inbox").status_code == 302
    assert issued(plant, "specialist")[1] == 0


def test_the_page_and_the_api_share_one_count_per_username(plant):
    client = plant.test_client()
    for i in range(5):
        assert token_attempt(client, "plant_leader", f"a{i}").status_code == 401
        assert client.post("/login", data={"username": "plant_leader", "password": f"b{i}"}
                           ).status_code in (401, 423)
    assert token_attempt(client, "plant_leader", "demo").status_code == 429


def test_per_address_limit_covers_many_usernames_and_spares_other_addresses(plant):
    plant.config["LOGIN_POLICY"] = {"failures_per_address": "5 per 15 minutes"}
    attacker = plant.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    for i in range(5):
        assert token_attempt(attacker, f"nobody{i}", "x").status_code == 401
    r = token_attempt(attacker, "applicant", "demo")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert [e["by"] for e in actions(plant, "auth.throttled")] == ["address"]
    colleague = plant.test_client()
    colleague.environ_base["REMOTE_ADDR"] = "10.1.1.1"
    assert token_attempt(colleague, "applicant", "demo").status_code == 200


def test_the_lock_ends_by_itself_after_its_minutes(plant, frozen_clock):
    client = plant.test_client()
    for i in range(10):
        token_attempt(client, "power_supplier", f"x{i}")
    window_passes(plant)
    assert token_attempt(client, "power_supplier", "demo").status_code == 423
    frozen_clock.advance(timedelta(minutes=31))
    assert token_attempt(client, "power_supplier", "demo").status_code == 200


def lock_out(app, username: str) -> None:
    client = app.test_client()
    for i in range(10):
        token_attempt(client, username, f"x{i}")
    window_passes(app)
    assert token_attempt(client, username, "demo").status_code == 423


def test_an_admin_lifts_the_lock_others_get_403(plant):
    lock_out(plant, "applicant")
    pid = person_id(plant, "applicant")
    for who in ("safety_dept", "contractor_admin", "watcher"):
        r = Api(plant, who).post(f"/people/{pid}/unlock")
        assert r.status == 403, (who, r.json)
    assert lock_of(plant, "applicant").locked_until is not None  # nothing changed
    assert actions(plant, "auth.unlocked") == []

    r = Api(plant, "admin").post(f"/people/{pid}/unlock")
    assert r.status == 200 and r.json["locked"] is False
    assert lock_of(plant, "applicant") is None
    assert actions(plant, "auth.unlocked")[-1] == {"person_id": pid, "username": "applicant",
                                                   "was_locked": True}
    assert token_attempt(plant.test_client(), "applicant", "demo").status_code == 200


def test_the_unlock_button_on_the_profile_page(plant):
    lock_out(plant, "watcher")
    pid = person_id(plant, "watcher")
    safety = Browser(plant, "safety_dept")
    assert "解除锁定" not in safety.text(f"/people/{pid}")
    assert safety.post(f"/people/{pid}/unlock").status_code == 403
    assert lock_of(plant, "watcher").locked_until is not None

    admin = Browser(plant, "admin")
    html = admin.text(f"/people/{pid}")
    assert "解除锁定" in html and "连续输错密码已锁定至" in html
    r = admin.post(f"/people/{pid}/unlock")
    assert r.status_code == 302
    assert "已解除" in admin.text(r.headers["Location"])
    assert lock_of(plant, "watcher") is None
    assert Browser(plant).post("/login", data={"username": "watcher", "password": "demo"}
                               ).status_code == 302


def test_cli_unlock(plant):
    lock_out(plant, "designer")
    result = plant.test_cli_runner().invoke(args=["user", "unlock", "designer"])
    assert result.exit_code == 0 and "unlocked" in result.output
    assert lock_of(plant, "designer") is None


def test_settings_come_from_the_plant_file_and_the_environment(monkeypatch, tmp_path):
    from processes import accounts
    from web import config

    assert accounts.policy().lock_after_failures == 10
    monkeypatch.setenv("PERMITFLOW_LOGIN_LOCK_AFTER", "3")
    monkeypatch.setenv("PERMITFLOW_LOGIN_FAILURES_PER_USERNAME", "4 per 1 minute")
    rules = accounts.policy(config.from_env(str(tmp_path))["LOGIN_POLICY"])
    assert rules.lock_after_failures == 3 and rules.failures_per_username == "4 per 1 minute"
    assert rules.lock_minutes == 30


def test_another_sites_safety_department_may_not_unlock(plant):
    from processes.models import Person
    from tests.conftest import _fast_hash

    with plant.app_context():
        db.session.add(Person(name="南京安全员", username="nj_safety", roles=["safety_dept"],
                              site_code="NJ1", password_hash=_fast_hash("demo")))
        db.session.commit()
    lock_out(plant, "applicant")
    pid = person_id(plant, "applicant")
    r = Api(plant, "nj_safety").post(f"/people/{pid}/unlock")
    assert r.status == 403
    assert Browser(plant, "nj_safety").post(f"/people/{pid}/unlock").status_code == 403
    assert lock_of(plant, "applicant").locked_until is not None
    assert actions(plant, "auth.unlocked") == []


def test_with_redis_unreachable_the_counts_go_on_in_memory(tmp_path, monkeypatch):
    """A Redis outage must neither lock the plant out nor lift the throttle."""
    import socket

    from processes import demo
    from tests.conftest import _fast_hash
    from web import create_app

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("PERMITFLOW_INSTANCE", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'down.sqlite'}",
                      "SECRET_KEY": "x", "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": f"redis://127.0.0.1:{port}/0",
                      "REDIS_NAMESPACE": "permitflow-redis-down"})
    with app.app_context():
        db.create_all()
        demo.seed(db.session, password_hash=_fast_hash, password="demo")
        db.session.commit()
    try:
        client = app.test_client()
        assert token_attempt(client, "watcher", "demo").status_code == 200
        codes = [token_attempt(client, "applicant", "x").status_code for _ in range(12)]
        assert codes == [401] * 9 + [423, 429, 429]
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
