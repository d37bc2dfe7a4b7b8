"""API writes with the login session cookie need the page's CSRF token (web/api_csrf.py).

A foreign site can make a logged-in approver's browser POST with the session cookie; it
cannot read the page's token. So a cookie-only write changes nothing, the same write from
our page script (with ``X-CSRFToken``) works, and bearer-token clients need no token.
"""

from __future__ import annotations

import pytest

from engine import HumanTask, db
from tests.api import Api
from tests.inbox import add_person, low_risk_permit, task_of
from tests.web.conftest import Browser

EVIL = {"Origin": "https://evil.example", "Referer": "https://evil.example/cat.html"}


@pytest.fixture()
def waiting(plant_all, frozen_clock):
    """A grade-Ⅰ work-at-height permit at SH1 whose approve_1 nobody holds yet."""
    permit = low_risk_permit(plant_all, frozen_clock)
    return plant_all, task_of(plant_all, permit["id"], "approve_1")


def holder(app, task: str) -> str | None:
    with app.app_context():
        db.session.expire_all()
        return db.session.get(HumanTask, task).claimed_by


def test_a_cookie_only_cross_origin_claim_changes_nothing(waiting):
    app, task = waiting
    approver = Browser(app, "unit_approver")
    r = approver.client.post(f"/api/v1/tasks/{task}/claim", headers=EVIL)
    assert r.status_code == 403
    [message] = r.get_json()["errors"]["csrf"]
    assert message.startswith("缺少或无效的 CSRF 令牌") and "X-CSRFToken" in message
    assert holder(app, task) is None
    # a made-up token is no better
    r = approver.client.post(f"/api/v1/tasks/{task}/claim",
                             headers={**EVIL, "X-CSRFToken": "forged"})
    assert r.status_code == 403 and "csrf" in r.get_json()["errors"]
    assert holder(app, task) is None
    # another person's token (another session) does not fit this session either
    other = Browser(app, "safety_dept").csrf_headers()
    r = approver.client.post(f"/api/v1/tasks/{task}/claim", headers={**EVIL, **other})
    assert r.status_code == 403 and holder(app, task) is None


def test_the_page_script_with_the_token_claims(waiting):
    app, task = waiting
    approver = Browser(app, "unit_approver")
    r = approver.client.post(f"/api/v1/tasks/{task}/claim",
                             headers=approver.csrf_headers("/inbox"))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["claimed_by"] == "unit_approver"
    assert holder(app, task) == "unit_approver"


def test_a_bearer_token_needs_no_csrf_header(waiting):
    app, task = waiting
    r = Api(app, "unit_approver").post(f"/tasks/{task}/claim")
    assert r.status == 200, r.json
    assert holder(app, task) == "unit_approver"


def test_the_token_does_not_lift_the_site_scope(waiting):
    """With a valid token, another site's approver is still refused by the claim's rules."""
    app, task = waiting
    add_person(app, "nj_approver", "南京审批人", ["unit_approver"], site="NJ1")
    stranger = Browser(app, "nj_approver")
    r = stranger.client.post(f"/api/v1/tasks/{task}/claim", headers=stranger.csrf_headers())
    assert r.status_code == 403, r.get_json()
    assert list(r.get_json()["errors"]) == ["permission"]
    assert holder(app, task) is None


def test_reads_and_anonymous_calls_are_not_asked_for_a_token(waiting):
    app, task = waiting
    approver = Browser(app, "unit_approver")
    assert approver.client.get("/api/v1/tasks", headers=EVIL).status_code == 200
    # no session: the view answers 401 (not a CSRF refusal), and logging in needs no token
    anonymous = app.test_client()
    r = anonymous.post(f"/api/v1/tasks/{task}/claim", headers=EVIL)
    assert r.status_code == 401
    r = approver.client.post("/api/v1/auth/token",
                             json={"username": "unit_approver", "password": "demo"})
    assert r.status_code == 200 and r.get_json()["token"]
