"""People, certificates and plant areas: registration use cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock

from . import accounts, auditing, catalog, certificates, geo, roster, scope
from .errors import Conflict, NotAllowed, NotFound, ValidationFailed
from .models import Area, Certificate, CertificateType, Organization, Person, Site, Upload

ROLES = ("applicant", "watcher", "team_leader", "unit_approver", "specialist", "safety_dept",
         "plant_leader", "power_supplier", "safety_director", "contractor_admin", "designer",
         "admin",
         # departments that countersign excavation and road closure (GB 30871 A.7/A.8 会签);
         # power and safety countersign as power_supplier and safety_dept
         "water_dept", "steam_dept", "process_dept", "equipment_dept", "fire_dept")


TYPE_FIELDS = ("name_zh", "name_en", "category", "family", "validity_years", "review_years",
               "extended_review_years", "extension_clean_years", "review_window_days",
               "authorizes", "issuer", "basis")


def sync_certificate_types(session: Session) -> int:
    """Load the catalogue data file into the table (new and changed types)."""
    count = 0
    for raw in catalog.certificate_types():
        row = session.get(CertificateType, raw["code"]) or CertificateType(code=raw["code"])
        for key in TYPE_FIELDS:
            if key in raw:
                setattr(row, key, raw[key])
        session.add(row)
        count += 1
    return count


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("person", person_id)
    return person


MANAGERS = ("admin", "safety_dept", "safety_director")


def can_manage(actor: Person, person: Person | None = None,
               organization_id: int | None = None, site_code: str | None = None) -> bool:
    """Admins and the safety department manage the people of the sites they cover; a
    contractor admin only their own firm's people."""
    site = person.site_code if person is not None else site_code
    if actor.has_role(*MANAGERS) and scope.covers_site(actor, site, MANAGERS):
        return True
    if actor.has_role("contractor_admin") and actor.organization_id is not None:
        target_org = person.organization_id if person is not None else organization_id
        return target_org == actor.organization_id
    return False


def require_may_change(actor: Person, person: Person) -> None:
    """Scope first (site, firm), then rank (only admins change admins, nobody changes
    someone above what they could grant)."""
    if not can_manage(actor, person):
        raise NotAllowed("您无权修改此人的信息（不在您的厂区或单位）/ you may not change this "
                         "person (another site or firm)")
    scope.require_may_change(actor, person, ROLES)


def can_view(actor: Person, person: Person) -> bool:
    if actor.id == person.id or can_manage(actor, person):
        return True
    if actor.has_role("contractor_admin"):
        return False
    return scope.covers_site(actor, person.site_code)


def add_person(session: Session, data: dict[str, Any], *, actor: Person,
               password_hash: str | None = None) -> Person:
    # Empty form fields mean "not given", not a site or organization called "".
    data = {k: (None if v == "" else v) for k, v in data.items()}
    org_id = data.get("organization_id")
    if actor.has_role("contractor_admin") and not actor.has_role("admin"):
        org_id = org_id or actor.organization_id
    if data.get("site_code") is None and not scope.is_plant_wide(actor):
        data["site_code"] = actor.site_code  # a site's staff register people of their site
    if not can_manage(actor, organization_id=org_id, site_code=data.get("site_code")):
        raise NotAllowed("您只能登记本厂区或本单位的人员 / you may only register people of your "
                         "own site or organization")
    scope.require_may_grant(actor, data.get("roles") or [], ROLES)
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


def update_person(session: Session, person: Person, changes: dict[str, Any], *,
                  actor: Person) -> Person:
    """Photo, phone, employee number, organization, active, roles.

    Deactivating a person or changing their roles ends all their sessions and API tokens
    here, in the same transaction: what they could do a moment ago must not go on in a
    browser tab or a script. Roles follow the granting rules of :mod:`processes.scope`:
    nobody gives a role they don't hold, a contractor admin only the worker roles.
    """
    require_may_change(actor, person)
    errors: dict[str, list[str]] = {}
    if changes.get("photo_id") and session.get(Upload, changes["photo_id"]) is None:
        errors["photo_id"] = ["upload the photo first (POST /uploads)"]
    org_id = changes.get("organization_id")
    if org_id is not None and (session.get(Organization, org_id) is None
                               or not can_manage(actor, organization_id=org_id)):
        errors["organization_id"] = [f"no organization {org_id} you may assign"]
    roles = changes.get("roles")
    if roles is not None:
        bad = [r for r in roles if r not in ROLES]
        if bad:
            errors["roles"] = [f"未知角色 / unknown role(s): {', '.join(bad)}"]
        else:
            scope.require_may_grant(actor, set(roles) - set(person.roles or []), ROLES)
    if errors:
        raise ValidationFailed(errors)
    revoke = None
    if "active" in changes and person.active and not changes["active"]:
        revoke = "deactivated"
    if roles is not None and sorted(set(roles)) != sorted(set(person.roles or [])):
        revoke = revoke or "roles_changed"
        changes = {**changes, "roles": list(dict.fromkeys(roles))}
    else:
        changes = {k: v for k, v in changes.items() if k != "roles"}
    for key, value in changes.items():
        setattr(person, key, value)
    revoked = accounts.revoke_all(session, person, revoke) if revoke else {}
    auditing.record(session, "person.updated", by=actor,
                    data={"person_id": person.id, **changes, **revoked})
    return person


def add_certificate(session: Session, person: Person, data: dict[str, Any], *,
                    actor: Person) -> Certificate:
    """Add a certificate, or renew one (same type and number): dates, review schedule,
    then the alert and any suspended permit of the holder are brought up to date."""
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
    if data.get("scan_id") and session.get(Upload, data["scan_id"]) is None:
        raise ValidationFailed({"scan_id": ["upload the scan first"]})
    cert = existing or Certificate(person=person, type_code=ctype.code, number=data["number"],
                                   type=ctype)
    cert.issued_on, cert.expires_on = data["issued_on"], data["expires_on"]
    for key in ("in_trade_since", "last_reviewed_on", "scan_id"):
        if key in data:
            setattr(cert, key, data[key])
    cert.violations = int(data.get("violations") or 0)
    cert.review_due_on = data.get("review_due_on")
    if cert.review_due_on is None:
        cert.review_due_on = certificates.review_due_after(
            ctype, cert, cert.last_reviewed_on or cert.issued_on)
    cert.voided = bool(data.get("voided", False))
    cert.voided_reason = data.get("voided_reason") if cert.voided else None
    if existing is not None and (cert.verification != "unverified"):
        cert.verification, cert.verification_note = "unverified", "renewed: check again"
    session.add(cert)
    session.flush()
    auditing.record(session, "certificate.saved", by=actor, data={
        "person_id": person.id, "certificate_id": cert.id, "type": cert.type_code,
        "number": cert.number, "expires_on": cert.expires_on.isoformat(),
        "review_due_on": cert.review_due_on.isoformat() if cert.review_due_on else None,
        "voided": cert.voided})
    _after_change(session, cert)
    return cert


def _after_change(session: Session, cert: Certificate) -> None:
    from . import alerts, suspensions

    today = roster.local_today(session, cert.person.site_code if cert.person else None)
    alerts.sync(session, [cert], today)
    suspensions.scan(session, today, person_ids=[cert.person_id])


def record_review(session: Session, cert: Certificate, data: dict[str, Any], *,
                  actor: Person) -> Certificate:
    """A 复审 (review) result: applied for inside the window, never after the due date.

    MEM Order No. 30 art. 22: apply within ``review_window_days`` before it falls due;
    art. 26: a missed review makes the certificate invalid (re-examination, not review).
    The next review counts from the due date just met.
    """
    if not can_manage(actor, cert.person):
        raise NotAllowed("you may not change this person's certificates")
    if cert.voided:
        raise Conflict("a voided certificate cannot be reviewed")
    due = cert.review_due_on
    if due is None:
        raise ValidationFailed({"review_due_on": [
            "该证书没有待复审日期，请办理换证 / nothing to review: renew the certificate"]})
    applied, reviewed = data["applied_on"], data.get("reviewed_on") or data["applied_on"]
    opens = certificates.window_opens_on(cert.type, cert)
    errors: dict[str, list[str]] = {}
    if applied > due:
        errors["applied_on"] = [f"复审期限{due.isoformat()}已过，证书失效，须重新考核 / the review "
                                f"was due by {due.isoformat()}: re-examination needed (art. 26)"]
    elif applied < opens:
        window = cert.type.review_window_days
        errors["applied_on"] = [f"须在到期前{window}日内（{opens.isoformat()}起）申请复审 / "
                                f"apply from {opens.isoformat()} on (art. 22)"]
    if reviewed < applied:
        errors["reviewed_on"] = ["must not be before applied_on"]
    if errors:
        raise ValidationFailed(errors, code="review_window")
    if data.get("passed", True):
        cert.last_reviewed_on = reviewed
        cert.review_due_on = certificates.review_due_after(cert.type, cert, due)
    else:
        cert.voided, cert.voided_reason = True, "复审不合格 / failed review"
        cert.voided_at = clock.now()
    auditing.record(session, "certificate.reviewed", by=actor, data={
        "certificate_id": cert.id, "applied_on": applied.isoformat(),
        "reviewed_on": reviewed.isoformat(), "passed": bool(data.get("passed", True)),
        "next_review_due_on": cert.review_due_on.isoformat() if cert.review_due_on else None})
    _after_change(session, cert)
    return cert


def void_certificate(session: Session, cert: Certificate, reason: str, *,
                     actor: Person) -> Certificate:
    """Void a certificate (revoked by the authority, forged, …): it turns red at once and
    any live permit that relied on it is suspended."""
    if not can_manage(actor, cert.person):
        raise NotAllowed("you may not change this person's certificates")
    if not reason.strip():
        raise ValidationFailed({"reason": ["say why the certificate is voided"]})
    cert.voided, cert.voided_reason, cert.voided_at = True, reason.strip(), clock.now()
    auditing.record(session, "certificate.voided", by=actor, data={
        "certificate_id": cert.id, "number": cert.number, "reason": cert.voided_reason})
    _after_change(session, cert)
    return cert


def get_certificate(session: Session, cert_id: int) -> Certificate:
    cert = session.get(Certificate, cert_id)
    if cert is None:
        raise NotFound("certificate", cert_id)
    return cert


def _add_years(day: date, years: int) -> date:
    return certificates.add_years(day, years)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def certificate_view(cert: Certificate, today: date) -> dict[str, Any]:
    """A certificate as the ledger and profile show it: colour, reason, what is due when,
    whether the review window is open, and whether the national lookup confirmed it."""
    st = certificates.status_of(cert, today)
    due, what = certificates.next_due(cert)
    opens = certificates.window_opens_on(cert.type, cert)
    return {"id": cert.id, "person_id": cert.person_id, "type_code": cert.type_code,
            "type_name": cert.type.name_zh, "category": cert.type.category,
            "family": cert.type.family, "number": cert.number,
            "issued_on": cert.issued_on.isoformat(), "expires_on": cert.expires_on.isoformat(),
            "review_due_on": _iso(cert.review_due_on),
            "last_reviewed_on": _iso(cert.last_reviewed_on),
            "in_trade_since": _iso(cert.in_trade_since), "violations": cert.violations,
            "next_due_on": due.isoformat(), "next_due": what,
            "window_opens_on": opens.isoformat(),
            "window_open": st.usable and opens <= today <= due,
            "voided": cert.voided, "voided_reason": cert.voided_reason,
            "verification": cert.verification, "verification_note": cert.verification_note,
            "verified_at": cert.verified_at.isoformat() if cert.verified_at else None,
            "scan_id": cert.scan_id, "status": st.colour, "status_reason": st.reason,
            "days_left": (due - today).days}


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
