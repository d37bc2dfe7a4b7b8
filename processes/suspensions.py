"""Live permits whose crew lost their only valid certificate.

The daily job (and every certificate change) scans live permits: an active permit whose
worker or watcher no longer holds a usable certificate is suspended — a ``work`` hold
(``holds.py``) blocks completion of the work step and the watcher is alerted. Once the
crew is qualified again (certificate renewed or reviewed) the hold clears itself and the
permit is active again. Permits not yet live are not suspended: activation re-checks the
crew and refuses; their applicant and watcher are warned instead.

This is recorded in the domain, not sent to the process as a BPMN message: the diagrams
have no message boundary on ``work``, and a hold works the same for every type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import clock, outbox

from . import credentials, holds
from .models import Permit, PermitWorker

KIND = "credential_lapse"
SCANNED = ("applied", "approving", "held", "approved", "active", "suspended")


@dataclass
class ScanResult:
    checked: int = 0
    suspended: int = 0
    lifted: int = 0
    warned: int = 0


def _live(session: Session, person_ids: Iterable[int] | None) -> list[Permit]:
    query = select(Permit).where(Permit.status.in_(SCANNED)).order_by(Permit.id)
    if person_ids is not None:
        ids = list(person_ids)
        crew = select(PermitWorker.permit_id).where(PermitWorker.person_id.in_(ids))
        query = query.where(or_(Permit.id.in_(crew), Permit.watcher_id.in_(ids)))
    return list(session.execute(query).scalars())


def scan(session: Session, today: date, *, person_ids: Iterable[int] | None = None,
         warn: bool = False) -> ScanResult:
    """Suspend or lift live permits by their crew's certificates on ``today``.

    ``warn`` (the daily run) also tells applicants and watchers of permits not yet live
    that activation will be refused.
    """
    result = ScanResult()
    for permit in _live(session, person_ids):
        result.checked += 1
        check = credentials.certificate_problems(permit, today)
        held = holds.open_holds(session, permit, kind=KIND)
        if permit.status == "active" and not check.ok and not held:
            _suspend(session, permit, check)
            result.suspended += 1
        elif held and check.ok:
            for hold in held:
                holds.resolve(session, hold, permit, resolution="cleared", by="system",
                              comment="证书已恢复有效 / crew qualified again")
            _tell(session, permit, "permit.resumable", "info",
                  f"证书已恢复有效，可恢复作业 / Crew qualified again: {permit.number}",
                  "; ".join(h.reason for h in held))
            result.lifted += 1
        elif warn and not check.ok and permit.status not in ("active", "suspended"):
            _tell(session, permit, "permit.crew_lapsed", "warning",
                  f"作业人员证书失效，许可证将无法生效 / Crew certificate lapsed: {permit.number}",
                  "; ".join(m for msgs in check.errors.values() for m in msgs))
            result.warned += 1
    return result


def _suspend(session: Session, permit: Permit, check: credentials.CrewCheck) -> None:
    reasons = "; ".join(m for msgs in check.errors.values() for m in msgs)
    first = check.details[0] if check.details else {}
    holds.place(session, permit, kind=KIND, blocks="work",
                reason=f"作业人员证书失效 / crew certificate lapsed: {reasons}",
                details={"problems": check.details}, person_id=first.get("person_id"),
                by="system")
    _tell(session, permit, "permit.suspended", "high",
          f"作业人员证书失效，作业暂停 / Work suspended, certificate lapsed: {permit.number}",
          reasons)


def _tell(session: Session, permit: Permit, kind: str, severity: str, title: str,
          body: str) -> None:
    """The watcher first (they stop the job), then the applicant and the safety dept."""
    now = clock.now()
    base = {"kind": kind, "severity": severity, "title": title, "body": body,
            "permit_id": permit.id, "site_code": permit.site_code}
    for target in ({"person_id": permit.watcher_id}, {"person_id": permit.applicant_id},
                   {"role": "safety_dept"}):
        outbox.enqueue(session, "notify.send", {**base, **target}, now=now)
