"""Uploads are served only to who may see what they belong to; anyone else gets 404."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from engine import db
from engine.models import AuditEvent
from processes.models import Certificate, GasReading, Person, SignIn, Upload
from tests.api import PNG, Api, person_id
from tests.web.conftest import new_permit


def add_user(app, username: str, roles: list[str], site: str | None) -> Api:
    with app.app_context():
        db.session.add(Person(name=username, username=username, roles=roles, site_code=site,
                              password_hash=generate_password_hash(
                                  "demo", method="pbkdf2:sha256:1000")))
        db.session.commit()
    return Api(app, username)


def download(api: Api, upload_id: str):
    r = api.client.get(f"/api/v1/uploads/{upload_id}",
                       headers={"Authorization": f"Bearer {api.token}"})
    r.body = r.get_data()
    r.close()
    return r


def state(app, upload_id: str) -> tuple:
    """What a refused download must leave as it was: the row, the file, the audit log."""
    with app.app_context():
        row = db.session.get(Upload, upload_id)
        return (row is not None, (Path(app.config["UPLOAD_FOLDER"]) / upload_id).exists(),
                db.session.execute(select(func.count(AuditEvent.id))).scalar_one())


def gas_photo(app, permit_id: int) -> str:
    with app.app_context():
        return db.session.execute(select(GasReading.photo_id).where(
            GasReading.permit_id == permit_id)).scalars().first()


def test_a_site_b_safety_officer_gets_404_for_a_site_a_gas_test_photo(plant, frozen_clock):
    permit = new_permit(plant, frozen_clock, prepared=True)  # SH1, gas test with a photo
    photo = gas_photo(plant, permit["id"])
    assert photo
    nanjing = add_user(plant, "safety_nj", ["safety_dept"], "NJ1")
    before = state(plant, photo)
    r = download(nanjing, photo)
    assert r.status_code == 404
    assert "upload" in r.get_json()["errors"]["not_found"][0]
    assert state(plant, photo) == before  # nothing changed, not even an audit line
    # an unknown id answers exactly the same: the refusal does not reveal the photo exists
    missing = download(nanjing, "0" * 64)
    assert missing.status_code == 404
    assert r.get_json()["errors"].keys() == missing.get_json()["errors"].keys()

    # the site's own safety officer, the applicant and the group safety director may
    for username in ("safety_dept", "applicant", "safety_director"):
        ok = download(Api(plant, username), photo)
        assert ok.status_code == 200, username
        assert ok.body.startswith(b"\x89PNG")
    # a contractor admin sees no permit of the plant's own crews
    assert download(Api(plant, "contractor_admin"), photo).status_code == 404


def test_an_upload_attached_to_nothing_is_only_its_uploaders(plant, frozen_clock):
    applicant = Api(plant, "applicant")
    mine = applicant.upload_photo()
    assert download(applicant, mine).status_code == 200
    assert download(Api(plant, "safety_dept"), mine).status_code == 404
    assert download(Api(plant, "admin"), mine).status_code == 404
    assert download(applicant, "not-an-id").status_code == 404


def store(app, content: bytes, by: str) -> str:
    digest = hashlib.sha256(content).hexdigest()
    with app.app_context():
        from engine import clock
        from processes.supervision import storage

        storage.store(db.session, app.config["UPLOAD_FOLDER"], content, filename="x.png",
                      content_type="image/png", person_id=person_id(app, by), now=clock.now())
        db.session.commit()
    return digest


def test_a_person_photo_and_a_certificate_scan_follow_who_may_see_the_person(
        plant, frozen_clock):
    photo = store(plant, PNG + b"face of the welder", "safety_dept")
    scan = store(plant, PNG + b"scan of the certificate", "safety_dept")
    welder = person_id(plant, "张伟（焊工）")
    with plant.app_context():
        db.session.get(Person, welder).photo_id = photo
        cert = db.session.execute(select(Certificate).where(
            Certificate.person_id == welder)).scalars().first()
        cert.scan_id = scan
        db.session.commit()
    # people.can_view: someone of another site (the safety department manages everyone)
    nanjing = add_user(plant, "leader_nj", ["team_leader"], "NJ1")
    for upload_id in (photo, scan):
        before = state(plant, upload_id)
        assert download(nanjing, upload_id).status_code == 404
        assert state(plant, upload_id) == before
        assert download(Api(plant, "team_leader"), upload_id).status_code == 200  # same site
        assert download(Api(plant, "safety_director"), upload_id).status_code == 200
        assert download(Api(plant, "contractor_admin"), upload_id).status_code == 404


def test_sign_in_frames_go_to_the_permits_viewers_and_the_watcher_themself(plant, frozen_clock):
    permit = new_permit(plant, frozen_clock)
    frame = store(plant, b"\xff\xd8\xff" + b"frame of the watcher", "watcher")
    burst = store(plant, b"\xff\xd8\xff" + b"burst photo", "watcher")
    with plant.app_context():
        db.session.add(SignIn(permit_id=permit["id"], person_id=person_id(plant, "watcher"),
                              method="qr_gps_face", purpose="arrival", status="accepted",
                              accepted=True, reasons=[], signed_at=frozen_clock.now(),
                              frames=[frame], details={"burst": [burst]}, prompts=[]))
        db.session.commit()
    nanjing = add_user(plant, "safety_nj", ["safety_dept"], "NJ1")
    for upload_id in (frame, burst):
        assert download(Api(plant, "watcher"), upload_id).status_code == 200
        assert download(Api(plant, "safety_dept"), upload_id).status_code == 200
        assert download(nanjing, upload_id).status_code == 404
