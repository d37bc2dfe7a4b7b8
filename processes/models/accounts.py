"""Login sessions, API tokens and account locks: who may still act as whom.

They live with the people tables (not in ``web``) because ending them is part of the same
transaction as the change that ends them: a password change, a deactivation, a role change.
Only digests of the session ids and tokens are stored, so a leaked database cannot be
replayed as a cookie or a bearer token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from engine import UtcDateTime, db


class LoginSession(db.Model):
    """One page login (session cookie and, if asked, remember-me cookie carry its id)."""

    __tablename__ = "login_session"

    #: SHA-256 of the random id in the cookies
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: logout | replaced | password_changed | password_reset | deactivated | roles_changed
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class ApiToken(db.Model):
    __tablename__ = "api_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class LoginLock(db.Model):
    """Wrong passwords in a row, and the temporary lock they led to.

    In the database rather than the rate limiter's store, so the lock holds across web
    processes and restarts, and an admin can see and lift it.
    """

    __tablename__ = "login_lock"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
