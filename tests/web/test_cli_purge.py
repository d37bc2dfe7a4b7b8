"""``permitflow purge-personal-data``: the daily purge, run by hand."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from engine import db
from engine.models import AuditEvent
from processes.models import SignIn
from processes.supervision import retention
from tests.supervision import stored_sign_in
from tests.web.conftest import new_permit


def test_the_command_purges_what_is_past_retention_and_says_how_much(plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    old = stored_sign_in(plant, permit["id"], age=timedelta(days=31), tag="cli-old")
    recent = stored_sign_in(plant, permit["id"], age=timedelta(days=1), tag="cli-new")
    with plant.app_context():
        gone = retention.payload_ids(db.session.get(SignIn, old))
        kept = retention.payload_ids(db.session.get(SignIn, recent))
    result = plant.test_cli_runner().invoke(args=["purge-personal-data", "--as", "admin"])
    assert result.exit_code == 0, result.output
    assert "older than 30 days" in result.output and "1 sign-ins" in result.output
    assert "4 files" in result.output
    folder = Path(plant.config["UPLOAD_FOLDER"])
    assert not any((folder / f).exists() for f in gone)
    assert all((folder / f).exists() for f in kept)
    with plant.app_context():
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "personal_data.purged")).scalar_one()
        assert event.actor == "admin" and event.data["files"] == 4

    again = plant.test_cli_runner().invoke(args=["purge-personal-data"])
    assert again.exit_code == 0 and "0 sign-ins" in again.output
