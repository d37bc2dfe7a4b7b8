"""Pages: the phone asks for consent before the camera; “我的个人信息” shows and withdraws it."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from engine import db
from processes.models import PersonalDataConsent
from processes.supervision import consent, settings
from tests.api import Api
from tests.supervision import approved_permit, stored_sign_in
from tests.web.conftest import Browser


@pytest.fixture(autouse=True)
def supervision_profile():
    """The plant's own settings: hot work signs in with QR + GPS + face."""
    with settings.override(None):
        yield "plant"


def consents(app) -> list[PersonalDataConsent]:
    with app.app_context():
        return list(db.session.execute(select(PersonalDataConsent)).scalars())


def test_the_phone_shows_the_notice_first_and_i_agree_leads_back_to_the_camera(
        plant, frozen_clock):
    permit = approved_permit(plant, {"applicant": Api(plant, "applicant")}, frozen_clock)
    watcher = Browser(plant, "watcher")
    page = f"/supervision/permits/{permit['id']}/sign-in?qr=tok123"
    html = unescape(watcher.text(page))
    text = consent.current()
    assert text.title_zh in html and text.zh[1] in html and text.en[1] in html
    assert "我同意 / I agree" in html and 'name="version" value="1"' in html
    assert "js/sign_in.js" not in html  # no camera before consent
    assert "/me/personal-data" in html

    # pressing nothing but posting without "agree" records nothing
    r = watcher.post("/me/consent", data={"version": "1", "next": page})
    assert r.status_code == 422 and consents(plant) == []
    r = watcher.post("/me/consent", data={"version": "1", "agree": "yes", "next": page},
                     headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Mobile"})
    assert r.status_code == 302 and r.headers["Location"].endswith(page)
    [row] = consents(plant)
    assert row.text_version == 1 and row.client_agent.startswith("Mozilla/5.0 (Linux")
    assert "js/sign_in.js" in watcher.text(page)

    # an outside address in next is not followed
    other = Browser(plant, "team_leader")
    refused = other.post("/me/consent/withdraw")  # nothing to withdraw
    assert refused.status_code == 409 and "没有可撤回的同意" in refused.get_data(as_text=True)
    r = other.post("/me/consent", data={"version": "1", "agree": "yes",
                                        "next": "https://evil.example/"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/me/personal-data")


def test_my_personal_data_page_lists_what_is_held_and_withdraws_consent(plant, frozen_clock):
    permit = approved_permit(plant, {"applicant": Api(plant, "applicant")}, frozen_clock)
    stored_sign_in(plant, permit["id"], age=timedelta(days=2), tag="page")
    watcher = Browser(plant, "watcher")
    home = watcher.text("/")
    assert 'href="/me/personal-data"' in home  # from the person's own menu

    html = watcher.text("/me/personal-data")
    assert "我的个人信息" in html and "尚未同意" in html and "我同意 / I agree" in html
    assert permit["number"] in html
    assert "人脸视频 / face clip" in html and "2 帧人脸画面" in html and "±6.0 m" in html
    # kept until: the sign-in two days ago + 30 days, in plant time (10:00 Shanghai)
    assert "保存至 2026-07-01 10:00" in html
    assert "30.724100, 121.342100" in html

    watcher.post("/me/consent", data={"version": "1", "agree": "yes"})
    html = watcher.text("/me/personal-data")
    assert "已同意（第1版" in html and "撤回同意 / Withdraw consent" in html
    r = watcher.post("/me/consent/withdraw")
    assert r.status_code == 302
    html = watcher.text("/me/personal-data")
    assert "已撤回" in html and "已于" in html
    [row] = consents(plant)
    assert row.withdrawn_at == frozen_clock.now()

    # somebody else's page shows their own record, none of the watcher's
    theirs = Browser(plant, "team_leader").text("/me/personal-data")
    assert permit["number"] not in theirs and "30.724100" not in theirs
    assert "没有签到记录" in theirs


def test_the_page_needs_a_login(plant):
    r = plant.test_client().get("/me/personal-data")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = plant.test_client().post("/me/consent", data={"version": "1", "agree": "yes"})
    assert r.status_code in (302, 401) and consents(plant) == []
