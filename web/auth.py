"""Who is calling: session login for pages, bearer tokens for the API.

Passwords are hashed with werkzeug (scrypt); API tokens are random and stored only as
their SHA-256, so a leaked database does not leak usable tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_login import LoginManager, current_user
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from engine import UtcDateTime, clock, db
from processes.models import Person

login_manager = LoginManager()
login_manager.login_view = "pages.login"


class ApiToken(db.Model):
    __tablename__ = "api_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoginUser:
    """Flask-Login's view of a person."""

    def __init__(self, person: Person):
        self.person = person
        self.is_authenticated = True
        self.is_active = person.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return str(self.person.id)


@login_manager.user_loader
def _load_user(user_id: str) -> LoginUser | None:
    person = db.session.get(Person, int(user_id)) if user_id.isdigit() else None
    return LoginUser(person) if person is not None and person.active else None


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def authenticate(session: Session, username: str, password: str) -> Person | None:
    person = session.execute(select(Person).where(Person.username == username)
                             ).scalar_one_or_none()
    if person is None or not person.active or not person.password_hash:
        # Same work either way, so timing does not reveal which usernames exist.
        check_password_hash(_DUMMY_HASH, password)
        return None
    return person if check_password_hash(person.password_hash, password) else None


_DUMMY_HASH = generate_password_hash("not-a-password")


def issue_token(session: Session, person: Person) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    expires = now + timedelta(hours=current_app.config.get("TOKEN_HOURS", 12))
    session.add(ApiToken(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                         person_id=person.id, created_at=now, expires_at=expires))
    return token, expires


def person_from_token(session: Session, token: str) -> Person | None:
    row = session.get(ApiToken, hashlib.sha256(token.encode()).hexdigest())
    if row is None or row.expires_at <= clock.now():
        return None
    person = session.get(Person, row.person_id)
    return person if person is not None and person.active else None


class Unauthorized(Exception):
    pass


def current_person() -> Person | None:
    """The caller: bearer token first, then the page session."""
    if "person" in g:
        return g.person
    person = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        person = person_from_token(db.session, header[7:].strip())
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
