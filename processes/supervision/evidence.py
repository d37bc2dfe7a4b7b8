"""The supervision evidence of a permit: who confirmed the watcher was there, and when.

Shown in the permit detail (``history.evidence``): every sign-in with its fix, prompts,
verdict, features and frames; the watch; handovers; the pre-work taps and voice memo.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import roster
from ..models import Permit, PreWorkCheck, PreWorkMemo, SignIn, WatcherHandover
from . import presence, settings, signins


def sign_ins(session: Session, permit: Permit) -> list[dict[str, Any]]:
    rows = session.execute(select(SignIn).where(SignIn.permit_id == permit.id)
                           .order_by(SignIn.signed_at, SignIn.id)).scalars().all()
    names = roster.names_by_id(session, [r.person_id for r in rows])
    return [signins.view(r, names) for r in rows]


def supervision(session: Session, permit: Permit) -> dict[str, Any]:
    profile = settings.of_permit(permit)
    watch = presence.get_watch(session, permit)
    handovers = session.execute(select(WatcherHandover).where(
        WatcherHandover.permit_id == permit.id).order_by(WatcherHandover.id)).scalars().all()
    checks = session.execute(select(PreWorkCheck).where(PreWorkCheck.permit_id == permit.id)
                             .order_by(PreWorkCheck.confirmed_at)).scalars().all()
    memo = session.execute(select(PreWorkMemo).where(PreWorkMemo.permit_id == permit.id)
                           ).scalar_one_or_none()
    names = roster.names_by_id(session, [
        *(h.from_person_id for h in handovers), *(h.to_person_id for h in handovers),
        *(c.confirmed_by for c in checks), watch.watcher_id if watch else None])
    iso = (lambda t: t.isoformat() if t else None)  # noqa: E731
    return {
        "method": profile.method, "fence_radius_m": profile.fence_radius_m,
        "reconfirm_minutes": profile.reconfirm_minutes,
        "watch": {"watcher_id": watch.watcher_id, "watcher": names.get(watch.watcher_id),
                  "status": watch.status, "last_confirmed_at": iso(watch.last_confirmed_at),
                  "due_at": iso(watch.due_at), "due_reason": watch.due_reason,
                  "suspended_at": iso(watch.suspended_at),
                  "suspended_reason": watch.suspended_reason} if watch else None,
        "handovers": [{"id": h.id, "from": h.from_person_id, "from_name":
                       names.get(h.from_person_id), "to": h.to_person_id,
                       "to_name": names.get(h.to_person_id), "reason": h.reason,
                       "status": h.status, "requested_at": iso(h.requested_at),
                       "completed_at": iso(h.completed_at), "sign_in_id": h.sign_in_id,
                       "signature": h.signature} for h in handovers],
        "pre_work": [{"item": c.item, "label": c.label, "by": c.confirmed_by,
                      "by_name": names.get(c.confirmed_by), "at": iso(c.confirmed_at),
                      "device_time": iso(c.device_time)} for c in checks],
        "pre_work_memo": {"status": memo.status, "text": memo.text, "upload": memo.upload_id,
                          "error": memo.error, "ready_at": iso(memo.ready_at)}
        if memo else None,
    }
