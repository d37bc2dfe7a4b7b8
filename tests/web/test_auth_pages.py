"""Logging in and out through the form."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import db
from web.pages.auth import safe_next


def test_wrong_password_is_said_in_the_form(browser):
    r = browser().post("/login", data={"username": "applicant", "password": "nope"})
    assert r.status_code == 401
    html = r.get_data(as_text=True)
    assert "用户名或密码不正确" in html
    assert 'value="applicant"' in html  # the username is kept


def test_empty_fields_are_named(browser):
    r = browser().post("/login", data={"username": "", "password": ""})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "请输入用户名" in html and "请输入密码" in html


def test_login_goes_to_next_and_logout_ends_the_session(browser):
    b = browser()
    r = b.get("/inbox")
    assert r.status_code == 302
    login_page = b.get(r.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/inbox"' in login_page
    assert "请先登录" in login_page
    r = b.post("/login", data={"username": "watcher", "password": "demo", "next": "/inbox"})
    assert r.status_code == 302 and r.headers["Location"] == "/inbox"
    assert b.get("/inbox").status_code == 200
    assert b.get("/logout").status_code == 405  # logging out changes state: POST only
    r = b.post("/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert b.get("/inbox").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_site(browser, target):
    r = browser().post("/login", data={"username": "applicant", "password": "demo",
                                       "next": target})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_safe_next():
    assert safe_next("/permits/3?x=1") == "/permits/3?x=1"
    assert safe_next(None) is None and safe_next("") is None
    assert safe_next("permits") is None


def test_inactive_people_cannot_log_in(browser, plant):
    from processes.models import Person

    with plant.app_context():
        person = db.session.execute(select(Person).where(Person.username == "designer")
                                    ).scalar_one()
        person.active = False
        db.session.commit()
    r = browser().post("/login", data={"username": "designer", "password": "demo"})
    assert r.status_code == 401
