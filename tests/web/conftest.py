"""Page-test fixtures: browsers logged in through the login form, permits in known states."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from engine import db
from tests.api import Api, gas, hot_work_application, measures, person_id


class Browser:
    """A test client that logs in like a person and reads pages as text."""

    def __init__(self, app: Flask, username: str | None = None):
        self.app = app
        self.client: FlaskClient = app.test_client()
        if username:
            r = self.client.post("/login", data={"username": username, "password": "demo"})
            assert r.status_code == 302, r.get_data(as_text=True)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, data=data, **kwargs)

    def csrf_headers(self, page: str = "/") -> dict[str, str]:
        """The ``X-CSRFToken`` header a page script sends with an API write (read from the
        page's ``<meta name="csrf-token">``, as static/js/shared.js does)."""
        html = self.text(page)
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
        assert found, "the page has no csrf-token meta"
        return {"X-CSRFToken": found.group(1)}

    def text(self, path: str, status: int = 200) -> str:
        r = self.get(path)
        assert r.status_code == status, (path, r.status_code, r.get_data(as_text=True)[-2000:])
        return r.get_data(as_text=True)


@pytest.fixture()
def browser(plant) -> Callable[[str | None], Browser]:
    return lambda username=None: Browser(plant, username)


def field_block(html: str, dom_id: str) -> str:
    """The HTML of one field wrapper (from its id to the next field), for "shown next to"."""
    start = html.index(f'id="{dom_id}"')
    following = re.search(r'<(div|fieldset|li) class="(field|group|row-card|person)', html[start + 10:])
    end = start + 10 + following.start() if following else len(html)
    return html[start:end]


def count_permits(app: Flask) -> int:
    from processes.models import Permit

    with app.app_context():
        return db.session.execute(select(func.count(Permit.id))).scalar_one()


def new_permit(app: Flask, frozen_clock: Any, *, area: str = "W-1", prepared: bool = False,
               **fields: Any) -> dict[str, Any]:
    """A hot-work permit applied through the API; optionally past measures and gas test."""
    applicant = Api(app, "applicant")
    start = frozen_clock.now() + timedelta(minutes=20)
    r = applicant.post("/permits", json=hot_work_application(app, area=area, start=start,
                                                             **fields))
    assert r.status == 201, r.json
    permit = r.json
    if prepared:
        applicant.complete(permit["id"], "safety_measures",
                           measures(person_id(app, "applicant")))
        applicant.complete(permit["id"], "gas_test",
                           gas(applicant, 8.0, sampled_at=start - timedelta(minutes=21)))
    permit["start"] = start
    permit["api"] = applicant
    return permit


def task_id(app: Flask, permit_id: int, bpmn_id: str) -> str:
    from engine import HumanTask
    from processes.models import Permit

    with app.app_context():
        permit = db.session.get(Permit, permit_id)
        return db.session.execute(select(HumanTask.id).where(
            HumanTask.instance_id == permit.instance_id, HumanTask.bpmn_id == bpmn_id)
            .order_by(HumanTask.created_at.desc())).scalars().first()
