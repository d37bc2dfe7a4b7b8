"""The supervision pages: the QR card at the work point and the watcher's phone page."""

from __future__ import annotations

import pytest

from processes.supervision import settings
from tests.api import Api
from tests.supervision import approved_permit, give_consent


@pytest.fixture(autouse=True)
def supervision_profile():
    with settings.override(None):
        yield "plant"


def logged_in(plant, username: str):
    client = plant.test_client()
    r = client.post("/login", data={"username": username, "password": "demo"})
    assert r.status_code == 302, r.get_data(as_text=True)
    return client


def test_the_card_shows_a_rotating_code_and_the_phone_page_the_camera_flow(plant,
                                                                           frozen_clock):
    users = {"applicant": Api(plant, "applicant")}
    permit = approved_permit(plant, users, frozen_clock)
    card = logged_in(plant, "applicant").get(f"/supervision/permits/{permit['id']}/card")
    html = card.get_data(as_text=True)
    assert card.status_code == 200
    assert permit["number"] in html and "每 60 秒更换" in html
    assert f"/api/v1/permits/{permit['id']}/qr" in html

    give_consent(Api(plant, "watcher"))  # the notice comes first (test_consent_pages.py)
    page = logged_in(plant, "watcher").get(
        f"/supervision/permits/{permit['id']}/sign-in?qr=abc")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for needle in ('class="oval"', "turn_left", '"abc"', "js/sign_in.js"):
        assert needle in html, needle
    # the flow itself is a static script (the CSP runs no inline script)
    served = logged_in(plant, "watcher").get("/static/js/sign_in.js")
    script = served.get_data(as_text=True)
    served.close()
    for needle in ("getUserMedia", 'facingMode: "user"', "MediaRecorder", "geolocation",
                   "/sign-ins/challenge"):
        assert needle in script, needle

    taps = logged_in(plant, "watcher").get(f"/supervision/permits/{permit['id']}/pre-work")
    assert taps.status_code == 200 and "逃生路线已确认" in taps.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in_and_keep_the_qr(plant, frozen_clock):
    users = {"applicant": Api(plant, "applicant")}
    permit = approved_permit(plant, users, frozen_clock)
    r = plant.test_client().get(f"/supervision/permits/{permit['id']}/sign-in?qr=tok")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"] and "qr%3Dtok" in r.headers["Location"]


def test_qr_svg_and_unknown_format(plant, frozen_clock):
    users = {"applicant": Api(plant, "applicant")}
    permit = approved_permit(plant, users, frozen_clock)
    client = logged_in(plant, "applicant")
    svg = client.get(f"/api/v1/permits/{permit['id']}/qr?format=svg")
    assert svg.status_code == 200 and b"<svg" in svg.data
    svg.close()
    assert client.get(f"/api/v1/permits/{permit['id']}/qr?format=gif").status_code == 422
