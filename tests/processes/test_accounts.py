"""The account rules without HTTP: the lock answers alike for right and wrong passwords,
counting restarts after a lock, revocation counts what it ended."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import db
from processes import accounts
from processes.models import LoginLock, Person

RULES = accounts.Policy(lock_after_failures=3, lock_minutes=10)


def _person(username: str) -> Person:
    return db.session.execute(select(Person).where(Person.username == username)).scalar_one()


def test_during_a_lock_right_and_wrong_passwords_get_the_same_answer(plant, frozen_clock):
    with plant.app_context():
        for _ in range(3):
            result = accounts.attempt(db.session, "watcher", "wrong", RULES, address=None,
                                      via="test")
        assert result.just_locked and result.locked_until == frozen_clock.now() + timedelta(
            minutes=10)
        right = accounts.attempt(db.session, "watcher", "demo", RULES, address=None, via="t")
        wrong = accounts.attempt(db.session, "watcher", "nope", RULES, address=None, via="t")
        assert right == wrong == accounts.Attempt(None, locked_until=result.locked_until,
                                                   account=_person("watcher"))
        assert db.session.get(LoginLock, _person("watcher").id).failures == 3  # not counted on

        frozen_clock.advance(timedelta(minutes=11))
        again = accounts.attempt(db.session, "watcher", "nope", RULES, address=None, via="t")
        assert again.locked_until is None
        assert db.session.get(LoginLock, _person("watcher").id).failures == 1
        assert accounts.attempt(db.session, "watcher", "demo", RULES, address=None,
                                via="t").person is not None
        assert db.session.get(LoginLock, _person("watcher").id) is None
        db.session.rollback()


def test_unknown_and_inactive_names_count_nothing(plant):
    with plant.app_context():
        assert accounts.attempt(db.session, "ghost", "x", RULES, address=None,
                                via="t") == accounts.Attempt(None)
        person = _person("designer")
        person.active = False
        for _ in range(5):
            assert accounts.attempt(db.session, "designer", "demo", RULES, address=None,
                                    via="t") == accounts.Attempt(None)
        assert db.session.get(LoginLock, person.id) is None
        db.session.rollback()


def test_revoke_all_ends_open_sessions_and_live_tokens_only(plant, frozen_clock):
    with plant.app_context():
        person = _person("applicant")
        live = accounts.open_session(db.session, person)
        ended = accounts.open_session(db.session, person)
        accounts.end_session(db.session, ended)
        token, _ = accounts.issue_token(db.session, person, hours=1)
        accounts.issue_token(db.session, person, hours=1)
        frozen_clock.advance(timedelta(minutes=30))
        db.session.flush()
        assert accounts.revoke_all(db.session, person, "roles_changed") == {
            "sessions_revoked": 1, "tokens_revoked": 2}
        assert accounts.session_row(db.session, live) is None
        assert accounts.token_person(db.session, token) is None
        assert accounts.revoke_all(db.session, person, "roles_changed") == {
            "sessions_revoked": 0, "tokens_revoked": 0}
        db.session.rollback()


def test_the_plant_file_holds_the_defaults():
    rules = accounts.policy()
    assert (rules.failures_per_username, rules.failures_per_address) == (
        "10 per 15 minutes", "50 per 15 minutes")
    assert accounts.policy({"lock_minutes": "5", "lock_after_failures": ""}).lock_minutes == 5
