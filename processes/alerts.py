"""Certificate alerts: what turned yellow or red, and who was told.

``sync`` is the one writer. It runs for every certificate in the daily job and for a
single certificate whenever one is saved, reviewed or voided, so the alert list always
matches the status engine as of the last run: every certificate within 90 days of its
review or expiry (or lapsed, or voided) has exactly one open alert, and no other has one.
A new or changed alert notifies the holder, their team leader and the safety department
(and the contractor admin for contractor staff) through the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engine import clock, outbox

from . import certificates
from .errors import NotAllowed, NotFound
from .models import Certificate, CertificateAlert, Organization, Person

REASON_ZH = {"expires_soon": "即将到期", "review_due_soon": "即将到复审期", "expired": "已过期",
             "review_missed": "未按期复审", "voided": "已作废"}
LEVEL_ORDER = {"red": 0, "yellow": 1}


def evaluate(cert: certificates.CertificateLike, today: date
             ) -> tuple[str, str, date | None] | None:
    """(level, reason, due date) of the alert a certificate should have today, or None."""
    st = certificates.status_of(cert, today)
    if st.colour == "green":
        return None
    return st.colour, st.reason, st.due_on


@dataclass
class SyncResult:
    checked: int = 0
    opened: int = 0
    resolved: int = 0


def sync(session: Session, certs: Sequence[Certificate], today: date, *,
         notify: bool = True) -> SyncResult:
    """Bring the open alerts of ``certs`` in line with their status on ``today``."""
    result = SyncResult(checked=len(certs))
    if not certs:
        return result
    now = clock.now()
    open_rows: dict[int, list[CertificateAlert]] = {}
    ids = [c.id for c in certs]
    for chunk in _chunks(ids, 500):
        for alert in session.execute(select(CertificateAlert).where(
                CertificateAlert.certificate_id.in_(chunk),
                CertificateAlert.resolved_at.is_(None))).scalars():
            open_rows.setdefault(alert.certificate_id, []).append(alert)
    leaders = _LeaderCache(session)
    for cert in certs:
        target = evaluate(cert, today)
        keep = None
        for alert in open_rows.get(cert.id, []):
            if target is not None and keep is None \
                    and (alert.level, alert.reason, alert.due_on) == target:
                keep = alert
                continue
            alert.resolved_at = now
            result.resolved += 1
        if target is None or keep is not None:
            continue
        level, reason, due = target
        alert = CertificateAlert(certificate_id=cert.id, person_id=cert.person_id, level=level,
                                 reason=reason, due_on=due, created_at=now)
        session.add(alert)
        result.opened += 1
        if notify:
            session.flush()
            _notify(session, alert, cert, leaders, now=now)
    return result


def recompute_all(session: Session, today: date, *, batch: int = 500,
                  notify: bool = True) -> SyncResult:
    """The daily pass over every certificate, in batches."""
    total = SyncResult()
    ids = list(session.execute(select(Certificate.id).order_by(Certificate.id)).scalars())
    for chunk in _chunks(ids, batch):
        certs = list(session.execute(select(Certificate).options(
            joinedload(Certificate.person)).where(Certificate.id.in_(chunk))).scalars())
        part = sync(session, certs, today, notify=notify)
        total.checked += part.checked
        total.opened += part.opened
        total.resolved += part.resolved
        session.flush()
    return total


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _LeaderCache:
    """Team leaders of an organization: people with the role in it, else in its parent."""

    def __init__(self, session: Session):
        self.session = session
        self.cache: dict[int, list[int]] = {}

    def of(self, org_id: int | None) -> list[int]:
        seen: set[int] = set()
        while org_id is not None and org_id not in seen:
            seen.add(org_id)
            if org_id not in self.cache:
                people = self.session.execute(select(Person).where(
                    Person.organization_id == org_id, Person.active.is_(True))).scalars()
                self.cache[org_id] = [p.id for p in people if p.has_role("team_leader")]
            if self.cache[org_id]:
                return self.cache[org_id]
            org = self.session.get(Organization, org_id)
            org_id = org.parent_id if org else None
        return []

    def contractor_admins(self, org_id: int) -> list[int]:
        people = self.session.execute(select(Person).where(
            Person.organization_id == org_id, Person.active.is_(True))).scalars()
        return [p.id for p in people if p.has_role("contractor_admin")]


def team_leaders(session: Session, person: Person) -> list[int]:
    return _LeaderCache(session).of(person.organization_id)


def _notify(session: Session, alert: CertificateAlert, cert: Certificate,
            leaders: _LeaderCache, *, now: datetime) -> None:
    person = cert.person
    due = alert.due_on.isoformat() if alert.due_on else ""
    title = (f"证书{REASON_ZH[alert.reason]}：{person.name} {cert.type.name_zh} {cert.number}"
             f" / Certificate {alert.reason.replace('_', ' ')}: {cert.number}")
    body = f"{alert.level} · {alert.reason} · {due}"
    base = {"kind": "certificate.alert", "severity": "high" if alert.level == "red" else "warning",
            "title": title, "body": body,
            "data": {"alert_id": alert.id, "certificate_id": cert.id, "person_id": person.id,
                     "level": alert.level, "reason": alert.reason, "due_on": due or None}}
    targets: list[dict[str, Any]] = [{"person_id": person.id}]
    targets += [{"person_id": pid} for pid in leaders.of(person.organization_id)
                if pid != person.id]
    if person.is_contractor and person.organization_id is not None:
        targets += [{"person_id": pid} for pid in leaders.contractor_admins(person.organization_id)]
    targets.append({"role": "safety_dept", "site_code": person.site_code})
    for target in targets:
        outbox.enqueue(session, "notify.send", {**base, **target}, now=now)


# -- reading ------------------------------------------------------------------------------
def visible_query(actor: Person) -> Any:
    """Open alerts the actor may see: everything for admins and the safety side (their
    site), their team for team leaders, their firm for contractor admins, else their own."""
    query = (select(CertificateAlert).join(Person, Person.id == CertificateAlert.person_id)
             .where(CertificateAlert.resolved_at.is_(None)))
    if actor.has_role("admin", "safety_director"):
        return query
    if actor.has_role("safety_dept"):
        return query.where(Person.site_code == actor.site_code) if actor.site_code else query
    if actor.has_role("team_leader", "contractor_admin") and actor.organization_id is not None:
        return query.where(Person.organization_id == actor.organization_id)
    return query.where(CertificateAlert.person_id == actor.id)


def list_open(session: Session, actor: Person, *, level: str | None = None,
              acknowledged: bool | None = None, person_id: int | None = None,
              type_code: str | None = None, site: str | None = None
              ) -> list[CertificateAlert]:
    query = visible_query(actor)
    if level:
        query = query.where(CertificateAlert.level == level)
    if acknowledged is not None:
        query = query.where(CertificateAlert.acknowledged_at.is_not(None) if acknowledged
                            else CertificateAlert.acknowledged_at.is_(None))
    if person_id is not None:
        query = query.where(CertificateAlert.person_id == person_id)
    if type_code:
        query = query.join(Certificate, Certificate.id == CertificateAlert.certificate_id) \
            .where(Certificate.type_code == type_code)
    if site:
        query = query.where(Person.site_code == site)
    # red first, the most overdue first; then by name, so that the board reads the same
    # however the daily job's inserts happened to interleave (alert ids are not an order)
    pairs = [(alert, name) for alert, name in session.execute(query.add_columns(Person.name))]
    pairs.sort(key=lambda p: (LEVEL_ORDER[p[0].level], p[0].due_on or date.min, p[1], p[0].id))
    return [alert for alert, _name in pairs]


def acknowledge(session: Session, alert_id: int, actor: Person) -> CertificateAlert:
    alert = session.execute(visible_query(actor).where(CertificateAlert.id == alert_id)
                            ).scalar_one_or_none()
    if alert is None:
        if session.get(CertificateAlert, alert_id) is None:
            raise NotFound("alert", alert_id)
        raise NotAllowed("this alert is about someone outside your scope")
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = clock.now(), actor.id
    return alert


def view(alert: CertificateAlert, today: date) -> dict[str, Any]:
    cert, person = alert.certificate, alert.person
    due = alert.due_on.isoformat() if alert.due_on else None
    return {"id": alert.id, "level": alert.level, "reason": alert.reason,
            "reason_zh": REASON_ZH[alert.reason], "due_on": due,
            "days_left": (alert.due_on - today).days if alert.due_on else None,
            "created_at": alert.created_at.isoformat(),
            "acknowledged_at": alert.acknowledged_at.isoformat()
            if alert.acknowledged_at else None, "acknowledged_by": alert.acknowledged_by,
            "certificate": {"id": cert.id, "number": cert.number, "type_code": cert.type_code,
                            "type_name": cert.type.name_zh},
            "person": {"id": person.id, "name": person.name,
                       "organization": person.organization.name if person.organization
                       else None, "site": person.site_code}}
