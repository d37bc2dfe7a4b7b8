"""Fatigue and rest: counting rules that freeze an application before approval.

The customer's rule: the 7th confined-space welding application by one welder within a
calendar month raises a fatigue warning, freezes the application and routes it to the team
leader. Rules are data (``thresholds.fatigue``): which permit types, which role, what a
matching permit looks like, and at which count to warn. A second rule asks for rest after
a long job (``thresholds.rest``). A warning places an ``application`` hold (``holds.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, lazyload

from . import catalog, holds, roster, thresholds
from .models import Permit, PermitHold, PermitWorker, Person

NOT_COUNTED = ("rejected", "cancelled")
#: no permit lives longer (temporary power: at most 30 days, GB 30871 10.8)
MAX_JOB = timedelta(days=31)


@dataclass
class Finding:
    kind: str  # fatigue | rest
    person_id: int
    person: str
    message: str
    count: int = 0
    limit: int = 0
    rule: str | None = None


@dataclass
class Verdict:
    findings: list[Finding] = field(default_factory=list)
    counts: dict[int, int] = field(default_factory=dict)

    @property
    def fatigue(self) -> bool:
        return bool(self.findings)

    @property
    def count(self) -> int:
        return max(self.counts.values(), default=0)


def _prefix(permit_type: str) -> str:
    found = catalog.permit_type(permit_type)
    return f"{found.prefix}-" if found else "?"


def matches(permit: Permit, match: dict[str, Any]) -> bool:
    """Whether ``permit`` is the kind of job a rule counts (see thresholds.json)."""
    fields = permit.fields or {}
    related = permit.related_permits or []
    if match.get("confined_space"):
        inside = permit.type == "confined_space" or bool(fields.get("in_confined_space")) \
            or any(n.startswith(_prefix("confined_space")) for n in related)
        if not inside:
            return False
    methods = match.get("methods")
    if methods:
        used = {fields.get("method"), *(fields.get("methods") or [])}
        hot = any(n.startswith(_prefix("hot_work")) for n in related)
        if not (used & set(methods)) and not (permit.type != "hot_work" and hot):
            return False
    return True


def _month(permit: Permit, tz: str) -> tuple[datetime, datetime]:
    local = permit.created_at.astimezone(ZoneInfo(tz))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def _people(permit: Permit, role: str) -> list[Person]:
    workers = [link.person for link in permit.worker_links]
    if role == "worker":
        return workers
    if role == "applicant":
        return [permit.applicant]
    return [permit.applicant, *[w for w in workers if w.id != permit.applicant_id]]


def count_jobs(session: Session, permit: Permit, person: Person, rule: dict[str, Any],
               tz: str) -> int:
    """Matching applications naming ``person`` this calendar month, ``permit`` included;
    permits of one job (related to each other) count once."""
    start, end = _month(permit, tz)
    query = (select(Permit).options(lazyload("*")).where(Permit.type.in_(rule["permit_types"]),
                                  Permit.created_at >= start, Permit.created_at < end,
                                  Permit.status.not_in(NOT_COUNTED))
             .order_by(Permit.created_at, Permit.id))
    role = rule.get("role", "worker")
    crew = select(PermitWorker.permit_id).where(PermitWorker.person_id == person.id)
    if role == "worker":
        query = query.where(Permit.id.in_(crew))
    elif role == "applicant":
        query = query.where(Permit.applicant_id == person.id)
    else:
        query = query.where(Permit.id.in_(crew) | (Permit.applicant_id == person.id))
    counted: set[str] = set()
    jobs = 0
    for other in session.execute(query).scalars():
        if not matches(other, rule.get("match") or {}):
            continue
        numbers = {other.number, *(other.related_permits or [])}
        if not numbers & counted:
            jobs += 1
        counted |= numbers
    return jobs


def _span(permit: Any) -> tuple[datetime, datetime]:
    return (permit.activated_at or permit.planned_start,
            permit.closed_at or permit.planned_end)


def rest_findings(session: Session, permit: Permit, rule: dict[str, Any]) -> list[Finding]:
    """Workers starting this job too soon after a long one (or while still on it)."""
    if permit.type not in rule.get("permit_types", []):
        return []
    long_job = timedelta(hours=rule["long_job_hours"])
    rest = timedelta(hours=rule["min_rest_hours"])
    if not rule["long_job_hours"] or not rest:
        return []
    found: list[Finding] = []
    for link in permit.worker_links:
        crew = select(PermitWorker.permit_id).where(PermitWorker.person_id == link.person_id)
        # Only jobs that could still end inside the rest window matter: bound it in SQL so
        # the cost does not grow with a worker's whole history.
        cutoff = permit.planned_start - rest
        # Only the columns the rule reads: no ORM objects for a crew's recent jobs.
        others = session.execute(select(
            Permit.number, Permit.activated_at, Permit.planned_start, Permit.closed_at,
            Permit.planned_end).where(
            Permit.id.in_(crew), Permit.id != permit.id, Permit.type.in_(rule["permit_types"]),
            Permit.status.not_in(NOT_COUNTED),
            Permit.planned_start < permit.planned_start,
            Permit.planned_start > cutoff - long_job - MAX_JOB,
            or_(Permit.planned_end > cutoff, Permit.closed_at > cutoff)))
        for other in others:
            begin, end = _span(other)
            if end - begin >= long_job and end > permit.planned_start - rest:
                hours = (end - begin).total_seconds() / 3600
                gap = max(timedelta(0), permit.planned_start - end).total_seconds() / 3600
                found.append(Finding(
                    "rest", link.person_id, link.person.name,
                    f"{link.person.name}：{other.number} 连续作业{hours:.0f}小时后仅休息"
                    f"{gap:.1f}小时（须≥{rule['min_rest_hours']}小时）/ only {gap:.1f} h rest "
                    f"after a {hours:.0f} h job (needs {rule['min_rest_hours']} h)",
                    rule="rest"))
                break
    return found


def assess(session: Session, permit: Permit) -> Verdict:
    """Every fatigue and rest finding for this application, with the counts."""
    settings = thresholds.current(session)
    tz = roster.timezone_of(session, permit.site_code)
    verdict = Verdict()
    for rule in settings["fatigue"]:
        if permit.type not in rule.get("permit_types", []) \
                or not matches(permit, rule.get("match") or {}):
            continue
        for person in _people(permit, rule.get("role", "worker")):
            n = count_jobs(session, permit, person, rule, tz)
            verdict.counts[person.id] = max(n, verdict.counts.get(person.id, 0))
            if n >= rule["warn_at"]:
                verdict.findings.append(Finding(
                    "fatigue", person.id, person.name,
                    f"{person.name}：本月第{n}次{rule.get('name_zh', rule['key'])}申请"
                    f"（第{rule['warn_at']}次起预警）/ application no. {n} this month "
                    f"({rule['key']}, warning from no. {rule['warn_at']})",
                    count=n, limit=rule["warn_at"], rule=rule["key"]))
    verdict.findings += rest_findings(session, permit, settings["rest"])
    return verdict


def check(session: Session, permit: Permit, *, by: str | None = None) -> dict[str, Any]:
    """Assess and, on a warning, freeze the application (an ``application`` hold)."""
    verdict = assess(session, permit)
    result: dict[str, Any] = {"fatigue": verdict.fatigue, "count": verdict.count,
                              "findings": [f.__dict__ for f in verdict.findings]}
    if verdict.fatigue and not holds.open_holds(session, permit, blocks="application"):
        first = verdict.findings[0]
        hold = holds.place(session, permit, kind=first.kind, blocks="application",
                           reason="; ".join(f.message for f in verdict.findings),
                           details=result, person_id=first.person_id, by=by)
        result["hold_id"] = hold.id
    return result


def release(session: Session, permit: Permit, *, decision: str, comment: str | None,
            by: str | None) -> list[PermitHold]:
    """The team leader's review: release (work may be applied for) or reject."""
    resolution = "rejected" if decision == "reject" else "released"
    held = holds.open_holds(session, permit, blocks="application")
    for hold in held:
        holds.resolve(session, hold, permit, resolution=resolution, by=by, comment=comment)
    return held
