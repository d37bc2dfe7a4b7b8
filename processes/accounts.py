"""Accounts: passwords, login sessions, API tokens and the temporary lock.

A session or token is only as good as the account behind it: a password change, a
deactivation or a role change ends every session and token of the person in the same
transaction as the change, so a stolen cookie or a phone left in a locker stops working
the moment the account changes. Logging out ends just that one session.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine import audit, clock

from . import auditing, roster
from .errors import NotAllowed, ValidationFailed
from .models import ApiToken, LoginLock, LoginSession, Person
from .types.base import plant_settings

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class Policy:
    """The plant's login limits (``plant_settings.json`` → ``login``, env overrides)."""

    failures_per_username: str = "10 per 15 minutes"
    failures_per_address: str = "50 per 15 minutes"
    lock_after_failures: int = 10
    lock_minutes: int = 30


def policy(overrides: Mapping[str, Any] | None = None) -> Policy:
    raw = {k: v for k, v in plant_settings().get("login", {}).items()
           if not k.startswith("_")}
    raw.update({k: v for k, v in (overrides or {}).items() if v not in (None, "")})
    return Policy(failures_per_username=str(raw["failures_per_username"]),
                  failures_per_address=str(raw["failures_per_address"]),
                  lock_after_failures=int(raw["lock_after_failures"]),
                  lock_minutes=int(raw["lock_minutes"]))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# -- passwords ----------------------------------------------------------------------------
def hash_password(password: str) -> str:
    return generate_password_hash(password)


_DUMMY_HASH = generate_password_hash("not-a-password")


def password_matches(person: Person | None, password: str) -> bool:
    """Same work whether or not the person exists, so timing does not reveal usernames."""
    if person is None or not person.active or not person.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(person.password_hash, password)


def find_login(session: Session, username: str) -> Person | None:
    return session.execute(select(Person).where(Person.username == username)
                           ).scalar_one_or_none()


def password_problems(person: Person, new: str) -> list[str]:
    problems = []
    if len(new) < MIN_PASSWORD_LENGTH:
        problems.append(f"新密码至少 {MIN_PASSWORD_LENGTH} 位 / the new password needs at least "
                        f"{MIN_PASSWORD_LENGTH} characters")
    if person.username and new.strip().lower() == person.username.lower():
        problems.append("新密码不能与用户名相同 / the new password must not be the username")
    return problems


def change_password(session: Session, person: Person, old: str, new: str) -> None:
    """The person's own change: the old password first; every other session ends."""
    errors: dict[str, list[str]] = {}
    if not password_matches(person, old):
        errors["old_password"] = ["原密码不正确 / the current password is wrong"]
    problems = password_problems(person, new)
    if not problems and person.password_hash and check_password_hash(person.password_hash, new):
        problems.append("新密码不能与原密码相同 / the new password must differ from the "
                        "current one")
    if problems:
        errors["new_password"] = problems
    if errors:
        raise ValidationFailed(errors)
    person.password_hash = hash_password(new)
    revoked = revoke_all(session, person, "password_changed")
    auditing.record(session, "auth.password_changed", by=person,
                    data={"person_id": person.id, **revoked})


def reset_password(session: Session, person: Person, new: str, *,
                   actor: Person | str) -> None:
    """An admin sets a new password (forgotten, or handed over): sessions end, lock lifts.

    ``actor`` as a string is the server console (``permitflow user password``): whoever
    runs it already holds the server, so no role is asked.
    """
    if isinstance(actor, Person) and not actor.has_role("admin"):
        raise NotAllowed("只有系统管理员可以重置密码 / only an admin may reset a password")
    problems = password_problems(person, new)
    if problems:
        raise ValidationFailed({"password": problems})
    person.password_hash = hash_password(new)
    revoked = revoke_all(session, person, "password_reset")
    lock = session.get(LoginLock, person.id)
    if lock is not None:
        lock.failures, lock.locked_until = 0, None
    auditing.record(session, "auth.password_reset", by=actor,
                    data={"person_id": person.id, **revoked})


# -- sessions and tokens ----------------------------------------------------------------------
def open_session(session: Session, person: Person) -> str:
    """A new page login; the returned id goes into the cookies, only its digest is stored."""
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(LoginSession(id_hash=digest(secret), person_id=person.id, created_at=now,
                             last_seen_at=now))
    return secret


def session_row(session: Session, secret: str) -> LoginSession | None:
    """The live session behind a cookie: None once revoked or its person is inactive."""
    row = session.get(LoginSession, digest(secret))
    if row is None or row.revoked_at is not None:
        return None
    person = session.get(Person, row.person_id)
    return row if person is not None and person.active else None


def _revoke(row: LoginSession | ApiToken | None, reason: str) -> bool:
    """Stamp a session or token revoked; False when there was nothing live to revoke."""
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at, row.revoked_reason = clock.now(), reason
    return True


def end_session(session: Session, secret: str, reason: str = "logout") -> bool:
    return _revoke(session.get(LoginSession, digest(secret)), reason)


def issue_token(session: Session, person: Person, hours: float) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    expires = now + timedelta(hours=hours)
    session.add(ApiToken(token_hash=digest(token), person_id=person.id, created_at=now,
                         expires_at=expires))
    return token, expires


def token_person(session: Session, token: str) -> Person | None:
    row = session.get(ApiToken, digest(token))
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        return None
    person = session.get(Person, row.person_id)
    return person if person is not None and person.active else None


def revoke_token(session: Session, token: str, reason: str = "logout") -> bool:
    return _revoke(session.get(ApiToken, digest(token)), reason)


def revoke_all(session: Session, person: Person, reason: str) -> dict[str, int]:
    """End every open session and token of the person (part of the caller's transaction)."""
    now = clock.now()
    sessions = session.execute(
        update(LoginSession).where(LoginSession.person_id == person.id,
                                   LoginSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session="fetch")).rowcount
    tokens = session.execute(
        update(ApiToken).where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None),
                               ApiToken.expires_at > now)
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session="fetch")).rowcount
    return {"sessions_revoked": int(sessions or 0), "tokens_revoked": int(tokens or 0)}


# -- wrong passwords and the lock ----------------------------------------------------------------
@dataclass(frozen=True)
class Attempt:
    """What a login attempt came to: a person, or why not (``locked_until`` when locked)."""

    person: Person | None
    locked_until: datetime | None = None
    just_locked: bool = False
    #: the account the username named, when there is one (for the lock message)
    account: Person | None = None


def locked_until(session: Session, person: Person) -> datetime | None:
    lock = session.get(LoginLock, person.id)
    if lock is None or lock.locked_until is None or lock.locked_until <= clock.now():
        return None
    return lock.locked_until


def attempt(session: Session, username: str, password: str, rules: Policy, *,
            address: str | None, via: str) -> Attempt:
    """Check a password, count wrong ones in a row, lock after too many.

    During a lock every attempt is refused the same way, right password or not, so the
    lock cannot be used to test passwords. The caller commits (the count must be kept
    even though the login fails).
    """
    person = find_login(session, username)
    if person is not None and person.active:
        until = locked_until(session, person)
        if until is not None:
            password_matches(None, password)
            return Attempt(None, locked_until=until, account=person)
    if password_matches(person, password):
        assert person is not None
        lock = session.get(LoginLock, person.id)
        if lock is not None:
            session.delete(lock)
        return Attempt(person)
    if person is None or not person.active:
        return Attempt(None)
    return _count_failure(session, person, rules, address=address, via=via)


def _count_failure(session: Session, person: Person, rules: Policy, *, address: str | None,
                   via: str) -> Attempt:
    now = clock.now()
    lock = session.get(LoginLock, person.id)
    if lock is None:
        # two wrong passwords at once (two web processes) may both try to add the row
        try:
            with audit.savepoint(session):
                session.add(LoginLock(person_id=person.id, failures=0))
                session.flush()
        except IntegrityError:
            pass
        lock = session.get(LoginLock, person.id)
        assert lock is not None
    if lock.locked_until is not None:  # an expired lock: counting starts again
        lock.failures, lock.locked_until = 0, None
    lock.failures = (lock.failures or 0) + 1
    lock.last_failed_at = now
    if lock.failures < rules.lock_after_failures:
        return Attempt(None, account=person)
    lock.locked_until = now + timedelta(minutes=rules.lock_minutes)
    auditing.record(session, "auth.locked", by=None, data={
        "person_id": person.id, "username": person.username, "failures": lock.failures,
        "locked_until": lock.locked_until.isoformat(), "address": address, "via": via})
    return Attempt(None, locked_until=lock.locked_until, just_locked=True, account=person)


def unlock(session: Session, person: Person, *, actor: Person | str) -> bool:
    """An admin (or the server console) lifts the lock and the count of wrong passwords;
    False when none was set."""
    if isinstance(actor, Person) and not actor.has_role("admin"):
        raise NotAllowed("只有系统管理员可以解除锁定 / only an admin may unlock an account")
    lock = session.get(LoginLock, person.id)
    was_locked = lock is not None and lock.locked_until is not None \
        and lock.locked_until > clock.now()
    if lock is not None:
        session.delete(lock)
    auditing.record(session, "auth.unlocked", by=actor, data={
        "person_id": person.id, "username": person.username, "was_locked": was_locked})
    return was_locked


def lock_view(session: Session, person: Person) -> dict[str, Any]:
    lock = session.get(LoginLock, person.id)
    until = locked_until(session, person)
    counting = lock is not None and (lock.locked_until is None or until is not None)
    return {"locked": until is not None,
            "locked_until": until.isoformat() if until else None,
            "failures": lock.failures if counting and lock is not None else 0}


def local_time(session: Session, person: Person, moment: datetime) -> str:
    """The moment as the clock on the person's site shows it (plant local time)."""
    zone = ZoneInfo(roster.timezone_of(session, person.site_code))
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
