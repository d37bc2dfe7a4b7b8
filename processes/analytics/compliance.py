"""The compliance dashboard: rates by type/site/month/contractor, most-skipped mandatory
nodes, permits closed on time vs late, certificate warnings missed.

Rates come from ``compliance_snapshot`` (finished permits), one GROUP BY each.

* compliance rate = Σ executed mandatory nodes ÷ Σ required × 100 (pooled over nodes);
  ``mean_rate`` is the plain average of the permits' own rates (the seed's "plant average").
* closed on time = closed at or before ``valid_until`` (else ``planned_end``); a permit
  that expired unclosed counts as late; cancelled and rejected permits are not counted.
* a certificate warning is *missed* when a certificate lapsed (expiry or missed review) in
  the period and nobody could have been warned before: no certificate alert notification
  for it before the lapse, or — while the plant records no such notifications — it was
  only put on record on or after the day it lapsed (the alert list shows yellow from 90
  days before for every certificate on record).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from engine import AuditEvent

from ..errors import ValidationFailed
from ..models import (
    Certificate,
    ComplianceMiss,
    ComplianceSnapshot,
    Notification,
    Organization,
    Person,
)
from . import slots

GROUPS = ("type", "site", "month", "contractor")


@dataclass
class Filters:
    site: str | None = None
    start: date | None = None
    end: date | None = None
    contractor: int | None = None
    type: str | None = None
    timezone: str = "Asia/Shanghai"


def conditions(session: Session, f: Filters) -> list[ColumnElement[bool]]:
    tz = slots.site_zone(session, f.site) if f.site else f.timezone
    cond: list[ColumnElement[bool]] = []
    if f.site:
        cond.append(ComplianceSnapshot.site_code == f.site)
    if f.start:
        cond.append(ComplianceSnapshot.planned_start >= slots.period_bounds(f.start, f.start,
                                                                            tz)[0])
    if f.end:
        cond.append(ComplianceSnapshot.planned_start < slots.period_bounds(f.end, f.end, tz)[1])
    if f.contractor is not None:
        cond.append(ComplianceSnapshot.contractor_id == f.contractor)
    if f.type:
        cond.append(ComplianceSnapshot.type == f.type)
    return cond


def _key(group_by: str) -> Any:
    if group_by not in GROUPS:
        raise ValidationFailed({"group_by": [f"one of {', '.join(GROUPS)}"]})
    return {"type": ComplianceSnapshot.type, "site": ComplianceSnapshot.site_code,
            "month": ComplianceSnapshot.local_month,
            "contractor": ComplianceSnapshot.contractor_id}[group_by]


def _pct(num: float | None, den: float | None) -> float | None:
    return round(100.0 * float(num or 0) / float(den), 1) if den else None


def rates(session: Session, group_by: str, f: Filters) -> list[dict[str, Any]]:
    """One row per group: permits, pooled and mean compliance rate, on-time closing."""
    key = _key(group_by)
    s = ComplianceSnapshot
    counted = s.required > 0
    query = (select(key, func.count(), func.sum(s.required), func.sum(s.executed),
                    func.avg(case((counted, 100.0 * s.executed / s.required))),
                    func.sum(case((and_(counted, s.executed == s.required), 1), else_=0)),
                    func.sum(s.on_time), func.count(s.on_time))
             .where(*conditions(session, f)).group_by(key).order_by(key))
    rows = session.execute(query).all()
    names = _contractor_names(session, [r[0] for r in rows]) if group_by == "contractor" \
        else {}
    out = []
    for k, permits, required, executed, mean, full, on_time, closed in rows:
        label = names.get(k, "（本单位）" if k is None else str(k)) if group_by == "contractor" \
            else (f"{k // 100}-{k % 100:02d}" if group_by == "month" else k)
        out.append({
            "key": k, "label": label, "permits": int(permits),
            "required": int(required or 0), "executed": int(executed or 0),
            "rate": _pct(executed, required),
            "mean_rate": round(float(mean), 1) if mean is not None else None,
            "fully_compliant": int(full or 0),
            "closed_counted": int(closed or 0), "closed_on_time": int(on_time or 0),
            "closed_late": int(closed or 0) - int(on_time or 0),
            "on_time_rate": _pct(on_time, closed)})
    return out


def totals(session: Session, f: Filters) -> dict[str, Any]:
    s = ComplianceSnapshot
    row = session.execute(select(
        func.count(), func.sum(s.required), func.sum(s.executed),
        func.avg(case((s.required > 0, 100.0 * s.executed / s.required))),
        func.sum(s.on_time), func.count(s.on_time)).where(*conditions(session, f))).one()
    permits, required, executed, mean, on_time, closed = row
    return {"permits": int(permits), "required": int(required or 0),
            "executed": int(executed or 0), "rate": _pct(executed, required),
            "mean_rate": round(float(mean), 1) if mean is not None else None,
            "closed_counted": int(closed or 0), "closed_on_time": int(on_time or 0),
            "closed_late": int(closed or 0) - int(on_time or 0),
            "on_time_rate": _pct(on_time, closed)}


def most_skipped(session: Session, f: Filters, *, limit: int = 10) -> list[dict[str, Any]]:
    """Mandatory nodes most often left without evidence, per work type."""
    m = ComplianceMiss
    cond = conditions(session, f)
    query = select(m.node, m.type, func.count().label("n"))
    if cond:  # the join only when a filter needs the snapshot's columns
        query = query.join(ComplianceSnapshot, ComplianceSnapshot.permit_id == m.permit_id)
    query = (query.where(*cond).group_by(m.node, m.type)
             .order_by(func.count().desc(), m.node).limit(limit))
    return [{"node": node, "type": kind, "skipped": int(n)}
            for node, kind, n in session.execute(query).all()]


def _contractor_names(session: Session, ids: list[Any]) -> dict[Any, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_(wanted))).all())


def lapse_date(cert: Certificate) -> date:
    dues = [cert.expires_on] + ([cert.review_due_on] if cert.review_due_on else [])
    return min(dues)


def certificate_lapses(session: Session, start: date, end: date, *, site: str | None = None
                       ) -> list[dict[str, Any]]:
    """Certificates that lapsed in [start, end], each with whether a warning preceded it."""
    query = (select(Certificate, Person).join(Person, Certificate.person_id == Person.id)
             .where(Certificate.voided.is_(False)))
    if site:
        query = query.where(Person.site_code == site)
    lapses = [(c, p, lapse_date(c)) for c, p in session.execute(query).all()]
    lapses = [(c, p, d) for c, p, d in lapses if start <= d <= end]
    if not lapses:
        return []
    alerts = session.execute(select(Notification.data, Notification.created_at).where(
        Notification.kind.like("certificate%"))).all()
    alerted: dict[int, datetime] = {}
    for data, created in alerts:
        cid = (data or {}).get("certificate_id")
        if isinstance(cid, int) and (cid not in alerted or created < alerted[cid]):
            alerted[cid] = created
    on_record: dict[int, datetime] = {}
    if not alerted:
        for data, at in session.execute(select(AuditEvent.data, AuditEvent.at).where(
                AuditEvent.action == "certificate.saved")).all():
            cid = (data or {}).get("certificate_id")
            if isinstance(cid, int) and (cid not in on_record or at < on_record[cid]):
                on_record[cid] = at
    out = []
    for cert, person, day in sorted(lapses, key=lambda t: (t[2], t[0].id)):
        tz = slots.zone("Asia/Shanghai")
        lapse_at = datetime.combine(day, time.min, tz)
        if alerted:
            warned_by = "notification" if cert.id in alerted and alerted[cert.id] < lapse_at \
                else None
        else:
            first = on_record.get(cert.id)
            warned_by = "status_window" if first is None or first < lapse_at else None
        out.append({"certificate_id": cert.id, "number": cert.number,
                    "type_code": cert.type_code, "type_name": cert.type.name_zh,
                    "person_id": person.id, "person": person.name,
                    "lapsed_on": day.isoformat(),
                    "reason": "expired" if day == cert.expires_on else "review_missed",
                    "warned": warned_by is not None, "warned_by": warned_by})
    return out


def dashboard(session: Session, f: Filters, group_by: str = "month", *,
              today: date | None = None) -> dict[str, Any]:
    """Everything the compliance page shows, for one filter set."""
    start = f.start or date(2000, 1, 1)
    end = f.end or today or date.today()
    lapses = certificate_lapses(session, start, min(end, today or end), site=f.site)
    return {"group_by": group_by, "totals": totals(session, f),
            "groups": rates(session, group_by, f), "most_skipped": most_skipped(session, f),
            "certificates": {"lapsed": len(lapses),
                             "warnings_missed": sum(1 for x in lapses if not x["warned"]),
                             "items": lapses}}
