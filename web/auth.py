"""Who is calling: session login for pages, bearer tokens for the API.

Passwords are hashed with werkzeug (scrypt). A page login is a row of ``login_session``:
Flask-Login's user id is that session's random id, so the session cookie and the
remember-me cookie both name one revocable login rather than a person, and every request
looks it up (one primary-key read) — a logged-out or revoked cookie replayed later finds
nothing. API tokens are random and stored only as their SHA-256; they end the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from engine import clock, db
from processes import accounts
from processes.models import ApiToken, LoginSession, Person

login_manager = LoginManager()
login_manager.login_view = "pages.login"

#: how stale ``last_seen_at`` may get before a request writes it again (keeps reads cheap)
SEEN_EVERY = timedelta(minutes=5)

__all__ = ["ApiToken", "LoginUser", "current_person", "hash_password", "issue_token"]


class LoginUser:
    """Flask-Login's view of one login session of a person."""

    def __init__(self, person: Person, session_id: str):
        self.person = person
        self.session_id = session_id
        self.is_authenticated = True
        self.is_active = person.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return self.session_id


@login_manager.user_loader
def _load_user(session_id: str) -> LoginUser | None:
    row = accounts.session_row(db.session, session_id) if session_id else None
    if row is None:
        return None
    _touch(row)
    person = db.session.get(Person, row.person_id)
    return LoginUser(person, session_id) if person is not None else None


def _touch(row: LoginSession) -> None:
    """Note when the session was last used, on its own short transaction so the request's
    own work is neither committed nor held up by it."""
    now = clock.now()
    if now - row.last_seen_at < SEEN_EVERY:
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(update(LoginSession).where(LoginSession.id_hash == row.id_hash)
                         .values(last_seen_at=now))
    except SQLAlchemyError:  # bookkeeping only: never fail a request for it
        current_app.logger.warning("could not note the session's last use", exc_info=True)


def hash_password(password: str) -> str:
    return accounts.hash_password(password)


def log_in(person: Person, *, remember: bool) -> None:
    """Open a login session (caller commits) and hand its id to Flask-Login's cookies.

    A login over an existing one in the same browser ends the old session: its cookies
    are being replaced, and a copy of them must not outlive that."""
    if current_user and current_user.is_authenticated:
        accounts.end_session(db.session, current_user.session_id, "replaced")
    secret = accounts.open_session(db.session, person)
    login_user(LoginUser(person, secret), remember=remember)


def log_out() -> None:
    """End this browser's login session: the cookies, and the row they name."""
    if current_user and current_user.is_authenticated:
        accounts.end_session(db.session, current_user.session_id, "logout")
        db.session.commit()
    logout_user()


def issue_token(session: Session, person: Person) -> tuple[str, Any]:
    return accounts.issue_token(session, person, current_app.config.get("TOKEN_HOURS", 12))


def person_from_token(session: Session, token: str) -> Person | None:
    return accounts.token_person(session, token)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() or None if header.startswith("Bearer ") else None


class Unauthorized(Exception):
    pass


def current_person() -> Person | None:
    """The caller: bearer token first, then the page session."""
    if "person" in g:
        return g.person
    person = None
    token = bearer_token()
    if request.headers.get("Authorization", "").startswith("Bearer "):
        person = person_from_token(db.session, token) if token else None
    elif current_user and current_user.is_authenticated:
        person = current_user.person
    g.person = person
    return person


def api_login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_person() is None:
            raise Unauthorized()
        return view(*args, **kwargs)

    return wrapped
