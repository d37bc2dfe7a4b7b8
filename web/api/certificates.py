"""Certificates: the ledger, alerts, review, void, authenticity check, ledger import."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, jsonify, request
from marshmallow import ValidationError

from engine import clock, db, outbox
from processes import alerts, authenticity, capability, ledger_import, people, roster
from processes.errors import NotAllowed

from ..auth import api_login_required, current_person
from . import bp, load
from .qualification_schemas import (
    AlertQuery,
    CertificateLedgerQuery,
    ImportQuery,
    ReviewRequest,
    VerifyRequest,
    VoidRequest,
)


def _actor() -> Any:
    actor = current_person()
    assert actor is not None
    return actor


def _today_for(site_code: str | None) -> Any:
    return roster.local_today(db.session, site_code)


@bp.get("/certificates")
@api_login_required
def certificate_ledger() -> Any:
    """The ledger: filters (colour, type, trade, organization, site, person, text, due
    within N days), nearest due date first, paged."""
    actor = _actor()
    args = load(CertificateLedgerQuery(), request.args.to_dict())
    page = capability.ledger(
        db.session, actor, _today_for(actor.site_code), status=args["status"],
        type_code=args["type"], family=args["family"],
        organization_id=args["organization_id"], site=args["site"],
        person_id=args["person_id"], q=args["q"], due_within_days=args["due_within_days"],
        page=args["page"], per_page=args["per_page"])
    return jsonify(items=page.items, total=page.total, page=page.page, per_page=page.per_page)


@bp.get("/certificates/alerts")
@api_login_required
def certificate_alerts() -> Any:
    """Open alerts in the caller's scope: red first, then by due date."""
    actor = _actor()
    args = load(AlertQuery(), request.args.to_dict())
    today = _today_for(actor.site_code)
    rows = alerts.list_open(db.session, actor, level=args["level"],
                            acknowledged=args["acknowledged"], person_id=args["person_id"],
                            type_code=args["type"], site=args["site"])
    items = [alerts.view(a, today) for a in rows]
    counts = {"red": sum(1 for a in rows if a.level == "red"),
              "yellow": sum(1 for a in rows if a.level == "yellow")}
    return jsonify(items=items, counts=counts, as_of=today.isoformat())


@bp.post("/certificates/alerts/<int:alert_id>/acknowledge")
@api_login_required
def acknowledge_alert(alert_id: int) -> Any:
    actor = _actor()
    alert = alerts.acknowledge(db.session, alert_id, actor)
    db.session.commit()
    return jsonify(alerts.view(alert, _today_for(actor.site_code)))


def _cert_response(cert: Any) -> Any:
    return jsonify(people.certificate_view(cert, _today_for(cert.person.site_code)))


@bp.post("/certificates/<int:cert_id>/review")
@api_login_required
def review_certificate(cert_id: int) -> Any:
    """Record a 复审 (applied for within the window, never after the due date)."""
    cert = people.get_certificate(db.session, cert_id)
    people.record_review(db.session, cert, load(ReviewRequest()), actor=_actor())
    db.session.commit()
    return _cert_response(cert)


@bp.post("/certificates/<int:cert_id>/void")
@api_login_required
def void_certificate(cert_id: int) -> Any:
    cert = people.get_certificate(db.session, cert_id)
    people.void_certificate(db.session, cert, load(VoidRequest())["reason"], actor=_actor())
    db.session.commit()
    return _cert_response(cert)


@bp.post("/certificates/<int:cert_id>/verify")
@api_login_required
def verify_certificate(cert_id: int) -> Any:
    """Ask the national register now (timeout-bounded); unreachable → stays unverified."""
    from handlers import verification

    actor = _actor()
    cert = people.get_certificate(db.session, cert_id)
    if not people.can_manage(actor, cert.person):
        raise NotAllowed("you may not check this person's certificates")
    body = load(VerifyRequest(), request.get_json(silent=True) or {})
    client = verification.client_for(current_app.config)
    hours = float(current_app.config.get("CERT_LOOKUP_CACHE_HOURS") or 24)
    authenticity.verify(db.session, cert, client.lookup if client else None,
                        max_age=timedelta(hours=hours), force=body["force"])
    db.session.commit()
    return _cert_response(cert)


def enqueue_verification(cert_id: int) -> None:
    """Check a new certificate in the background (the request does not wait for it)."""
    if current_app.config.get("CERT_LOOKUP_URL"):
        outbox.enqueue(db.session, "certificates.verify", {"certificate_id": cert_id},
                       now=clock.now())


@bp.post("/certificates/import")
@api_login_required
def import_ledger() -> Any:
    """Import an .xlsx/.csv ledger (multipart ``file``). ``?dry_run=1`` only reports;
    otherwise every row is imported, or nothing (422 with every row's problems)."""
    actor = _actor()
    args = load(ImportQuery(), request.args.to_dict())
    file = request.files.get("file")
    if file is None:
        raise ValidationError({"file": ["send the ledger as multipart field 'file'"]})
    report = ledger_import.run(db.session, file.filename or "", file.read(), actor=actor,
                               dry_run=args["dry_run"])
    if report.problems and not args["dry_run"]:
        db.session.rollback()
        return jsonify(errors={"rows": report.as_dict(), "code": "import_refused"}), 422
    if args["dry_run"]:
        db.session.rollback()
        return jsonify(report.as_dict())
    db.session.commit()
    return jsonify(report.as_dict()), 201
