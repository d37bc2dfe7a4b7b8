"""On-site supervision: the suspend/resume operators, the liveness and voice-memo jobs, and
the presence check run by the periodic tick.

The liveness job runs mediapipe outside the request thread: the phone gets the sign-in id
at once and polls for the verdict.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from engine import Engine, EngineError, ServiceContext, StaleInstance, clock, conflicts, outbox
from processes import permits
from processes.models import Permit, PreWorkMemo
from processes.supervision import presence, retention, settings, signins, storage
from processes.supervision.liveness import evaluate

from . import voice

log = logging.getLogger(__name__)


# -- BPMN operators ----------------------------------------------------------------------
def suspend(ctx: ServiceContext, permit_id: int) -> dict[str, Any]:
    """``watch.suspend``: the watcher is absent; work stops and the team leader is told."""
    permit = permits.get(ctx.session, permit_id)
    why = presence.on_suspended(ctx.session, permit, ctx.now)
    ctx.enqueue("notify.send", {
        "kind": "watch.suspended", "role": "team_leader", "site_code": permit.site_code,
        "severity": "high", "permit_id": permit.id,
        "title": f"监护人缺位，作业已暂停 / Watcher absent, work suspended: {permit.number}",
        "body": f"{why['text']}。监护人重新签到后方可恢复作业 / work resumes only after a "
                f"fresh sign-in at the work point", "data": {"reason": why["reason"]}})
    return {"suspended_at": ctx.now.isoformat(), "reason": why["reason"]}


def resume(ctx: ServiceContext, permit_id: int) -> dict[str, Any]:
    """``watch.resume``: a fresh sign-in was accepted; work may go on."""
    permit = permits.get(ctx.session, permit_id)
    presence.on_resumed(ctx.session, permit, ctx.now)
    return {"resumed_at": ctx.now.isoformat()}


OPERATORS = {"watch.suspend": suspend, "watch.resume": resume}


# -- jobs --------------------------------------------------------------------------------
def _engine() -> Engine:
    return current_app.extensions["permitflow"]["engine"]


def run_liveness(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """Measure the clip, judge it against the prompts, keep 2–3 frames, decide."""
    if not outbox.claim(session, message_id, signins.LIVENESS_JOB, now=clock.now()):
        return
    sign_in = signins.get(session, payload["sign_in_id"])
    if sign_in.status != "pending":
        return
    folder = current_app.config["UPLOAD_FOLDER"]
    verdict, frames = analyse(session, sign_in, folder)
    signins.decide(session, _engine(), sign_in, liveness=verdict, frames=frames,
                   now=clock.now())


def analyse(session: Session, sign_in: Any, folder: str) -> tuple[dict[str, Any], list[str]]:
    """(liveness verdict as a dict, upload ids of the frames kept as evidence)."""
    from . import liveness

    rules = settings.liveness()
    details = sign_in.details or {}
    try:
        if sign_in.clip_id:
            frames, fps = liveness.read_video(storage.path_of(folder, sign_in.clip_id),
                                              rules["max_frames"], rules["target_width"])
        else:
            images = [storage.read(folder, i) for i in details.get("burst") or []]
            frames, fps = liveness.read_burst(images, float(details.get("burst_fps") or 15),
                                              rules["max_frames"], rules["target_width"])
    except (liveness.ClipError, OSError) as exc:
        return {"passed": False, "reasons": ["clip_unreadable"], "error": str(exc),
                "identity": _identity_note()}, []
    measured = liveness.measure(frames, fps)
    verdict = evaluate(measured.features, sign_in.prompts or [], rules).as_dict()
    verdict["identity"] = _identity_note()
    kept = liveness.evidence_frames(measured, [m["frame"] for m in verdict["matched"]],
                                    keep=rules["frames_kept"])
    ids = [storage.store(session, folder, jpeg, filename=f"sign-in-{sign_in.id}-{i}.jpg",
                         content_type="image/jpeg", person_id=sign_in.person_id,
                         now=clock.now()).id for i, jpeg in enumerate(kept)]
    return verdict, ids


def _identity_note() -> dict[str, Any]:
    conf = settings.raw().get("identity_match", {})
    if not conf.get("enabled"):
        return {"checked": False, "why": "identity matching is off (settings identity_match."
                                         "enabled); a person reviews the stored frames"}
    return {"checked": False, "why": "identity matching is enabled but no watcher photo is "
                                     "enrolled in this release"}


def make_voice_memo(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """Speak the pre-work confirmation and send it to the team leader (text if no voice)."""
    if not outbox.claim(session, message_id, "supervision.voice_memo", now=clock.now()):
        return
    memo = session.get(PreWorkMemo, payload["memo_id"])
    if memo is None or memo.status != "pending":
        return
    permit = session.get(Permit, memo.permit_id)
    assert permit is not None
    now = clock.now()
    try:
        wav = voice.synthesize(memo.text)
    except voice.VoiceUnavailable as exc:
        memo.status, memo.error = "unavailable", str(exc)
    else:
        upload = storage.store(session, current_app.config["UPLOAD_FOLDER"], wav,
                               filename=f"pre-work-{permit.number}.wav",
                               content_type="audio/wav", person_id=None, now=now)
        memo.status, memo.upload_id = "ready", upload.id
    memo.ready_at = now
    outbox.enqueue(session, "notify.send", {
        "kind": "pre_work.confirmed", "role": "team_leader", "site_code": permit.site_code,
        "severity": "info", "permit_id": permit.id,
        "title": f"作业前确认完成 / Pre-work confirmed: {permit.number}",
        "body": memo.text + ("" if memo.upload_id else f"\n{memo.error}"),
        "data": {"voice_memo": memo.upload_id, "memo_id": memo.id}}, now=now)


PURGE_JOB = "personal_data.purge"


def purge_personal_data(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """Daily: delete sign-in face images and GPS fixes past their retention (audited)."""
    if not outbox.claim(session, message_id, PURGE_JOB, now=clock.now()):
        return
    result = retention.purge(session, current_app.config["UPLOAD_FOLDER"], now=clock.now(),
                             actor="scheduler")
    log.info("personal data purge (%s days): %s sign-ins, %s files", result.days,
             result.sign_ins, result.files)


JOBS = {signins.LIVENESS_JOB: run_liveness, "supervision.voice_memo": make_voice_memo,
        PURGE_JOB: purge_personal_data}


# -- periodic ----------------------------------------------------------------------------
def suspend_absent(session: Session, engine: Engine) -> int:
    """Suspend the work of every permit whose watcher missed a re-confirmation."""
    done = 0
    for permit_id in presence.overdue(session, clock.now()):
        try:
            permit = permits.get(session, permit_id)
            if presence.suspend(session, engine, permit, "missed_reconfirmation", clock.now()):
                done += 1
            conflicts.commit(session, permit.instance_id)
        except (StaleInstance, EngineError) as exc:
            session.rollback()
            log.info("presence check of permit %s skipped: %s", permit_id, exc)
        except Exception:  # one broken permit must not stop the others being checked
            session.rollback()
            log.exception("presence check of permit %s failed", permit_id)
    return done
