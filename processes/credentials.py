"""The crew check every permit type makes: people and their certificates.

Each named worker holds a green or yellow certificate whose scope covers the permit type
and grade (where the type requires one), the watcher holds a valid watcher certificate,
and contractor staff hold a valid access code covering the type. Refusals name the person,
the certificate and the rule. The four-eyes rule (an applicant never approves their own
permit) is enforced where tasks are completed (``tasks.may_complete``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from . import access, catalog, certificates
from .models import Permit, Person


@dataclass
class CrewCheck:
    errors: dict[str, list[str]] = field(default_factory=dict)
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, key: str, problem: dict[str, Any]) -> None:
        self.errors.setdefault(key, []).append(problem["message"])
        self.details.append({**problem, "field": key})


def _crew(permit: Permit) -> list[tuple[str, Person, str]]:
    """(field, person, role) for everyone the check covers."""
    named = [(f"workers.{i}", link.person, "worker") for i, link in enumerate(permit.worker_links)]
    return [*named, ("watcher", permit.watcher, "watcher")]


def check_crew(session: Session, permit: Permit, *, grade: str | None, today: date,
               now: datetime, access_codes: bool = True) -> CrewCheck:
    """Every problem with the crew of ``permit`` at ``grade`` (None: not graded yet)."""
    result = CrewCheck()
    needs = catalog.permit_requirements(permit.type)
    crew = _crew(permit)
    certificates.preload(session, [person for _, person, _ in crew])
    for key, person, role in crew:
        if needs.get(role, True):
            for problem in certificates.check_person(person, permit_type=permit.type,
                                                     role=role, grade=grade, today=today):
                result.add(key, problem)
        elif not person.active:
            result.add(key, certificates.check_person(person, permit_type=permit.type,
                                                      role=role, grade=grade, today=today)[0])
        if access_codes and person.is_contractor:
            problem = access.problem_for(session, person, permit.type, now)
            if problem is not None:
                result.add(key, problem)
    return result


def certificate_problems(permit: Permit, today: date) -> CrewCheck:
    """Certificate problems only (no access codes): what the daily scan of live permits
    looks for, at the grade the permit was given."""
    result = CrewCheck()
    needs = catalog.permit_requirements(permit.type)
    for key, person, role in _crew(permit):
        if needs.get(role, True):
            for problem in certificates.check_person(person, permit_type=permit.type,
                                                     role=role, grade=permit.grade,
                                                     today=today):
                result.add(key, problem)
    return result
