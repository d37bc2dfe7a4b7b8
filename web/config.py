"""Settings from the environment (design §1); tests pass a dict instead."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from handlers.notify import config_from_env as notify_config_from_env


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{Path(instance_path) / 'permitflow.sqlite'}"
    # Plain postgres URLs mean psycopg 3 here.
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def secret_key(instance_path: str) -> str:
    """PERMITFLOW_SECRET_KEY, or one generated once and kept in the instance folder."""
    key = os.environ.get("PERMITFLOW_SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def flag(value: str | None) -> bool | None:
    """An on/off setting: 1/true/yes/on or 0/false/no/off; None when unset or unreadable."""
    text = (value or "").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    return None


def secure_cookies(env: dict[str, str] | os._Environ[str]) -> bool:
    """PERMITFLOW_SECURE_COOKIES, else on exactly when the plant serves over HTTPS: a
    Secure cookie over plain HTTP would never come back and nobody could log in."""
    for name in ("PERMITFLOW_SECURE_COOKIES", "PERMITFLOW_HTTPS"):
        chosen = flag(env.get(name))
        if chosen is not None:
            return chosen
    return (env.get("PERMITFLOW_BASE_URL") or "").strip().lower().startswith("https://")


def login_policy(env: dict[str, str] | os._Environ[str]) -> dict[str, Any]:
    """Overrides of ``plant_settings.json`` → ``login`` (only the ones set)."""
    names = {"failures_per_username": "PERMITFLOW_LOGIN_FAILURES_PER_USERNAME",
             "failures_per_address": "PERMITFLOW_LOGIN_FAILURES_PER_ADDRESS",
             "lock_after_failures": "PERMITFLOW_LOGIN_LOCK_AFTER",
             "lock_minutes": "PERMITFLOW_LOGIN_LOCK_MINUTES"}
    return {key: env[name] for key, name in names.items() if env.get(name)}


def from_env(instance_path: str) -> dict[str, Any]:
    secure = secure_cookies(os.environ)
    return {
        "BASE_URL": os.environ.get("PERMITFLOW_BASE_URL") or None,
        # cookies: never readable by scripts, not sent on cross-site posts, Secure on HTTPS
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_DURATION": timedelta(days=float(os.environ.get(
            "PERMITFLOW_REMEMBER_DAYS", "14"))),
        "LOGIN_POLICY": login_policy(os.environ),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SECRET_KEY": secret_key(instance_path),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SUPERVISION_METHOD": os.environ.get("PERMITFLOW_SUPERVISION_METHOD") or None,
        "TICK_SECONDS": float(os.environ.get("PERMITFLOW_TICK_SECONDS", "5")),
        # an outbox job not acknowledged this long after its hand-over is handed over again
        "OUTBOX_ACK_SECONDS": float(os.environ.get("PERMITFLOW_OUTBOX_ACK_SECONDS", "90")),
        "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("PERMITFLOW_OUTBOX_MAX_ATTEMPTS", "8")),
        # a Redis worker silent this long is dead; its taken messages go back to the queue
        "REDIS_HEARTBEAT_MS": int(os.environ.get("PERMITFLOW_REDIS_HEARTBEAT_MS", "20000")),
        "PLANT_TIMEZONE": os.environ.get("PERMITFLOW_TIMEZONE", "Asia/Shanghai"),
        "UPLOAD_FOLDER": os.environ.get("PERMITFLOW_UPLOADS",
                                        str(Path(instance_path) / "uploads")),
        "TOKEN_HOURS": float(os.environ.get("PERMITFLOW_TOKEN_HOURS", "12")),
        # how long a retried apply/complete with the same Idempotency-Key gets the first answer
        "IDEMPOTENCY_HOURS": float(os.environ.get("PERMITFLOW_IDEMPOTENCY_HOURS", "24")),
        # analytics: quarterly report folder, plant name, regulator export endpoint + key
        "REPORT_FOLDER": os.environ.get("PERMITFLOW_REPORTS",
                                        str(Path(instance_path) / "reports")),
        "PLANT_NAME": os.environ.get("PERMITFLOW_PLANT_NAME", "permitflow"),
        "REGULATOR_URL": os.environ.get("PERMITFLOW_REGULATOR_URL") or None,
        "REGULATOR_KEY": os.environ.get("PERMITFLOW_REGULATOR_KEY") or None,
        "REGULATOR_KEY_ID": os.environ.get("PERMITFLOW_REGULATOR_KEY_ID", "plant"),
        "BPMN_FOLDER": os.environ.get("PERMITFLOW_BPMN",
                                      str(Path(__file__).resolve().parent.parent / "bpmn")),
        # national certificate lookup (handlers/verification.py); unset URL: not configured
        "CERT_LOOKUP_URL": os.environ.get("PERMITFLOW_CERT_LOOKUP_URL") or None,
        "CERT_LOOKUP_USER": os.environ.get("PERMITFLOW_CERT_LOOKUP_USER") or None,
        "CERT_LOOKUP_PASSWORD": os.environ.get("PERMITFLOW_CERT_LOOKUP_PASSWORD") or None,
        "CERT_LOOKUP_TOKEN": os.environ.get("PERMITFLOW_CERT_LOOKUP_TOKEN") or None,
        "CERT_LOOKUP_TIMEOUT": float(os.environ.get("PERMITFLOW_CERT_LOOKUP_TIMEOUT", "5")),
        "CERT_LOOKUP_CACHE_HOURS": float(os.environ.get("PERMITFLOW_CERT_LOOKUP_CACHE_HOURS",
                                                        "24")),
        "NOTIFY": notify_config_from_env(),
    }
