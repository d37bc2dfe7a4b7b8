"""Watcher ratings: after a job, the team leader or the safety department rates how the
watcher (监护人) did, 1–5 with a comment. They feed the worker quality score."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock

from . import auditing
from .errors import Conflict, NotAllowed, ValidationFailed
from .models import Permit, Person, WatcherRating

#: a job is over when it was closed or ran out of time
RATEABLE = ("closed", "expired")


def rate(session: Session, permit: Permit, *, actor: Person, rating: int,
         comment: str | None) -> WatcherRating:
    if not actor.has_role("team_leader", "safety_dept", "safety_director"):
        raise NotAllowed("only team leaders and the safety department rate watchers")
    if actor.site_code not in (None, permit.site_code):
        raise NotAllowed("this permit belongs to another site")
    if actor.id == permit.watcher_id:
        raise NotAllowed("watchers do not rate themselves")
    if permit.status not in RATEABLE:
        raise Conflict("作业结束后再评价监护人 / rate the watcher after the job "
                       f"(the permit is {permit.status})")
    errors: dict[str, list[str]] = {}
    if not 1 <= rating <= 5:
        errors["rating"] = ["1 to 5"]
    if rating <= 2 and not (comment or "").strip():
        errors["comment"] = ["低分须说明原因 / say why for a rating of 1 or 2"]
    if errors:
        raise ValidationFailed(errors)
    if session.execute(select(WatcherRating.id).where(
            WatcherRating.permit_id == permit.id, WatcherRating.rated_by == actor.id)).first():
        raise Conflict("you already rated the watcher of this permit")
    row = WatcherRating(permit_id=permit.id, watcher_id=permit.watcher_id, rated_by=actor.id,
                        rating=rating, comment=(comment or "").strip() or None,
                        created_at=clock.now())
    session.add(row)
    session.flush()
    auditing.record(session, "watcher.rated", by=actor, data={
        "permit_id": permit.id, "watcher_id": permit.watcher_id, "rating": rating})
    return row


def of_watcher(session: Session, person_id: int) -> dict[str, Any]:
    rows = session.execute(
        select(WatcherRating, Permit.number, Person.name)
        .join(Permit, Permit.id == WatcherRating.permit_id)
        .join(Person, Person.id == WatcherRating.rated_by)
        .where(WatcherRating.watcher_id == person_id)
        .order_by(WatcherRating.created_at.desc())).all()
    items = [{"id": r.id, "permit_id": r.permit_id, "permit_number": number,
              "rating": r.rating, "comment": r.comment, "rated_by": r.rated_by,
              "rated_by_name": name, "created_at": r.created_at.isoformat()}
             for r, number, name in rows]
    average = round(sum(i["rating"] for i in items) / len(items), 2) if items else None
    return {"count": len(items), "average": average, "items": items}
