"""On-site supervision: the QR code at the work point, watcher sign-ins, handover, pre-work.

The sign-in upload is multipart (the phone sends a clip or a JPEG burst); the verdict of
the face check comes from a job, so the answer is 202 with the sign-in to poll
(``GET /sign-ins/{id}``) until its status is ``accepted`` or ``refused``.
"""

from __future__ import annotations

import io
from typing import Any

from flask import current_app, jsonify, request, send_file, url_for
from marshmallow import Schema, ValidationError, fields, validate

from engine import clock, db
from processes import people, permits
from processes.errors import Conflict, NotAllowed
from processes.models import Permit, Person
from processes.supervision import presence, prework, signins, storage, tokens

from .. import get_engine
from ..auth import api_login_required, current_person
from . import bp, load

STAFF_ROLES = ("team_leader", "unit_approver", "safety_dept", "safety_director", "admin")
CLIP_TYPES = {b"\x1aE\xdf\xa3": "video/webm"}
FRAME_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}
MAX_BURST = 120


class ChallengeRequest(Schema):
    qr = fields.String(load_default=None, validate=validate.Length(max=500))


class SignInForm(Schema):
    """The multipart fields of a sign-in (files: ``clip`` or repeated ``frames``)."""

    qr = fields.String(load_default=None, validate=validate.Length(max=500))
    nonce = fields.String(load_default=None, validate=validate.Length(max=1000))
    lat = fields.Float(load_default=None, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(load_default=None, validate=validate.Range(min=-180, max=180))
    accuracy = fields.Float(load_default=None, validate=validate.Range(min=0, max=100_000))
    device_time = fields.AwareDateTime(load_default=None)
    fps = fields.Float(load_default=None, validate=validate.Range(min=1, max=60))
    comment = fields.String(load_default=None, validate=validate.Length(max=2000))


class HandoverRequest(Schema):
    to = fields.Integer(required=True, strict=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PreWorkTap(Schema):
    device_time = fields.AwareDateTime(load_default=None)


def _permit_for(person: Person, permit_id: int) -> Permit:
    permit = permits.get(db.session, permit_id)
    if not permits.can_view(person, permit):
        raise NotAllowed("this permit belongs to another site")
    return permit


def _may_show_qr(person: Person, permit: Permit) -> bool:
    """Crew leader, workers and site staff show the code; never the one who must scan it."""
    handover = presence.pending_handover(db.session, permit)
    if person.id == permit.watcher_id or (handover and handover.to_person_id == person.id):
        return False
    return person.id == permit.applicant_id or person.id in permit.worker_ids \
        or person.has_role(*STAFF_ROLES)


@bp.get("/permits/<int:permit_id>/qr")
@api_login_required
def qr_code(permit_id: int) -> Any:
    """The rotating QR code of a live permit: JSON (token, URL), PNG or SVG."""
    import segno

    person = current_person()
    assert person is not None
    permit = _permit_for(person, permit_id)
    if not _may_show_qr(person, permit):
        raise NotAllowed("the watcher scans the code at the work point; only the crew and "
                         "site staff display it")
    if permit.status not in ("approved", "active", "suspended"):
        raise Conflict(f"a {permit.status} permit has no QR code")
    qr = tokens.issue_qr(current_app.config["SECRET_KEY"], permit.id, clock.now())
    link = url_for("supervision.sign_in_page", permit_id=permit.id, qr=qr.token,
                   _external=True)
    code = segno.make(link, error="m")
    kind = request.args.get("format", "json")
    headers = {"X-QR-Token": qr.token, "X-QR-Rotates-At": qr.rotates_at.isoformat(),
               "Cache-Control": "no-store"}
    if kind in ("png", "svg"):
        buffer = io.BytesIO()
        code.save(buffer, kind=kind, scale=8 if kind == "png" else 6, border=2)
        buffer.seek(0)
        response = send_file(buffer, mimetype="image/png" if kind == "png"
                             else "image/svg+xml")
        response.headers.update(headers)
        return response
    if kind != "json":
        raise ValidationError({"format": ["one of json, png, svg"]})
    response = jsonify(token=qr.token, url=link, window=qr.window,
                       rotates_at=qr.rotates_at.isoformat(),
                       valid_until=qr.valid_until.isoformat(),
                       svg=code.svg_data_uri(scale=6, border=2), permit=permit.number)
    response.headers.update(headers)
    return response


@bp.post("/permits/<int:permit_id>/sign-ins/challenge")
@api_login_required
def challenge(permit_id: int) -> Any:
    """After the scan: the prompts to perform (in order) and the nonce to send back."""
    person = current_person()
    assert person is not None
    body = load(ChallengeRequest(), request.get_json(silent=True) or {})
    permit = permits.get(db.session, permit_id)
    issued = signins.start(db.session, permit, person, qr=body["qr"],
                           secret=current_app.config["SECRET_KEY"], now=clock.now())
    presence.record(db.session, permit, "sign_in.challenged", person.username,
                    {"purpose": issued.purpose, "prompts": issued.prompts}, clock.now())
    db.session.commit()
    return jsonify(nonce=issued.nonce, prompts=issued.prompts, purpose=issued.purpose,
                   expires_at=issued.expires_at.isoformat(),
                   method=presence.settings.of_permit(permit).method), 201


def _stored(file: Any, kinds: dict[bytes, str], person: Person, what: str) -> str:
    content = file.read()
    if not content:
        raise ValidationError({what: ["the file is empty"]})
    kind = next((v for k, v in kinds.items() if content.startswith(k)), None)
    if kind is None:
        allowed = ", ".join(sorted(set(kinds.values())))
        raise ValidationError({what: [f"expected {allowed}"]})
    return storage.store(db.session, current_app.config["UPLOAD_FOLDER"], content,
                         filename=(file.filename or what)[:200], content_type=kind,
                         person_id=person.id, now=clock.now()).id


@bp.post("/permits/<int:permit_id>/sign-ins")
@api_login_required
def submit_sign_in(permit_id: int) -> Any:
    """Multipart: qr, nonce, lat, lon, accuracy, device_time, clip (WebM) or frames + fps."""
    person = current_person()
    assert person is not None
    form = load(SignInForm(), request.form.to_dict())
    permit = permits.get(db.session, permit_id)
    # 403/409/422 (no consent) before storing any file
    signins.check_may_submit(db.session, permit, person)
    clip = request.files.get("clip")
    burst = request.files.getlist("frames")
    if len(burst) > MAX_BURST:
        raise ValidationError({"frames": [f"at most {MAX_BURST} frames"]})
    evidence = signins.Evidence(
        qr=form["qr"], nonce=form["nonce"], lat=form["lat"], lon=form["lon"],
        accuracy_m=form["accuracy"], device_time=form["device_time"], comment=form["comment"],
        clip_id=_stored(clip, CLIP_TYPES, person, "clip") if clip else None,
        burst_ids=[_stored(f, FRAME_TYPES, person, f"frames.{i}")
                   for i, f in enumerate(burst)],
        burst_fps=form["fps"] or (15.0 if burst else None))
    sign_in = signins.submit(db.session, permit, person, evidence,
                             secret=current_app.config["SECRET_KEY"], now=clock.now(),
                             engine=get_engine())
    db.session.commit()
    body = signins.view(sign_in, {person.id: person.name})
    body["poll"] = url_for("api.get_sign_in", sign_in_id=sign_in.id)
    return jsonify(body), 202 if sign_in.status == "pending" else 201


@bp.get("/sign-ins/<int:sign_in_id>")
@api_login_required
def get_sign_in(sign_in_id: int) -> Any:
    person = current_person()
    assert person is not None
    sign_in = signins.get(db.session, sign_in_id)
    if sign_in.person_id != person.id:
        _permit_for(person, sign_in.permit_id)
    permit = permits.get(db.session, sign_in.permit_id)
    body = signins.view(sign_in, {sign_in.person_id: people.get_person(
        db.session, sign_in.person_id).name})
    body["permit_status"] = permit.status
    return jsonify(body)


@bp.get("/permits/<int:permit_id>/sign-ins")
@api_login_required
def list_sign_ins(permit_id: int) -> Any:
    from processes.supervision import evidence

    person = current_person()
    assert person is not None
    permit = _permit_for(person, permit_id)
    return jsonify(items=evidence.sign_ins(db.session, permit),
                   supervision=evidence.supervision(db.session, permit))


@bp.post("/permits/<int:permit_id>/watcher-handover")
@api_login_required
def handover(permit_id: int) -> Any:
    """Name a substitute watcher; they take over with their own sign-in at the work point."""
    person = current_person()
    assert person is not None
    body = load(HandoverRequest())
    permit = _permit_for(person, permit_id)
    substitute = people.get_person(db.session, body["to"])
    row = presence.request_handover(db.session, permit, by=person, to=substitute,
                                    reason=body["reason"],
                                    secret=current_app.config["SECRET_KEY"], now=clock.now())
    db.session.commit()
    return jsonify(id=row.id, permit_id=permit.id, status=row.status, to=substitute.id,
                   to_name=substitute.name, requested_at=row.requested_at.isoformat(),
                   signature=row.signature), 201


@bp.get("/permits/<int:permit_id>/pre-work")
@api_login_required
def pre_work(permit_id: int) -> Any:
    person = current_person()
    assert person is not None
    permit = _permit_for(person, permit_id)
    return jsonify(prework.status(db.session, permit))


@bp.post("/permits/<int:permit_id>/pre-work/<item>")
@api_login_required
def pre_work_tap(permit_id: int, item: str) -> Any:
    """One tap: the item is confirmed now (server time) and at ``device_time``."""
    person = current_person()
    assert person is not None
    body = load(PreWorkTap(), request.get_json(silent=True) or {})
    permit = _permit_for(person, permit_id)
    prework.tap(db.session, permit, person, item, device_time=body["device_time"],
                now=clock.now())
    db.session.commit()
    return jsonify(prework.status(db.session, permit)), 201


#: (method, path, summary, request schema, response schema, tag) for the OpenAPI document
OPENAPI = [
    ("get", "/permits/{id}/qr", "The rotating QR code of a live permit (format=json|png|svg)",
     None, None, "supervision"),
    ("post", "/permits/{id}/sign-ins/challenge", "Scanned QR → prompts and nonce",
     ChallengeRequest, None, "supervision"),
    ("post", "/permits/{id}/sign-ins", "Watcher sign-in: QR token, GPS fix, face clip "
     "(multipart) → 202 pending / 201 decided", "multipart", None, "supervision"),
    ("get", "/permits/{id}/sign-ins", "Sign-ins and the watch of a permit", None, None,
     "supervision"),
    ("get", "/sign-ins/{sign_in_id}", "One sign-in: poll until accepted or refused", None,
     None, "supervision"),
    ("post", "/permits/{id}/watcher-handover", "Hand the watch to a substitute (signed)",
     HandoverRequest, None, "supervision"),
    ("get", "/permits/{id}/pre-work", "Pre-work confirmation items and taps", None, None,
     "supervision"),
    ("post", "/permits/{id}/pre-work/{item}", "Confirm one pre-work item", PreWorkTap, None,
     "supervision"),
]
