"""Consent to face/GPS sign-in: given to one text version, withdrawn, asked again."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlalchemy import select

from engine import db
from engine.models import AuditEvent
from processes.errors import Conflict, ValidationFailed
from processes.models import Person, PersonalDataConsent
from processes.supervision import consent, settings


def person(username: str) -> Person:
    return db.session.execute(select(Person).where(Person.username == username)).scalar_one()


def audit_actions() -> list[str]:
    return list(db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars())


FACE = settings.profile("hot_work")  # the plant's data file: QR + GPS + face for hot work


def test_the_published_text_has_a_version_and_a_hash_of_what_is_shown():
    text = consent.current()
    assert text.version == 1 and text.purpose == "face_gps"
    assert any("人脸" in p for p in text.zh) and any("face" in p for p in text.en)
    assert len(text.sha256) == 64
    assert consent.needed(settings.Profile("qr_gps_face", 50, None, 10, False))
    assert consent.needed(settings.Profile("qr_gps", 50, None, 10, False))
    assert not consent.needed(settings.Profile("confirmation", 50, None, 10, False))


def test_a_face_sign_in_is_refused_until_consent_then_allowed_then_refused_again(
        plant, frozen_clock):
    profile = settings.Profile("qr_gps_face", 50, None, 10, False)
    with plant.app_context():
        watcher = person("watcher")
        with pytest.raises(ValidationFailed) as refused:
            consent.require(db.session, watcher, profile)
        assert refused.value.code == "consent_required"
        assert refused.value.errors["consent"][0].startswith("人脸和定位属于敏感个人信息")
        assert refused.value.details[0]["consent"]["state"] == "none"
        # a plain confirmation collects nothing sensitive: no consent asked
        consent.require(db.session, watcher,
                        settings.Profile("confirmation", 50, None, 10, False))

        row = consent.give(db.session, watcher, version=1, client_ip="10.0.0.7",
                           client_agent="Mozilla/5.0 (iPhone)", now=frozen_clock.now())
        db.session.commit()
        assert (row.text_version, row.text_sha256) == (1, consent.current().sha256)
        assert (row.client_ip, row.client_agent) == ("10.0.0.7", "Mozilla/5.0 (iPhone)")
        assert row.given_at == frozen_clock.now()
        consent.require(db.session, watcher, profile)  # no longer refused
        # agreeing twice records nothing new
        assert consent.give(db.session, watcher, version=1, client_ip=None, client_agent=None,
                            now=frozen_clock.now()).id == row.id

        frozen_clock.advance(hours=2)
        consent.withdraw(db.session, watcher, client_ip="10.0.0.8", now=frozen_clock.now())
        db.session.commit()
        with pytest.raises(ValidationFailed) as again:
            consent.require(db.session, watcher, profile)
        assert again.value.details[0]["consent"]["state"] == "withdrawn"
        assert "交接给其他监护人" in again.value.errors["consent"][0]  # what to do instead
        with pytest.raises(Conflict):
            consent.withdraw(db.session, watcher, client_ip=None, now=frozen_clock.now())
        kept = db.session.get(PersonalDataConsent, row.id)  # the record stays, stamped
        assert kept.withdrawn_at == frozen_clock.now() and kept.withdrawn_client_ip == "10.0.0.8"
        assert audit_actions()[-2:] == ["personal_data.consent_given",
                                        "personal_data.consent_withdrawn"]


def test_consent_to_an_older_version_is_asked_again_and_a_stale_form_is_refused(
        plant, frozen_clock, tmp_path, monkeypatch):
    with plant.app_context():
        watcher = person("watcher")
        consent.give(db.session, watcher, version=1, client_ip=None, client_agent=None,
                     now=frozen_clock.now())
        db.session.commit()
        assert consent.status(db.session, watcher)["state"] == "given"

        folder = tmp_path / "consent"
        shutil.copytree(consent.FOLDER, folder)
        v2 = json.loads((folder / "face_gps_v1.json").read_text(encoding="utf-8"))
        v2.update(version=2, effective="2027-01-01")
        v2["zh"].append("新增：定位精度要求提高。")
        (folder / "face_gps_v2.json").write_text(json.dumps(v2, ensure_ascii=False),
                                                 encoding="utf-8")
        monkeypatch.setattr(consent, "FOLDER", folder)

        assert consent.current().version == 2
        status = consent.status(db.session, watcher)
        assert (status["state"], status["consented"]) == ("outdated", False)
        with pytest.raises(ValidationFailed) as refused:
            consent.require(db.session, watcher, FACE)
        assert "告知文本已更新" in refused.value.errors["consent"][0]
        with pytest.raises(ValidationFailed) as stale:  # the page showed version 1
            consent.give(db.session, watcher, version=1, client_ip=None, client_agent=None,
                         now=frozen_clock.now())
        assert stale.value.code == "consent_version_outdated"
        assert "version 2" in stale.value.errors["version"][0]
        consent.give(db.session, watcher, version=2, client_ip=None, client_agent=None,
                     now=frozen_clock.now())
        consent.require(db.session, watcher, FACE)
        assert [r["text_version"] for r in consent.records(db.session, watcher)] == [2, 1]
