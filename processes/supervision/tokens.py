"""The QR code at the work point and the one-time prompts nonce, both signed.

The QR carries a token for one permit and one time window; it rotates every
``rotate_seconds`` and the current and previous windows are accepted, so a photo of the
code sent to someone elsewhere goes stale within minutes. Scanning it (with the watcher
logged in) yields a *challenge*: the prompts to perform, in order, chosen at random by the
server, signed with the QR window they were issued for. The upload must return that nonce;
its hash is stored with the sign-in, so the same nonce cannot be used twice.

Signing uses itsdangerous with the application's secret key; time comes from the engine
clock (not ``time.time``), so tests can move it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from ..errors import Expired, ValidationFailed
from .settings import raw

QR_SALT = "permitflow.supervision.qr"
CHALLENGE_SALT = "permitflow.supervision.challenge"


def _qr_settings() -> dict[str, Any]:
    return raw()["qr"]


def window_of(now: datetime) -> int:
    return int(now.timestamp() // _qr_settings()["rotate_seconds"])


@dataclass
class QrToken:
    token: str
    window: int
    rotates_at: datetime
    valid_until: datetime


def issue_qr(secret: str, permit_id: int, now: datetime) -> QrToken:
    """The token to show at the work point now."""
    rotate = _qr_settings()["rotate_seconds"]
    window = window_of(now)
    token = URLSafeSerializer(secret, salt=QR_SALT).dumps({"p": permit_id, "w": window})
    start = datetime.fromtimestamp(window * rotate, tz=now.tzinfo)
    accepted = _qr_settings()["windows_accepted"]
    return QrToken(token, window, start + timedelta(seconds=rotate),
                   start + timedelta(seconds=rotate * accepted))


def check_qr(secret: str, token: str, permit_id: int, now: datetime) -> int:
    """The token's window if it is genuine, for this permit and recent; else refuse."""
    try:
        data = URLSafeSerializer(secret, salt=QR_SALT).loads(token)
    except BadSignature:
        raise ValidationFailed({"qr": ["二维码无效：请扫描作业点现场的二维码 / not a QR code of "
                                       "this system: scan the code at the work point"]},
                               code="qr_invalid") from None
    if not isinstance(data, dict) or data.get("p") != permit_id:
        raise ValidationFailed({"qr": ["二维码不属于此作业票 / this QR code belongs to another "
                                       "permit"]}, code="qr_wrong_permit")
    age = window_of(now) - int(data.get("w", -10**9))
    if not 0 <= age < _qr_settings()["windows_accepted"]:
        raise Expired({"qr": ["二维码已过期，请重新扫描现场二维码 / the QR code has expired: scan "
                              "the code at the work point again"]}, code="qr_expired")
    return int(data["w"])


@dataclass
class Challenge:
    nonce: str
    prompts: list[str]
    purpose: str
    expires_at: datetime


def issue_challenge(secret: str, *, permit_id: int, person_id: int, purpose: str,
                    qr_window: int | None, now: datetime) -> Challenge:
    """2–3 prompts in random order, bound to the permit, the person and the QR window."""
    conf = raw()["prompts"]
    rng = secrets.SystemRandom()
    count = rng.randint(conf["min"], conf["max"])
    prompts = rng.sample(list(conf["choices"]), count)
    issued = int(now.timestamp())
    nonce = URLSafeSerializer(secret, salt=CHALLENGE_SALT).dumps({
        "p": permit_id, "u": person_id, "k": prompts, "g": purpose, "q": qr_window,
        "t": issued, "n": secrets.token_hex(8)})
    ttl = _qr_settings()["challenge_ttl_seconds"]
    return Challenge(nonce, prompts, purpose, now + timedelta(seconds=ttl))


@dataclass
class CheckedChallenge:
    prompts: list[str]
    purpose: str
    qr_window: int | None
    digest: str
    issued_at: datetime


def check_challenge(secret: str, nonce: str, *, permit_id: int, person_id: int,
                    now: datetime) -> CheckedChallenge:
    try:
        data = URLSafeSerializer(secret, salt=CHALLENGE_SALT).loads(nonce)
    except BadSignature:
        raise ValidationFailed({"nonce": ["动作口令无效，请重新扫码 / the prompts nonce is not "
                                          "genuine: scan the QR code again"]},
                               code="challenge_invalid") from None
    if not isinstance(data, dict) or data.get("p") != permit_id or data.get("u") != person_id:
        raise ValidationFailed({"nonce": ["动作口令不是发给您或此作业票的 / this nonce was issued "
                                          "to someone else or for another permit"]},
                               code="challenge_invalid")
    issued = datetime.fromtimestamp(int(data["t"]), tz=now.tzinfo)
    if now - issued > timedelta(seconds=_qr_settings()["challenge_ttl_seconds"]):
        raise Expired({"nonce": ["动作口令已过期，请重新扫码 / the prompts have expired: scan the "
                                 "QR code again"]}, code="challenge_expired")
    return CheckedChallenge(list(data["k"]), str(data["g"]), data.get("q"),
                            hashlib.sha256(nonce.encode()).hexdigest(), issued)
