"""Pre-work confirmation in three taps (plus the type's own), each time-stamped.

When the last item is tapped, a short spoken memo of the confirmation is made by a job
(``supervision.voice_memo``, espeak-ng) and sent to the team leader with the text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import outbox

from .. import roster
from ..errors import Conflict, NotAllowed, NotFound
from ..models import Permit, Person, PreWorkCheck, PreWorkMemo
from . import presence, settings

MEMO_JOB = "supervision.voice_memo"


def items(permit: Permit) -> list[dict[str, str]]:
    return settings.of_permit(permit).pre_work_items


def status(session: Session, permit: Permit) -> dict[str, Any]:
    done = {c.item: c for c in session.execute(select(PreWorkCheck).where(
        PreWorkCheck.permit_id == permit.id)).scalars()}
    memo = session.execute(select(PreWorkMemo).where(PreWorkMemo.permit_id == permit.id)
                           ).scalar_one_or_none()
    return {"items": [{**item, "confirmed_at": done[item["key"]].confirmed_at.isoformat()
                       if item["key"] in done else None,
                       "confirmed_by": done[item["key"]].confirmed_by if item["key"] in done
                       else None} for item in items(permit)],
            "complete": all(i["key"] in done for i in items(permit)),
            "memo": {"status": memo.status, "text": memo.text, "upload": memo.upload_id,
                     "error": memo.error} if memo else None}


def tap(session: Session, permit: Permit, person: Person, item_key: str, *,
        device_time: datetime | None, now: datetime) -> PreWorkCheck:
    """Confirm one item; the last one queues the voice memo for the team leader."""
    if person.id not in (permit.applicant_id, permit.watcher_id, *permit.worker_ids):
        raise NotAllowed("only the crew and watcher of this permit confirm pre-work items")
    if permit.status not in ("approved", "active"):
        raise Conflict(f"pre-work items are confirmed before work on an approved or active "
                       f"permit, not a {permit.status} one")
    wanted = {i["key"]: i for i in items(permit)}
    if item_key not in wanted:
        raise NotFound("pre-work item", item_key)
    existing = session.execute(select(PreWorkCheck).where(
        PreWorkCheck.permit_id == permit.id, PreWorkCheck.item == item_key)).scalar_one_or_none()
    if existing is not None:
        raise Conflict(f"“{wanted[item_key]['label_zh']}” was already confirmed at "
                       f"{existing.confirmed_at.isoformat()}")
    check = PreWorkCheck(permit_id=permit.id, item=item_key,
                         label=wanted[item_key]["label_zh"], confirmed_by=person.id,
                         confirmed_at=now, device_time=device_time)
    session.add(check)
    session.flush()
    presence.record(session, permit, "pre_work.confirmed", person.username, {
        "item": item_key, "label": check.label,
        "device_time": device_time.isoformat() if device_time else None}, now)
    done = set(session.execute(select(PreWorkCheck.item).where(
        PreWorkCheck.permit_id == permit.id)).scalars())
    if set(wanted) <= done:
        memo = PreWorkMemo(permit_id=permit.id, text=memo_text(session, permit, person, now),
                           status="pending", created_at=now)
        session.add(memo)
        session.flush()
        outbox.enqueue(session, MEMO_JOB, {"memo_id": memo.id}, now=now)
    return check


def memo_text(session: Session, permit: Permit, person: Person, now: datetime) -> str:
    local = now.astimezone(ZoneInfo(roster.timezone_of(session, permit.site_code)))
    labels = "，".join(i["label_zh"] for i in items(permit))
    return (f"作业票{permit.number}作业前确认完成：{labels}。确认人{person.name}，"
            f"时间{local:%H点%M分}。")
