"""People, certificates and plant areas: registration use cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock

from . import auditing, catalog, certificates, geo
from .errors import NotAllowed, NotFound, ValidationFailed
from .models import Area, Certificate, CertificateType, Organization, Person, Site

ROLES = ("applicant", "watcher", "team_leader", "unit_approver", "specialist", "safety_dept",
         "plant_leader", "power_supplier", "safety_director", "contractor_admin", "designer",
         "admin",
         # departments that countersign excavation and road closure (GB 30871 A.7/A.8 会签);
         # power and safety countersign as power_supplier and safety_dept
         "water_dept", "steam_dept", "process_dept", "equipment_dept", "fire_dept")


def sync_certificate_types(session: Session) -> int:
    """Load the catalogue data file into the table (new and changed types)."""
    count = 0
    for raw in catalog.certificate_types():
        row = session.get(CertificateType, raw["code"]) or CertificateType(code=raw["code"])
        for key in ("name_zh", "name_en", "validity_years", "review_years",
                    "review_window_days", "authorizes", "issuer"):
            setattr(row, key, raw.get(key))
        session.add(row)
        count += 1
    return count


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("person", person_id)
    return person


def can_manage(actor: Person, person: Person | None = None,
               organization_id: int | None = None) -> bool:
    """Admins and the safety department manage everyone; a contractor admin only their firm."""
    if actor.has_role("admin", "safety_dept", "safety_director"):
        return True
    if actor.has_role("contractor_admin") and actor.organization_id is not None:
        target_org = person.organization_id if person is not None else organization_id
        return target_org == actor.organization_id
    return False


def can_view(actor: Person, person: Person) -> bool:
    if actor.id == person.id or can_manage(actor, person):
        return True
    if actor.has_role("contractor_admin"):
        return False
    return actor.site_code in (None, person.site_code)


def add_person(session: Session, data: dict[str, Any], *, actor: Person,
               password_hash: str | None = None) -> Person:
    org_id = data.get("organization_id")
    if actor.has_role("contractor_admin") and not actor.has_role("admin"):
        org_id = org_id or actor.organization_id
    if not can_manage(actor, organization_id=org_id):
        raise NotAllowed("you may only register people of your own organization")
    errors: dict[str, list[str]] = {}
    bad_roles = [r for r in data.get("roles") or [] if r not in ROLES]
    if bad_roles:
        errors["roles"] = [f"unknown role(s): {', '.join(bad_roles)}"]
    if data.get("site_code") and session.get(Site, data["site_code"]) is None:
        errors["site"] = [f"unknown site {data['site_code']!r}"]
    if org_id is not None and session.get(Organization, org_id) is None:
        errors["organization_id"] = [f"no organization {org_id}"]
    if data.get("username") and session.execute(select(Person.id).where(
            Person.username == data["username"])).first():
        errors["username"] = ["already taken"]
    if errors:
        raise ValidationFailed(errors)
    person = Person(name=data["name"], username=data.get("username"), roles=data.get("roles")
                    or [], site_code=data.get("site_code"), organization_id=org_id,
                    employee_no=data.get("employee_no"), phone=data.get("phone"),
                    password_hash=password_hash, created_at=clock.now())
    session.add(person)
    session.flush()
    auditing.record(session, "person.added", by=actor, data={
        "person_id": person.id, "name": person.name, "roles": person.roles,
        "organization_id": org_id, "site": person.site_code})
    return person


def add_certificate(session: Session, person: Person, data: dict[str, Any], *,
                    actor: Person) -> Certificate:
    if not can_manage(actor, person):
        raise NotAllowed("you may not change this person's certificates")
    ctype = session.get(CertificateType, data["type_code"])
    if ctype is None:
        raise ValidationFailed({"type_code": [f"unknown certificate type {data['type_code']!r}"]})
    existing = session.execute(select(Certificate).where(
        Certificate.type_code == ctype.code, Certificate.number == data["number"])
    ).scalar_one_or_none()
    if existing is not None and existing.person_id != person.id:
        raise ValidationFailed({"number": ["this certificate number belongs to someone else"]})
    cert = existing or Certificate(person_id=person.id, type_code=ctype.code,
                                   number=data["number"])
    cert.issued_on, cert.expires_on = data["issued_on"], data["expires_on"]
    cert.review_due_on = data.get("review_due_on")
    if cert.review_due_on is None and ctype.review_years:
        cert.review_due_on = min(_add_years(cert.issued_on, ctype.review_years),
                                 cert.expires_on)
    cert.voided = bool(data.get("voided", False))
    session.add(cert)
    session.flush()
    auditing.record(session, "certificate.saved", by=actor, data={
        "person_id": person.id, "certificate_id": cert.id, "type": cert.type_code,
        "number": cert.number, "expires_on": cert.expires_on.isoformat(),
        "review_due_on": cert.review_due_on.isoformat() if cert.review_due_on else None,
        "voided": cert.voided})
    return cert


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def certificate_view(cert: Certificate, today: date) -> dict[str, Any]:
    st = certificates.status_of(cert, today)
    return {"id": cert.id, "type_code": cert.type_code, "type_name": cert.type.name_zh,
            "number": cert.number, "issued_on": cert.issued_on.isoformat(),
            "expires_on": cert.expires_on.isoformat(),
            "review_due_on": cert.review_due_on.isoformat() if cert.review_due_on else None,
            "voided": cert.voided, "verification": cert.verification,
            "status": st.colour, "status_reason": st.reason}


def add_area(session: Session, data: dict[str, Any], *, actor: Person | None = None) -> Area:
    errors: dict[str, list[str]] = {}
    if session.get(Site, data["site_code"]) is None:
        errors["site"] = [f"unknown site {data['site_code']!r}"]
    problems = geo.validate_polygon(data.get("polygon"))
    if problems:
        errors["polygon"] = problems
    if not errors and session.execute(select(Area.id).where(
            Area.site_code == data["site_code"], Area.code == data["code"])).first():
        errors["code"] = ["an area with this code already exists at this site"]
    if errors:
        raise ValidationFailed(errors)
    lat, lon = geo.polygon_center(data["polygon"])
    area = Area(site_code=data["site_code"], code=data["code"], name=data["name"],
                hazard_class=data["hazard_class"], polygon=data["polygon"], center_lat=lat,
                center_lon=lon, is_pipe_rack=data.get("is_pipe_rack", False),
                is_tank_farm_dike=data.get("is_tank_farm_dike", False))
    session.add(area)
    session.flush()
    auditing.record(session, "area.added", by=actor, data={
        "area_id": area.id, "site": area.site_code, "code": area.code,
        "hazard_class": area.hazard_class})
    return area
