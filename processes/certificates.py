"""The certificate status engine and what a certificate authorizes.

Rules of MEM Order No. 30 (special operations) as the customer reads them, with the TSG
special-equipment and in-house watcher certificates beside them:

- a certificate is valid through ``expires_on`` and must be reviewed by ``review_due_on``
  (both dates inclusive: it lapses the next day);
- green: more than 90 days to the nearer of the two; yellow: 90 days or fewer; red: lapsed,
  voided, or the review was missed (art. 26: invalid until re-examined);
- the review interval is ``review_years`` (3), or ``extended_review_years`` (6) once the
  holder has worked ``extension_clean_years`` (10) in the trade without a violation (art. 21);
- a review may be applied for at most ``review_window_days`` (60) before it falls due (art. 22).

Everything here is pure: no session, no clock. ``today`` is the plant-local date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from . import catalog
from .models import Certificate, CertificateType, Person

WARNING_DAYS = 90

#: how grades and permit types read in messages (types without a module fall back to keys)
GRADE_ZH = {"special": "特级", "grade1": "一级", "grade2": "二级"}


def permit_zh(permit_type: str) -> str:
    found = catalog.permit_type(permit_type)
    return found.name_zh if found else permit_type


class CertificateLike(Protocol):
    expires_on: date
    review_due_on: date | None
    voided: bool


@dataclass(frozen=True)
class Status:
    colour: str  # green | yellow | red
    reason: str  # ok | expires_soon | review_due_soon | expired | voided | review_missed
    due_on: date | None = None

    @property
    def usable(self) -> bool:
        return self.colour in ("green", "yellow")


def next_due(cert: CertificateLike) -> tuple[date, str]:
    """The nearer of expiry and review, and which one it is (expiry wins a tie: a review
    due on the expiry day is the renewal itself)."""
    if cert.review_due_on is not None and cert.review_due_on < cert.expires_on:
        return cert.review_due_on, "review"
    return cert.expires_on, "expiry"


def status_of(cert: CertificateLike, today: date) -> Status:
    if cert.voided:
        return Status("red", "voided")
    if cert.expires_on < today:  # expiry is final: it outranks a review missed earlier
        return Status("red", "expired", cert.expires_on)
    due, what = next_due(cert)
    if due < today:
        return Status("red", "review_missed", due)
    if due <= today + timedelta(days=WARNING_DAYS):
        return Status("yellow", "expires_soon" if what == "expiry" else "review_due_soon", due)
    return Status("green", "ok", due)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def extension_earned(ctype: CertificateType, cert: Certificate, at: date) -> bool:
    """Art. 21: ≥ 10 years in the trade and no violation → the longer review interval."""
    return bool(ctype.extended_review_years and cert.in_trade_since is not None
                and not cert.violations
                and add_years(cert.in_trade_since, ctype.extension_clean_years or 0) <= at)


def review_due_after(ctype: CertificateType, cert: Certificate, start: date) -> date | None:
    """When the review after ``start`` (issue or last due date) falls due; None when the
    type has no review or the next one would be the expiry (renewal) anyway."""
    if not ctype.review_years:
        return None
    due = add_years(start, ctype.review_years)
    if extension_earned(ctype, cert, due):
        due = add_years(start, ctype.extended_review_years)
    return due if due < cert.expires_on else None


def window_opens_on(ctype: CertificateType, cert: CertificateLike) -> date:
    """The first day a review (or renewal) of the next due date may be applied for."""
    due, _ = next_due(cert)
    return due - timedelta(days=ctype.review_window_days or 0)


def authorizes(ctype: CertificateType, permit_type: str, role: str, grade: str | None) -> bool:
    """Whether the type covers this permit type, role and grade (grade None: not known
    yet, so any grade counts; the check runs again once the permit is graded)."""
    for rule in ctype.authorizes or []:
        if rule.get("permit_type") not in ("*", permit_type) or rule.get("role") != role:
            continue
        grades = rule.get("grades")
        if grades is None or grade is None or grade in grades:
            return True
    return False


def covered_grades(ctype: CertificateType, permit_type: str, role: str) -> list[str] | None:
    """The grades the type covers for this permit type (None: all of them)."""
    found: list[str] = []
    for rule in ctype.authorizes or []:
        if rule.get("permit_type") in ("*", permit_type) and rule.get("role") == role:
            if rule.get("grades") is None:
                return None
            found += rule["grades"]
    return found


def _cert_name(cert: Certificate) -> str:
    return f"{cert.type.name_zh} {cert.number}"


def _problem(person: Person, cert: Certificate | None, rule: str, message: str
             ) -> dict[str, Any]:
    return {"person_id": person.id, "person": person.name,
            "certificate": cert.number if cert else None,
            "certificate_type": cert.type_code if cert else None, "rule": rule,
            "message": f"{person.name}：{message}"}


def lapse_problem(person: Person, cert: Certificate, st: Status) -> dict[str, Any]:
    """The refusal for a certificate that is red: which date, which rule."""
    name, due = _cert_name(cert), st.due_on.isoformat() if st.due_on else ""
    text = {
        "voided": f"{name} 已作废（{cert.voided_reason or '无说明'}）/ was voided"
                  + (f": {cert.voided_reason}" if cert.voided_reason else ""),
        "expired": f"{name} 已于{due}过期 / expired on {due} (MEM Order No. 30 art. 19)",
        "review_missed": f"{name} 未在{due}前复审，证书失效 / missed its review due on {due} "
                         f"(MEM Order No. 30 art. 26: invalid until re-examined)",
    }[st.reason]
    return _problem(person, cert, st.reason, text)


def preload(session: Session, people: list[Person]) -> None:
    """Load the certificates of several people in one query, not one lazy load each.

    People whose certificates are already loaded keep them as they are.
    """
    wanted = {p.id: p for p in people if "certificates" in inspect(p).unloaded}
    if len(wanted) < 2:
        return  # the lazy load is one query too
    held: dict[int, list[Certificate]] = {pid: [] for pid in wanted}
    for cert in session.execute(select(Certificate).where(Certificate.person_id.in_(wanted))
                                .order_by(Certificate.id)).scalars():
        held[cert.person_id].append(cert)
    for pid, person in wanted.items():
        set_committed_value(person, "certificates", held[pid])


def check_person(person: Person, *, permit_type: str, role: str, grade: str | None,
                 today: date) -> list[dict[str, Any]]:
    """Problems that stop ``person`` from acting as ``role`` on this permit; empty if fine.

    Each problem names the person, the certificate and the rule broken: ``no_certificate``,
    ``out_of_scope`` (a certificate for the type but not this grade), ``expired``,
    ``voided``, ``review_missed`` or ``person_inactive``.
    """
    if not person.active:
        return [_problem(person, None, "person_inactive", "不是在册人员 / is not an active person")]
    covering = [c for c in person.certificates if authorizes(c.type, permit_type, role, grade)]
    if any(status_of(c, today).usable for c in covering):
        return []
    problems = [lapse_problem(person, c, status_of(c, today)) for c in covering]
    kind = permit_zh(permit_type)
    grade_zh = GRADE_ZH.get(grade or "", grade or "")
    for cert in person.certificates:
        if cert in covering or not authorizes(cert.type, permit_type, role, None):
            continue
        if not status_of(cert, today).usable:
            continue
        grades = covered_grades(cert.type, permit_type, role) or []
        allowed = "、".join(GRADE_ZH.get(g, g) for g in grades)
        problems.append(_problem(
            person, cert, "out_of_scope",
            f"{_cert_name(cert)} 仅适用于{allowed}{kind}，不适用于{grade_zh}{kind} / covers "
            f"{permit_type} {', '.join(grades)} only, not {grade}"))
    if not problems:
        if role == "watcher":
            text = ("未持有监护人培训合格证 / holds no watcher training certificate "
                    "(GB 30871 4.10)")
        else:
            text = (f"未持有覆盖{grade_zh}{kind}的特种作业证书 / holds no certificate authorizing "
                    f"{permit_type}" + (f" {grade}" if grade else ""))
        problems.append(_problem(person, None, "no_certificate", text))
    return problems
