"""Certificate status and the crew credential check.

Statuses follow MEM Order No. 30 as the customer reads it: yellow from 90 days before a
review or expiry date, red on the day it lapses, when voided, or when a review was missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .models import Certificate, CertificateType, Person

WARNING_DAYS = 90


@dataclass(frozen=True)
class Status:
    colour: str  # green | yellow | red
    reason: str  # ok | expires_soon | review_due_soon | expired | voided | review_missed
    due_on: date | None = None

    @property
    def usable(self) -> bool:
        return self.colour in ("green", "yellow")


def status_of(cert: Certificate, today: date) -> Status:
    if cert.voided:
        return Status("red", "voided")
    if cert.expires_on < today:
        return Status("red", "expired", cert.expires_on)
    if cert.review_due_on is not None and cert.review_due_on < today:
        return Status("red", "review_missed", cert.review_due_on)
    horizon = today + timedelta(days=WARNING_DAYS)
    dues = [(cert.expires_on, "expires_soon")]
    if cert.review_due_on is not None:
        dues.append((cert.review_due_on, "review_due_soon"))
    due, reason = min(dues)
    if due <= horizon:
        return Status("yellow", reason, due)
    return Status("green", "ok", due)


def authorizes(ctype: CertificateType, permit_type: str, role: str, grade: str | None) -> bool:
    for rule in ctype.authorizes or []:
        if rule.get("permit_type") not in ("*", permit_type) or rule.get("role") != role:
            continue
        grades = rule.get("grades")
        if grades is None or grade is None or grade in grades:
            return True
    return False


REASON_TEXT = {
    "voided": "was voided",
    "expired": "expired on {due}",
    "review_missed": "missed its review due on {due}",
}


def check_person(person: Person, *, permit_type: str, role: str, grade: str | None,
                 today: date) -> list[dict[str, Any]]:
    """Problems that stop ``person`` from acting as ``role`` on this permit; empty if fine."""
    relevant = [c for c in person.certificates
                if authorizes(c.type, permit_type, role, grade)]
    if any(status_of(c, today).usable for c in relevant):
        return []
    if not person.active:
        return [{"person_id": person.id, "person": person.name, "certificate": None,
                 "rule": "person_inactive", "message": f"{person.name} is not an active person"}]
    if not relevant:
        what = "a watcher training certificate" if role == "watcher" else \
            f"a certificate authorizing {permit_type}" + (f" grade {grade}" if grade else "")
        return [{"person_id": person.id, "person": person.name, "certificate": None,
                 "rule": "no_certificate", "message": f"{person.name} holds no {what}"}]
    problems = []
    for cert in relevant:
        st = status_of(cert, today)
        problems.append({
            "person_id": person.id, "person": person.name, "certificate": cert.number,
            "certificate_type": cert.type_code, "rule": st.reason,
            "message": f"{person.name}: {cert.type.name_zh} {cert.number} "
                       + REASON_TEXT[st.reason].format(due=st.due_on)})
    return problems
