"""Pre-work confirmation in three taps (plus hot work's own), and the spoken memo."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from engine import db
from processes.models import Notification
from processes.supervision import settings
from tests.api import Api
from tests.supervision import approved_permit, run_jobs, start_jobs, stop_jobs


@pytest.fixture(autouse=True)
def supervision_profile():
    with settings.override({"by_type": {"hot_work": {"pre_work_items": [
            {"key": "fire_watch_kit", "label_zh": "灭火器材已就位",
             "label_en": "fire extinguisher and blanket at hand"}]}}}):
        yield "pre_work"


@pytest.fixture()
def users(plant):
    start_jobs(plant)
    yield {name: Api(plant, name) for name in ("applicant", "watcher", "team_leader")}
    stop_jobs(plant)


def tap_all(users, permit_id: int, who: str = "watcher") -> dict:
    items = users[who].get(f"/permits/{permit_id}/pre-work").json["items"]
    assert [i["key"] for i in items] == ["ppe_checked", "ventilation_on",
                                         "escape_route_confirmed", "fire_watch_kit"]
    body = None
    for i, item in enumerate(items):
        r = users[who].post(f"/permits/{permit_id}/pre-work/{item['key']}",
                            json={"device_time": f"2026-06-03T10:0{i}:00+08:00"})
        assert r.status == 201, r.json
        body = r.json
    return body


def memo_notes(plant) -> list[Notification]:
    with plant.app_context():
        notes = db.session.execute(select(Notification).where(
            Notification.kind == "pre_work.confirmed")).scalars().all()
        db.session.expunge_all()
        return notes


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed "
                    "(apt-get install espeak-ng; scripts/_venv.sh says so)")
def test_three_taps_and_the_types_own_make_a_spoken_memo_for_the_team_leader(
        users, plant, frozen_clock):
    permit = approved_permit(plant, users, frozen_clock)
    pid = permit["id"]
    r = users["watcher"].post(f"/permits/{pid}/pre-work/ppe_checked", json={})
    assert r.status == 201 and not r.json["complete"]
    assert users["watcher"].post(f"/permits/{pid}/pre-work/ppe_checked").status == 409
    assert users["team_leader"].post(f"/permits/{pid}/pre-work/ventilation_on").status == 403
    assert users["watcher"].post(f"/permits/{pid}/pre-work/nonsense").status == 404
    for key in ("ventilation_on", "escape_route_confirmed", "fire_watch_kit"):
        r = users["applicant"].post(f"/permits/{pid}/pre-work/{key}",
                                    json={"device_time": "2026-06-03T10:01:00+08:00"})
        assert r.status == 201, r.json
    assert r.json["complete"] and r.json["memo"]["status"] == "pending"
    run_jobs(plant)

    status = users["applicant"].get(f"/permits/{pid}/pre-work").json
    assert status["memo"]["status"] == "ready"
    assert "个人防护用品已检查" in status["memo"]["text"]
    audio = users["team_leader"].client.get(
        f"/api/v1/uploads/{status['memo']['upload']}",
        headers={"Authorization": f"Bearer {users['team_leader'].token}"})
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF" and len(audio.data) > 10_000
    audio.close()
    [note] = memo_notes(plant)
    assert note.role == "team_leader" and note.data["voice_memo"] == status["memo"]["upload"]
    supervision = users["applicant"].get(f"/permits/{pid}").json["evidence"]["supervision"]
    assert [c["item"] for c in supervision["pre_work"]] == [
        "ppe_checked", "ventilation_on", "escape_route_confirmed", "fire_watch_kit"]
    assert supervision["pre_work"][1]["device_time"] == "2026-06-03T02:01:00+00:00"


def test_without_espeak_the_memo_goes_as_text_and_says_why(users, plant, frozen_clock,
                                                           monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    permit = approved_permit(plant, users, frozen_clock)
    status = tap_all(users, permit["id"])
    assert status["complete"]
    run_jobs(plant)
    memo = users["applicant"].get(f"/permits/{permit['id']}/pre-work").json["memo"]
    assert memo["status"] == "unavailable" and memo["upload"] is None
    assert "espeak-ng" in memo["error"]
    [note] = memo_notes(plant)
    assert "espeak-ng" in note.body and "逃生路线已确认" in note.body
