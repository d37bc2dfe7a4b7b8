"""Every page: reachable by its user, behind login, in Chinese first and in English."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import new_permit, task_id

PROTECTED = ["/", "/inbox", "/permits", "/notifications", "/permits/new/hot_work",
             "/permits/1", "/tasks/some-task"]


@pytest.mark.parametrize("path", PROTECTED)
def test_logged_out_visitors_are_sent_to_login(browser, path):
    r = browser().get(path)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login?next=")


def test_logged_out_posts_are_sent_to_login_too(browser):
    for path in ("/permits/new/hot_work", "/permits/1/cancel", "/tasks/x"):
        r = browser().post(path, {})
        assert r.status_code == 302 and "/login" in r.headers["Location"], path


def test_every_page_answers_200_for_its_user(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    measures_task = task_id(plant, permit["id"], "safety_measures")
    applicant = browser("applicant")
    for path in ("/", "/inbox", "/permits", "/notifications", "/permits/new/hot_work",
                 f"/permits/{permit['id']}", f"/tasks/{measures_task}"):
        html = applicant.text(path)
        assert '<meta name="viewport" content="width=device-width' in html, path
        assert "王建国（作业负责人）" in html, path  # the top bar names the user
        assert 'class="bottomnav"' in html, path
    assert browser().text("/login").count('name="password"') == 1


def test_pages_use_no_external_assets(browser):
    html = browser("applicant").text("/")
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not url.startswith(("http:", "https:", "//")), url
    for asset in ("/static/css/app.css", "/static/js/app.js"):
        r = browser().get(asset)
        assert r.status_code == 200
        r.close()  # static files are streamed; close them like a server would


def test_chinese_is_the_default_language(browser):
    html = browser("applicant").text("/")
    assert '<html lang="zh-CN">' in html
    assert "我的待办" in html and "申请动火作业" in html and "退出" in html


def test_language_switch_shows_english_and_back(browser):
    b = browser("applicant")
    r = b.get("/lang/en?next=/inbox")
    assert r.status_code == 302 and r.headers["Location"] == "/inbox"
    html = b.text("/")
    assert '<html lang="en">' in html
    for words in ("My tasks", "Apply for hot work", "Log out", "Inbox", "Notifications"):
        assert words in html
    assert "我的待办" not in html
    html = b.text("/permits/new/hot_work")
    assert "Hot-work method" in html and "Use my location" in html and "Gas cutting" in html
    b.get("/lang/zh_CN")
    assert "我的待办" in b.text("/")


def test_lang_query_parameter_and_bad_switches(browser):
    b = browser("applicant")
    assert "My tasks" in b.text("/?lang=en")
    assert "我的待办" in b.text("/")  # the query does not stick
    r = b.get("/lang/klingon?next=https://evil.example/")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "我的待办" in b.text("/")


def test_english_task_form_labels(browser, plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    b = browser("applicant")
    b.get("/lang/en")
    html = b.text(f"/tasks/{task_id(plant, permit['id'], 'safety_measures')}")
    assert "Safety measures" in html and "Number of blinds" in html
    assert "Equipment emptied, cleaned, steamed or purged" in html
    assert ">Yes<" in html and ">N/A<" in html


def test_unknown_url_gets_the_error_page_not_json(browser):
    r = browser("applicant").get("/no/such/page")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "<!doctype html>" in html and "找不到该页面或记录" in html


def test_csrf_is_enforced_on_pages_and_on_cookie_uploads(plant, monkeypatch):
    from tests.api import PNG

    monkeypatch.setitem(plant.config, "WTF_CSRF_ENABLED", True)
    client = plant.test_client()
    r = client.post("/login", data={"username": "applicant", "password": "demo"})
    assert r.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post("/login", data={"username": "applicant", "password": "demo",
                                    "csrf_token": token})
    assert r.status_code == 302
    import io

    def photo() -> dict:
        return {"file": (io.BytesIO(PNG), "a.png", "image/png")}

    # the session cookie alone is not enough for an API write (web/api_csrf.py) …
    r = client.post("/api/v1/uploads", data=photo(), content_type="multipart/form-data")
    assert r.status_code == 403 and "X-CSRFToken" in r.get_json()["errors"]["csrf"][0]
    # … the page script sends the page's token along
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)"',
                     client.get("/").get_data(as_text=True)).group(1)
    r = client.post("/api/v1/uploads", data=photo(), content_type="multipart/form-data",
                    headers={"X-CSRFToken": meta})
    assert r.status_code == 201
