"""Contractor temporary access codes: one person, an explicit scope, at most 72 hours.

The code is the row id and a random nonce, signed with the application secret
(itsdangerous), so it cannot be forged or enumerated; validity and revocation live in the
row, so a code stops working the moment it is revoked. A contractor worker without a
valid code covering the permit type cannot be named on a permit (``credentials``).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock

from . import auditing, catalog, certificates, roster, scope
from .errors import Gone, NotAllowed, NotFound, ValidationFailed
from .models import AccessCode, Person

MAX_HOURS = 72
SALT = "permitflow.access-code"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def can_issue(actor: Person, person: Person) -> bool:
    """The safety managers of the person's site, or the admin of the person's own firm."""
    managers = ("admin", "safety_dept", "safety_director")
    if actor.has_role(*managers) and scope.covers_site(actor, person.site_code, managers):
        return True
    return actor.has_role("contractor_admin") and actor.organization_id is not None \
        and actor.organization_id == person.organization_id


def issue(session: Session, person: Person, *, scope: str, permit_types: list[str],
          hours: float, actor: Person, secret: str) -> tuple[AccessCode, str]:
    """A new code for ``person``; returns the row and the signed code string."""
    if not can_issue(actor, person):
        raise NotAllowed("you may issue access codes only for your own firm's staff")
    errors: dict[str, list[str]] = {}
    if not person.is_contractor:
        errors["person_id"] = ["临时准入码仅用于承包商人员 / access codes are for contractor staff"]
    elif not person.active:
        errors["person_id"] = ["this person is not active"]
    if not 0 < hours <= MAX_HOURS:
        errors["hours"] = [f"有效期不得超过{MAX_HOURS}小时 / at most {MAX_HOURS} hours"]
    unknown = [t for t in permit_types if catalog.permit_type(t) is None]
    if unknown:
        errors["permit_types"] = [f"unknown permit type(s): {', '.join(unknown)}"]
    if not permit_types:
        errors["permit_types"] = ["name the permit types this person may work on"]
    if len(scope.strip()) < 4:
        errors["scope"] = ["写明授权范围，如“常压储罐打磨，不得带压堵漏” / state the scope"]
    if errors:
        raise ValidationFailed(errors, code="access_code_invalid")
    now = clock.now()
    code = AccessCode(nonce=secrets.token_hex(16), person_id=person.id, scope=scope.strip(),
                      permit_types=list(dict.fromkeys(permit_types)), issued_by=actor.id,
                      issued_at=now, expires_at=now + timedelta(hours=hours))
    session.add(code)
    session.flush()
    auditing.record(session, "access_code.issued", by=actor, data={
        "access_code_id": code.id, "person_id": person.id, "scope": code.scope,
        "permit_types": code.permit_types, "expires_at": code.expires_at.isoformat()})
    return code, encode(code, secret)


def encode(code: AccessCode, secret: str) -> str:
    return str(_serializer(secret).dumps([code.id, code.nonce]))


def resolve(session: Session, token: str, secret: str, *, now: datetime | None = None
            ) -> AccessCode:
    """The code behind ``token``: NotFound if forged, Gone if expired or revoked."""
    try:
        code_id, nonce = _serializer(secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        raise NotFound("access code", token[:12]) from None
    code = session.get(AccessCode, code_id)
    if code is None or code.nonce != nonce:
        raise NotFound("access code", token[:12])
    now = now or clock.now()
    if code.revoked_at is not None:
        raise Gone("准入码已撤销 / this access code was revoked")
    if now >= code.expires_at:
        raise Gone("准入码已过期 / this access code has expired")
    return code


def revoke(session: Session, code_id: int, *, actor: Person) -> AccessCode:
    code = get(session, code_id)
    if not can_issue(actor, code.person):
        raise NotAllowed("you may revoke only your own firm's access codes")
    if code.revoked_at is None:
        code.revoked_at, code.revoked_by = clock.now(), actor.id
        auditing.record(session, "access_code.revoked", by=actor,
                        data={"access_code_id": code.id, "person_id": code.person_id})
    return code


def get(session: Session, code_id: int) -> AccessCode:
    code = session.get(AccessCode, code_id)
    if code is None:
        raise NotFound("access code", code_id)
    return code


def listed(session: Session, actor: Person, *, person_id: int | None = None
           ) -> list[AccessCode]:
    query = select(AccessCode).join(Person, Person.id == AccessCode.person_id) \
        .order_by(AccessCode.issued_at.desc())
    if not actor.has_role("admin", "safety_dept", "safety_director"):
        if not actor.has_role("contractor_admin") or actor.organization_id is None:
            raise NotAllowed("only contractor admins and the safety department see access codes")
        query = query.where(Person.organization_id == actor.organization_id)
    if person_id is not None:
        query = query.where(AccessCode.person_id == person_id)
    return list(session.execute(query).scalars())


def problem_for(session: Session, person: Person, permit_type: str, now: datetime
                ) -> dict[str, Any] | None:
    """Why a contractor worker may not be named on a permit of this type now, or None."""
    codes = [c for c in session.execute(select(AccessCode).where(
        AccessCode.person_id == person.id, AccessCode.revoked_at.is_(None),
        AccessCode.expires_at > now)).scalars() if c.is_valid(now)]
    kind = certificates.permit_zh(permit_type)
    base = {"person_id": person.id, "person": person.name, "certificate": None,
            "certificate_type": None}
    if not codes:
        return {**base, "rule": "no_access_code",
                "message": f"{person.name}：承包商人员无有效临时准入码 / contractor worker "
                           f"without a valid access code"}
    if not any(permit_type in c.permit_types for c in codes):
        scopes = "；".join(c.scope for c in codes)
        return {**base, "rule": "access_scope",
                "message": f"{person.name}：临时准入范围不含{kind}（{scopes}）/ access code "
                           f"does not cover {permit_type}: {scopes}"}
    return None


def view(session: Session, code: AccessCode, *, now: datetime | None = None
         ) -> dict[str, Any]:
    """What the phone page and the API show: who, their qualifications, the scope."""
    person = code.person
    today = roster.local_today(session, person.site_code, now)
    tz = ZoneInfo(roster.timezone_of(session, person.site_code))
    certs = []
    for cert in sorted(person.certificates, key=lambda c: c.type_code):
        st = certificates.status_of(cert, today)
        certs.append({"type_name": cert.type.name_zh, "number": cert.number,
                      "status": st.colour, "status_reason": st.reason,
                      "due_on": st.due_on.isoformat() if st.due_on else None,
                      "verification": cert.verification})
    return {"id": code.id, "person": {"id": person.id, "name": person.name,
                                      "firm": person.organization.name if person.organization
                                      else None, "photo_id": person.photo_id},
            "scope": code.scope, "permit_types": code.permit_types,
            "permit_type_names": [certificates.permit_zh(t) for t in code.permit_types],
            "issued_at": code.issued_at.isoformat(), "expires_at": code.expires_at.isoformat(),
            "expires_local": code.expires_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "revoked_at": code.revoked_at.isoformat() if code.revoked_at else None,
            "certificates": certs}
