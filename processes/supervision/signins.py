"""Watcher sign-ins at the work point: challenge, submission, verdict and its effects.

1. The watcher scans the QR code at the work point; :func:`start` checks it and issues a
   challenge (2–3 prompts in random order) bound to that permit, person and QR window.
2. :func:`submit` takes the upload (nonce, GPS fix, clip or JPEG burst): the geofence is
   judged at once, the face liveness by a job (``supervision.liveness``), never in the
   request thread. The sign-in is stored *pending* with every piece of evidence.
3. :func:`decide` records the verdict (both checks must pass), audits it, alerts the
   safety director on a refusal, and applies an acceptance: the open ``watcher_sign_in`` or
   ``watcher_resume`` task is completed, a re-confirmation restarts the watch, a handover
   makes the substitute the watcher. A fix outside the fence during live work suspends it.

Functions take a session and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Engine, HumanTask, outbox

from .. import tasks
from ..errors import Conflict, NotAllowed, NotFound, ValidationFailed
from ..models import Permit, Person, SignIn
from . import consent, geofence, presence, settings, tokens

LIVENESS_JOB = "supervision.liveness"
REFUSAL_TEXT = {
    "outside_fence": "定位在作业点围栏外",
    "location_imprecise": "定位精度不足",
    "no_fix": "未提供定位",
    "no_face": "未检测到人脸",
    "multiple_faces": "画面中有多张人脸",
    "face_too_small": "人脸太小，请靠近镜头",
    "wrong_order": "动作顺序不符",
    "clip_too_short": "视频太短",
    "clip_unreadable": "视频无法读取",
}


@dataclass
class Evidence:
    """What the phone sent, already stored as uploads by the caller."""

    qr: str | None = None
    nonce: str | None = None
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    device_time: datetime | None = None
    clip_id: str | None = None
    burst_ids: list[str] = field(default_factory=list)
    burst_fps: float | None = None
    comment: str | None = None


def open_step(session: Session, permit: Permit, bpmn_id: str) -> HumanTask | None:
    if permit.instance_id is None:
        return None
    return session.execute(select(HumanTask).where(
        HumanTask.instance_id == permit.instance_id, HumanTask.bpmn_id == bpmn_id,
        HumanTask.status == "open").limit(1)).scalar_one_or_none()


def purpose_for(session: Session, permit: Permit, person: Person) -> str:
    """Why this person signs in now: arrival, resume, reconfirm or handover."""
    handover = presence.pending_handover(session, permit)
    if handover is not None and handover.to_person_id == person.id:
        return "handover"
    if person.id != permit.watcher_id:
        raise NotAllowed("only the permit's watcher (or a named substitute) signs in here")
    if open_step(session, permit, "watcher_sign_in") is not None:
        return "arrival"
    if any(open_step(session, permit, step) is not None for step in presence.RESUME_STEPS):
        return "resume"
    watch = presence.get_watch(session, permit)
    if permit.status == "active" and watch is not None and watch.status == "watching":
        return "reconfirm"
    raise Conflict(f"nothing to sign in for: the permit is {permit.status}")


def check_may_submit(session: Session, permit: Permit, person: Person) -> str:
    """Who and consent, before the caller stores any file: a refused watcher's face clip
    must not reach the disk at all. Returns the purpose."""
    purpose = purpose_for(session, permit, person)
    consent.require(session, person, settings.of_permit(permit))
    return purpose


def start(session: Session, permit: Permit, person: Person, *, qr: str | None, secret: str,
          now: datetime) -> tokens.Challenge:
    """Check the scanned QR code and hand out the prompts to perform."""
    profile = settings.of_permit(permit)
    purpose = purpose_for(session, permit, person)
    consent.require(session, person, profile)
    window = None
    if profile.needs_qr:
        if not qr:
            raise ValidationFailed({"qr": ["扫描作业点的二维码 / scan the QR code at the work "
                                           "point"]}, code="qr_missing")
        window = tokens.check_qr(secret, qr, permit.id, now)
    challenge = tokens.issue_challenge(secret, permit_id=permit.id, person_id=person.id,
                                       purpose=purpose, qr_window=window, now=now)
    if not profile.needs_face:
        challenge.prompts = []
    return challenge


def _required(profile: settings.Profile, ev: Evidence) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if profile.needs_qr:
        for name in ("qr", "nonce"):
            if not getattr(ev, name):
                errors[name] = ["required for this permit type"]
    if profile.needs_fix:
        for name in ("lat", "lon", "accuracy"):
            if getattr(ev, "accuracy_m" if name == "accuracy" else name) is None:
                errors[name] = ["需要定位（请允许浏览器使用位置） / a GPS fix is required"]
    if profile.needs_face and not ev.clip_id and not ev.burst_ids:
        errors["clip"] = ["录制人脸动作视频（或连拍照片） / record the face clip (or a JPEG "
                          "burst)"]
    return errors


def submit(session: Session, permit: Permit, person: Person, ev: Evidence, *, secret: str,
           now: datetime, engine: Engine) -> SignIn:
    """Record a sign-in attempt; judge it now, or queue the liveness job when it needs one."""
    profile = settings.of_permit(permit)
    purpose = purpose_for(session, permit, person)
    consent.require(session, person, profile)
    errors = _required(profile, ev)
    if errors:
        raise ValidationFailed(errors, code="sign_in_incomplete")
    prompts: list[str] = []
    digest = None
    if profile.needs_qr:
        checked = tokens.check_challenge(secret, ev.nonce or "", permit_id=permit.id,
                                         person_id=person.id, now=now)
        window = tokens.check_qr(secret, ev.qr or "", permit.id, checked.issued_at)
        if checked.qr_window != window:
            raise ValidationFailed({"qr": ["二维码与动作口令不匹配，请重新扫码 / the QR code does "
                                           "not match the prompts: scan again"]},
                                   code="challenge_invalid")
        if checked.purpose != purpose:
            raise Conflict("the permit moved on since the QR code was scanned: scan again")
        if session.execute(select(SignIn.id).where(SignIn.challenge == checked.digest)
                           ).first() is not None:
            raise Conflict("these prompts were already used: scan the QR code again")
        prompts, digest = (checked.prompts if profile.needs_face else []), checked.digest
    fence = None
    if ev.lat is not None and ev.lon is not None:
        fence = geofence.check(site_lat=permit.lat, site_lon=permit.lon,
                               radius_m=profile.fence_radius_m, lat=ev.lat, lon=ev.lon,
                               accuracy_m=ev.accuracy_m,
                               polygon=permit.area.polygon if permit.area else None)
    elif profile.needs_fix:  # pragma: no cover - _required refused it
        raise ValidationFailed({"lat": ["required"]})
    sign_in = SignIn(
        permit_id=permit.id, person_id=person.id, method=profile.method, purpose=purpose,
        status="pending", accepted=False, reasons=[], lat=ev.lat, lon=ev.lon,
        accuracy_m=ev.accuracy_m, device_time=ev.device_time, comment=ev.comment,
        signed_at=now, prompts=prompts, challenge=digest, clip_id=ev.clip_id, frames=[],
        details={"geofence": fence.as_dict() if fence else None,
                 "burst": ev.burst_ids, "burst_fps": ev.burst_fps,
                 "liveness": None})
    session.add(sign_in)
    session.flush()
    presence.record(session, permit, "sign_in.submitted", person.username, {
        "sign_in_id": sign_in.id, "purpose": purpose, "method": profile.method,
        # the position itself stays on the sign-in row, which the retention purge clears;
        # the audit log is kept for good, so it holds only how good the fix was
        "prompts": prompts, "fix": {"given": ev.lat is not None, "accuracy_m": ev.accuracy_m},
        "device_time": ev.device_time.isoformat() if ev.device_time else None,
        "geofence": fence.as_dict() if fence else None, "clip": ev.clip_id,
        "burst_frames": len(ev.burst_ids)}, now)
    if profile.needs_face:
        outbox.enqueue(session, LIVENESS_JOB, {"sign_in_id": sign_in.id}, now=now)
    else:
        decide(session, engine, sign_in, liveness=None, frames=[], now=now)
    return sign_in


def get(session: Session, sign_in_id: int) -> SignIn:
    row = session.get(SignIn, sign_in_id)
    if row is None:
        raise NotFound("sign-in", sign_in_id)
    return row


def decide(session: Session, engine: Engine, sign_in: SignIn, *,
           liveness: dict[str, Any] | None, frames: list[str], now: datetime) -> SignIn:
    """Both checks → the verdict, its audit, its alert and (if accepted) its effect."""
    if sign_in.status != "pending":
        return sign_in  # decided already (a redelivered job)
    permit = session.get(Permit, sign_in.permit_id)
    person = session.get(Person, sign_in.person_id)
    assert permit is not None and person is not None
    fence = (sign_in.details or {}).get("geofence")
    reasons: list[str] = []
    if fence is not None and not fence["passed"]:
        reasons.append(fence["reason"])
    if liveness is not None:
        reasons += list(liveness.get("reasons") or [])
    details = dict(sign_in.details or {})
    details["liveness"] = liveness
    details["identity"] = (liveness or {}).get("identity")
    sign_in.details, sign_in.reasons, sign_in.frames = details, reasons, frames
    sign_in.accepted, sign_in.status, sign_in.decided_at = not reasons, \
        "accepted" if not reasons else "refused", now
    session.flush()
    presence.record(session, permit, f"sign_in.{sign_in.status}", person.username, {
        "sign_in_id": sign_in.id, "purpose": sign_in.purpose, "reasons": reasons,
        "prompts": sign_in.prompts, "frames": frames,
        "liveness": {k: (liveness or {}).get(k) for k in ("matched", "summary")}
        if liveness else None}, now)
    if reasons:
        _refused(session, engine, permit, person, sign_in, reasons, now)
    else:
        _accepted(session, engine, permit, person, sign_in, now)
    return sign_in


def _refused(session: Session, engine: Engine, permit: Permit, person: Person,
             sign_in: SignIn, reasons: list[str], now: datetime) -> None:
    words = "；".join(REFUSAL_TEXT.get(r.split(":")[0], r) for r in reasons)
    outbox.enqueue(session, "notify.send", {
        "kind": "sign_in.refused", "role": "safety_director", "site_code": permit.site_code,
        "severity": "high", "permit_id": permit.id,
        "title": f"监护人签到被拒 / Watcher sign-in refused: {permit.number}",
        "body": f"{person.name}（{sign_in.purpose}）：{words} [{', '.join(reasons)}]",
        "data": {"sign_in_id": sign_in.id, "reasons": reasons}}, now=now)
    if sign_in.purpose == "reconfirm" and "outside_fence" in reasons:
        presence.suspend(session, engine, permit, "outside_fence", now, actor=person.username)


def _accepted(session: Session, engine: Engine, permit: Permit, person: Person,
              sign_in: SignIn, now: datetime) -> None:
    if sign_in.purpose == "handover":
        handover = presence.pending_handover(session, permit)
        if handover is None or handover.to_person_id != person.id:
            raise Conflict("the handover was withdrawn before the substitute signed in")
        presence.complete_handover(session, permit, handover, sign_in, person, now)
        step = _resume_step(session, permit)
        if step is not None:
            tasks.complete(session, engine, step.id, {"present": True}, person=person,
                           sign_in=sign_in)
    elif sign_in.purpose in ("arrival", "resume"):
        step = open_step(session, permit, "watcher_sign_in") if sign_in.purpose == "arrival" \
            else _resume_step(session, permit)
        if step is None:
            raise Conflict(f"no open {sign_in.purpose} step any more")
        tasks.complete(session, engine, step.id, {"present": True}, person=person,
                       sign_in=sign_in)
    else:
        presence.confirmed(session, permit, person, now)


def _resume_step(session: Session, permit: Permit) -> HumanTask | None:
    return next((t for t in (open_step(session, permit, s) for s in presence.RESUME_STEPS)
                 if t is not None), None)


def view(sign_in: SignIn, names: dict[int, str] | None = None) -> dict[str, Any]:
    """The sign-in as the permit page and the phone show it."""
    details = sign_in.details or {}
    live = details.get("liveness") or {}
    return {
        "id": sign_in.id, "permit_id": sign_in.permit_id, "person_id": sign_in.person_id,
        "person": (names or {}).get(sign_in.person_id), "method": sign_in.method,
        "purpose": sign_in.purpose, "status": sign_in.status, "accepted": sign_in.accepted,
        "reasons": sign_in.reasons or [],
        "reasons_text": [REFUSAL_TEXT.get(r.split(":")[0], r) if ":" not in r
                         else f"未检测到动作 {r.split(':', 1)[1]}" for r in sign_in.reasons or []],
        "signed_at": sign_in.signed_at.isoformat(),
        "device_time": sign_in.device_time.isoformat() if sign_in.device_time else None,
        "decided_at": sign_in.decided_at.isoformat() if sign_in.decided_at else None,
        "location": {"lat": sign_in.lat, "lon": sign_in.lon, "accuracy_m": sign_in.accuracy_m}
        if sign_in.lat is not None else None,
        "geofence": details.get("geofence"), "prompts": sign_in.prompts or [],
        "liveness": {k: live.get(k) for k in ("passed", "reasons", "matched", "summary")}
        if live else None,
        "identity": details.get("identity"), "frames": sign_in.frames or [],
        "clip": sign_in.clip_id, "comment": sign_in.comment,
        # face images and fix dropped after their retention (retention.py); verdict kept
        "purged_at": sign_in.purged_at.isoformat() if sign_in.purged_at else None,
    }
