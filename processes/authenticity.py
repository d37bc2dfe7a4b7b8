"""What the national certificate lookup said, kept on the certificate.

The HTTP adapter lives in ``handlers/verification.py``; this module only records its
answers. "unverified" is what the UI shows whenever there is no answer (not configured,
unreachable): never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from engine import clock, outbox

from .models import Certificate

STATUSES = ("unverified", "verified", "not_found", "mismatch")


@dataclass(frozen=True)
class LookupResult:
    status: str  # one of STATUSES
    note: str


Lookup = Callable[..., LookupResult]


def is_fresh(cert: Certificate, now: datetime, max_age: timedelta) -> bool:
    """A definite answer younger than ``max_age``: no need to ask again."""
    return cert.verification != "unverified" and cert.verified_at is not None \
        and now - cert.verified_at < max_age


def verify(session: Session, cert: Certificate, lookup: Lookup | None, *,
           max_age: timedelta = timedelta(hours=24), force: bool = False) -> Certificate:
    """Ask the register about ``cert`` (unless a fresh answer is on file) and record it."""
    now = clock.now()
    if not force and is_fresh(cert, now, max_age):
        return cert
    if lookup is None:
        cert.verification = "unverified"
        cert.verification_note = "未配置全国查询接口 / national lookup not configured"
        return cert
    result = lookup(number=cert.number, name=cert.person.name, type_code=cert.type_code,
                    expires_on=cert.expires_on)
    before = cert.verification
    cert.verification, cert.verification_note = result.status, result.note[:255]
    cert.verified_at = now
    if result.status in ("not_found", "mismatch") and before != result.status:
        outbox.enqueue(session, "notify.send", {
            "kind": "certificate.authenticity", "severity": "high", "role": "safety_dept",
            "site_code": cert.person.site_code,
            "title": f"证书核验未通过：{cert.person.name} {cert.number} / Certificate not "
                     f"confirmed by the national register",
            "body": result.note, "data": {"certificate_id": cert.id}}, now=now)
    return cert
