"""What an operation acts on, found from the URL (or the body, for a create), as a
:class:`processes.scope.Target`: the object's site, firms, owners and assignee.

The policy table names the kind (``"object": "permit"``); each kind here loads its row and
says where it sits. A missing row is a 404 before anything else happens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine import HumanTask, Incident, ProcessInstance, db
from processes import permits, tasks
from processes.errors import NotFound
from processes.models import (
    AccessCode,
    Certificate,
    CertificateAlert,
    Equipment,
    Permit,
    PermitHold,
    Person,
    ReportJob,
    SafetyIncident,
    SignIn,
)
from processes.scope import PLANT, LazyIds, Target
from processes.supervision import presence


def _row(model: Any, key: Any, what: str) -> Any:
    row = db.session.get(model, key) if key is not None else None
    if row is None:
        raise NotFound(what, key)
    return row


def permit_target(permit: Permit) -> Target:
    """The crew are its owners: applicant, watcher, workers, and a substitute watcher the
    watch is being handed to. Firms and owners are looked up only if a grant asks."""
    def crew() -> list[int | None]:
        ids = [permit.applicant_id, permit.watcher_id, *permit.worker_ids]
        handover = presence.pending_handover(db.session, permit)
        return [*ids, handover.to_person_id] if handover is not None else ids

    def firms() -> list[int | None]:
        ids = [permit.applicant_id, permit.watcher_id, *permit.worker_ids]
        return [row[0] for row in db.session.query(Person.organization_id).filter(
            Person.id.in_(ids)).all()]

    return Target(permit.site_code, firms=LazyIds(firms), owners=LazyIds(crew))


def person_target(person: Person) -> Target:
    return Target.of(person.site_code, firms=[person.organization_id], owners=[person.id])


def _permit(args: Mapping[str, Any]) -> Target:
    return permit_target(permits.get(db.session, args["permit_id"]))


def _task(args: Mapping[str, Any]) -> Target:
    task = _row(HumanTask, args["task_id"], "task")
    permit = permits.for_instance(db.session, task.instance_id)
    if permit is None:  # a task of a process that is not a permit (designer's test runs)
        return Target.of(None, assignee=lambda p: p.has_role(task.lane or ""))
    base = permit_target(permit)
    return Target(base.site, base.firms, base.owners,
                  assignee=lambda p: tasks.may_complete(p, task, permit) is None
                  or (task.claimed_by is not None and task.claimed_by == p.username),
                  refusal=lambda p: tasks.may_complete(p, task, permit))


def _instance(args: Mapping[str, Any]) -> Target:
    _row(ProcessInstance, args["instance_id"], "instance")
    permit = permits.for_instance(db.session, args["instance_id"])
    return permit_target(permit) if permit is not None else PLANT


def _incident(args: Mapping[str, Any]) -> Target:
    incident = _row(Incident, args["incident_id"], "incident")
    permit = permits.for_instance(db.session, incident.instance_id)
    return permit_target(permit) if permit is not None else PLANT


def _person(args: Mapping[str, Any]) -> Target:
    return person_target(_row(Person, args["person_id"], "person"))


def _certificate(args: Mapping[str, Any]) -> Target:
    return person_target(_row(Certificate, args["cert_id"], "certificate").person)


def _alert(args: Mapping[str, Any]) -> Target:
    return person_target(_row(CertificateAlert, args["alert_id"], "certificate alert").person)


def _access_code(args: Mapping[str, Any]) -> Target:
    code = _row(AccessCode, args["code_id"], "access code")
    base = person_target(_row(Person, code.person_id, "person"))
    return Target(base.site, base.firms, frozenset(base.owners) | {code.issued_by} - {None})


def _equipment(args: Mapping[str, Any]) -> Target:
    return Target.of(_row(Equipment, args["equipment_id"], "equipment").site_code)


def _report_job(args: Mapping[str, Any]) -> Target:
    job = _row(ReportJob, args["job_id"], "report job")
    return Target.of((job.params or {}).get("site"), owners=[job.requested_by])


def _safety_incident(args: Mapping[str, Any]) -> Target:
    return Target.of(_row(SafetyIncident, args["incident_id"], "safety incident").site_code)


def _sign_in(args: Mapping[str, Any]) -> Target:
    sign_in = _row(SignIn, args["sign_in_id"], "sign-in")
    return permit_target(permits.get(db.session, sign_in.permit_id))


def _hold(args: Mapping[str, Any]) -> Target:
    hold = _row(PermitHold, args["hold_id"], "hold")
    permit = permits.get(db.session, args["permit_id"])
    if hold.permit_id != permit.id:
        raise NotFound("hold", args["hold_id"])
    return permit_target(permit)


RESOLVERS: dict[str, Callable[[Mapping[str, Any]], Target]] = {
    "permit": _permit, "task": _task, "instance": _instance, "incident": _incident,
    "person": _person, "certificate": _certificate, "alert": _alert,
    "access_code": _access_code, "equipment": _equipment, "report_job": _report_job,
    "safety_incident": _safety_incident, "sign_in": _sign_in, "hold": _hold,
}


def body_target(spec: Mapping[str, str], body: Mapping[str, Any]) -> Target | None:
    """Where a create puts its object: a site field, a firm field, or a person it is for.

    None when the body names none of them: the use case then puts the object at the actor's
    own site or firm, or its validation names the missing field."""
    def _int(value: Any) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    if "person" in spec:
        pid = _int(body.get(spec["person"]))
        person = db.session.get(Person, pid) if pid is not None else None
        return person_target(person) if person is not None else None
    site = body.get(spec["site"]) if "site" in spec else None
    site = site if isinstance(site, str) and site else None
    firm = _int(body.get(spec["firm"])) if "firm" in spec else None
    if site is None and firm is None:
        return None
    return Target.of(site, firms=[firm])


def resolve(kind: str | None, args: Mapping[str, Any]) -> Target:
    if kind is None:
        return PLANT
    return RESOLVERS[kind](args)


__all__ = ["RESOLVERS", "body_target", "person_target", "permit_target", "resolve"]
