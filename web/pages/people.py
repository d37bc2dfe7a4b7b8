"""People and certificate pages: the e-profile, the certificate ledger, the alert board,
the contractor portal and the capability matrix.

They call the same ``processes`` functions as API v1 (people, certificates, access codes,
capabilities), so the scope rules are the API's: a contractor admin sees only their firm,
the safety department its site, the group roles everything. Forms post back here and
redirect; a refused form re-renders the page with the messages next to the fields (422).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema, ValidationError
from sqlalchemy import select

from engine import clock, db
from processes import access, accounts, alerts, capability, catalog, people, profile, roster
from processes.errors import NotAllowed, ValidationFailed
from processes.models import CertificateType, Organization, Person

from ..api.access_codes import code_view
from ..api.qualification_schemas import AccessCodeRequest, CertificateLedgerQuery
from ..api.schemas import CertificateSchema, PersonSchema
from . import bp
from .auth import me
from .form_errors import flatten

PER_PAGE = 30
#: who opens the ledger, the alert board and the matrix: the API's matrix roles (each
#: still sees only their scope — a contractor admin their firm, the safety dept its site)
BOARD_ROLES = capability.MATRIX_ROLES
COLOURS = ("red", "yellow", "green")


def _today(person: Person | None = None) -> Any:
    return roster.local_today(db.session, person.site_code if person else me().site_code)


def _board_viewer() -> Person:
    actor = me()
    if not actor.has_role(*BOARD_ROLES):
        raise NotAllowed(_("证书台账、预警看板和能力矩阵仅供管理人员和安全管理部门使用"))
    return actor


def _contractor_admin() -> Person:
    """The portal is one firm's: a contractor admin attached to a contractor firm."""
    actor = me()
    if not actor.has_role("contractor_admin") or actor.organization_id is None:
        raise NotAllowed(_("承包商门户仅供承包商管理员使用"))
    return actor


def _load(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """Marshmallow → dict, or ValidationFailed with field → messages (shown by the form)."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed(flatten(exc.messages)) from None


# -- the e-profile ------------------------------------------------------------------------
@bp.get("/people/<int:person_id>")
@login_required
def person_profile(person_id: int) -> Any:
    """Photo, organization, certificates by colour, three years of jobs, ratings, the
    instruments used on those jobs with their calibration."""
    actor = me()
    person = people.get_person(db.session, person_id)
    return render_profile(actor, person)


def render_profile(actor: Person, person: Person, *,
                   account_errors: dict[str, list[str]] | None = None,
                   status: int = 200) -> Any:
    """The profile; admins also see the login account (lock, password reset)."""
    if not people.can_view(actor, person):
        raise NotAllowed(_("你无权查看此人的档案"))
    today = _today(person)
    data = profile.build(db.session, person, today, clock.now())
    account = accounts.lock_view(db.session, person) \
        if actor.has_role("admin") and person.username else None
    return render_template("people/profile.html", person=person, p=data, as_of=today,
                           can_manage=people.can_manage(actor, person), account=account,
                           account_errors=account_errors or {}), status


# -- the ledger -----------------------------------------------------------------------------
@bp.get("/certificates")
@login_required
def certificate_ledger() -> Any:
    actor = _board_viewer()
    raw = {k: v for k, v in request.args.items()
           if v and k in ("status", "type", "family", "organization_id", "q", "page")}
    try:
        args = CertificateLedgerQuery().load(raw)
    except ValidationError as exc:  # a hand-edited URL: drop what is wrong, say so
        for key in exc.messages:
            raw.pop(str(key), None)
        args = CertificateLedgerQuery().load(raw)
        flash(_("已忽略无效的筛选条件"), "info")
    page = capability.ledger(
        db.session, actor, _today(actor), status=args["status"], type_code=args["type"],
        family=args["family"], organization_id=args["organization_id"], q=args["q"],
        page=args["page"], per_page=PER_PAGE)
    pages = max(1, -(-page.total // PER_PAGE))
    types = list(db.session.execute(select(CertificateType).order_by(
        CertificateType.family, CertificateType.code)).scalars())
    orgs = db.session.execute(select(Organization).where(Organization.id.in_(
        select(Person.organization_id).where(Person.id.in_(capability.scoped_people(actor)))))
        .order_by(Organization.kind, Organization.name)).scalars().all()
    filters = {k: args[k] for k in ("status", "type", "family", "organization_id", "q")
               if args[k] is not None}
    return render_template("people/ledger.html", page=page, pages=pages, args=args,
                           filters=filters, types=types, families=sorted(
                               {t.family for t in types}), orgs=orgs, colours=COLOURS)


# -- the alert board --------------------------------------------------------------------
@bp.get("/certificates/alerts")
@login_required
def certificate_alerts() -> Any:
    """Open, unacknowledged alerts (red first); acknowledged ones below, still open until
    the certificate is renewed."""
    actor = _board_viewer()
    today = _today(actor)
    rows = alerts.list_open(db.session, actor)
    waiting = [alerts.view(a, today) for a in rows if a.acknowledged_at is None]
    seen = [alerts.view(a, today) for a in rows if a.acknowledged_at is not None]
    counts = {level: sum(1 for a in waiting if a["level"] == level) for level in ("red", "yellow")}
    return render_template("people/alerts.html", waiting=waiting, seen=seen, counts=counts,
                           as_of=today)


@bp.post("/certificates/alerts/<int:alert_id>/acknowledge")
@login_required
def acknowledge_alert(alert_id: int) -> Any:
    actor = _board_viewer()
    alert = alerts.acknowledge(db.session, alert_id, actor)
    db.session.commit()
    flash(_("已确认：%(name)s %(cert)s", name=alert.person.name,
            cert=alert.certificate.type.name_zh), "success")
    return redirect(url_for("pages.certificate_alerts"))


# -- the capability matrix ------------------------------------------------------------
@bp.get("/capabilities")
@login_required
def capability_matrix() -> Any:
    """Certificate holders by default (the totals count everyone); ``?all=1`` lists all."""
    actor = _board_viewer()
    data = capability.matrix(db.session, actor, _today(actor))
    held = [t for t in data["types"] if t["holders"] or any(
        t["code"] in row["cells"] for row in data["people"])]
    show_all = request.args.get("all") == "1"
    rows = data["people"] if show_all else [r for r in data["people"] if r["cells"]]
    return render_template("people/capabilities.html", m=data, types=held, rows=rows,
                           show_all=show_all)


# -- the contractor portal ----------------------------------------------------------------
def _portal(actor: Person, *, errors: dict[str, dict[str, list[str]]] | None = None,
            form: dict[str, Any] | None = None, shown: int | None = None,
            status: int = 200) -> Any:
    today = _today(actor)
    staff = db.session.execute(select(Person).where(
        Person.organization_id == actor.organization_id).order_by(Person.name)).scalars().all()
    certs = {p.id: [people.certificate_view(c, today)
                    for c in sorted(p.certificates, key=lambda c: c.type_code)] for p in staff}
    now = clock.now()
    secret = current_app.config["SECRET_KEY"]
    codes = []
    new_code = None
    for code in access.listed(db.session, actor):
        live = code.is_valid(now)
        view = code_view(code, access.encode(code, secret) if code.id == shown and live
                         else None)
        view["live"] = live
        if code.id == shown and live:
            new_code = view
        codes.append(view)
    types = db.session.execute(select(CertificateType).order_by(
        CertificateType.category, CertificateType.code)).scalars().all()
    return render_template(
        "people/contractor.html", firm=actor.organization, staff=staff, certs=certs,
        codes=codes, new_code=new_code, cert_types=types,
        permit_types=list(catalog.permit_types()), errors=errors or {}, form=form or {},
        max_hours=access.MAX_HOURS), status


def _refused(actor: Person, which: str, exc: ValidationFailed) -> Any:
    db.session.rollback()
    return _portal(actor, errors={which: exc.errors}, form={which: request.form.to_dict()},
                   status=422)


@bp.get("/contractor")
@login_required
def contractor_portal() -> Any:
    return _portal(_contractor_admin(), shown=request.args.get("code", type=int))


@bp.post("/contractor/people")
@login_required
def contractor_add_person() -> Any:
    actor = _contractor_admin()
    form = {k: v.strip() for k, v in request.form.items() if k in (
        "name", "employee_no", "phone") and v.strip()}
    try:
        body = _load(PersonSchema(), form)
        body["organization_id"] = actor.organization_id
        body["site_code"] = body.get("site_code") or actor.site_code
        person = people.add_person(db.session, body, actor=actor)
    except ValidationFailed as exc:
        return _refused(actor, "person", exc)
    db.session.commit()
    flash(_("已登记：%(name)s", name=person.name), "success")
    return redirect(url_for("pages.contractor_portal"))


@bp.post("/contractor/certificates")
@login_required
def contractor_add_certificate() -> Any:
    actor = _contractor_admin()
    form = {k: v.strip() for k, v in request.form.items() if k in (
        "type_code", "number", "issued_on", "expires_on") and v.strip()}
    try:
        person = _firm_person(actor, request.form.get("person_id", type=int))
        body = _load(CertificateSchema(), form)
        cert = people.add_certificate(db.session, person, body, actor=actor)
    except ValidationFailed as exc:
        return _refused(actor, "certificate", exc)
    from ..api.certificates import enqueue_verification

    enqueue_verification(cert.id)
    db.session.commit()
    flash(_("已添加证书：%(name)s %(cert)s", name=person.name, cert=cert.type.name_zh),
          "success")
    return redirect(url_for("pages.contractor_portal"))


def _firm_person(actor: Person, person_id: int | None) -> Person:
    """A person of the admin's own firm; another firm's person is refused (403)."""
    if person_id is None:
        raise ValidationFailed({"person_id": [_("请选择人员")]})
    person = people.get_person(db.session, person_id)
    if not people.can_manage(actor, person):
        raise NotAllowed(_("只能管理本单位人员"))
    return person


@bp.post("/contractor/access-codes")
@login_required
def contractor_issue_code() -> Any:
    """Issue a code and come back to the portal showing its QR (``?code=<id>``)."""
    actor = _contractor_admin()
    form = request.form
    try:
        person = _firm_person(actor, form.get("person_id", type=int))
        body = _load(AccessCodeRequest(), {
            "person_id": person.id, "scope": form.get("scope", ""),
            "permit_types": form.getlist("permit_types"),
            **({"hours": form["hours"]} if form.get("hours") else {})})
        code, _token = access.issue(
            db.session, person, scope=body["scope"], permit_types=body["permit_types"],
            hours=body["hours"], actor=actor, secret=current_app.config["SECRET_KEY"])
    except ValidationFailed as exc:
        return _refused(actor, "code", exc)
    db.session.commit()
    flash(_("已签发临时准入码：%(name)s", name=person.name), "success")
    return redirect(url_for("pages.contractor_portal", code=code.id))


@bp.post("/contractor/access-codes/<int:code_id>/revoke")
@login_required
def contractor_revoke_code(code_id: int) -> Any:
    actor = _contractor_admin()
    code = access.revoke(db.session, code_id, actor=actor)
    db.session.commit()
    flash(_("已撤销 %(name)s 的临时准入码", name=code.person.name), "success")
    return redirect(url_for("pages.contractor_portal"))
