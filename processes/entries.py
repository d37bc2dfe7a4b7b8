"""The confined-space entry/exit log and its head count (GB 30871 6.3, 6.5, 6.8).

The watcher (or the job's leader) logs each person in and out. Only the permit's workers
go in, only while the permit is live and its work step open, and — since the gas test is
taken at most 30 min before entry — the first person into an empty space needs a fresh
passing sample; while people are inside the 2-hourly monitoring reading must not be
overdue. The job cannot be finished or closed while the log shows anyone inside.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import HumanTask, audit

from . import worklog
from .errors import Conflict, NotAllowed, ValidationFailed
from .models import Permit, Person, SpaceEntry
from .rules import confined_space as rules
from .types import rules_for

REFUSAL_TEXT = {
    rules.NO_SAMPLE: "尚无合格的气体检测结果，不得进入 / no passing gas test yet: nobody may "
                     "enter (GB 30871 6.3)",
    rules.SAMPLE_TOO_OLD: "进入前30分钟内须有合格的气体检测结果，请先复测 / the last passing "
                          "gas test is older than 30 min: re-test before entry (GB 30871 6.3)",
    rules.MONITORING_LOG_DUE: "连续监测记录已超过2 h未更新，请先记录检测结果 / the 2-hourly "
                              "monitoring reading is overdue: record it first (GB 30871 6.5)",
}


def keeps_log(permit: Permit) -> bool:
    return rules_for(permit.type).keeps_entry_log


def movements(session: Session, permit: Permit) -> list[SpaceEntry]:
    return list(session.execute(select(SpaceEntry).where(SpaceEntry.permit_id == permit.id)
                                .order_by(SpaceEntry.at, SpaceEntry.id)).scalars())


def inside(session: Session, permit: Permit) -> list[Person]:
    """Who the log shows inside now, in the order they went in."""
    last: dict[int, SpaceEntry] = {}
    for move in movements(session, permit):
        last.pop(move.person_id, None)
        last[move.person_id] = move
    return [m.person for m in last.values() if m.direction == "in"]


def all_out_problem(session: Session, permit: Permit) -> str | None:
    """A message naming who is still inside, or None when the space is empty."""
    people = inside(session, permit)
    if not people:
        return None
    names = "、".join(p.name for p in people)
    return (f"受限空间内仍有{len(people)}人：{names}；全部撤出并登记后才能继续 / "
            f"{len(people)} still inside ({names}): log everyone out first (GB 30871 6.8)")


def _work_open(session: Session, permit: Permit) -> bool:
    return session.execute(select(HumanTask.id).where(
        HumanTask.instance_id == permit.instance_id, HumanTask.bpmn_id == "work",
        HumanTask.status == "open").limit(1)).first() is not None


def record(session: Session, permit: Permit, *, person_id: int, direction: str, by: Person,
           now: datetime, note: str | None = None) -> SpaceEntry:
    """Log one movement; refuse what the rules forbid, naming the field."""
    if not keeps_log(permit):
        raise Conflict("this permit type keeps no entry/exit log")
    if by.id not in (permit.watcher_id, permit.applicant_id):
        raise NotAllowed("only the permit's watcher or job leader logs entries (GB 30871 6.8)")
    if direction not in ("in", "out"):
        raise ValidationFailed({"direction": ["one of: in, out"]})
    if person_id not in permit.worker_ids:
        raise ValidationFailed({"person": ["只有作业票上的作业人员可以进入 / only the workers "
                                           "named on the permit may enter"]})
    people_inside = inside(session, permit)
    is_inside = any(p.id == person_id for p in people_inside)
    if direction == "out":
        if not is_inside:
            raise ValidationFailed({"person": ["登记显示此人不在受限空间内 / the log does not "
                                               "show this person inside"]})
    else:
        if permit.status != "active" or not _work_open(session, permit):
            raise Conflict(f"作业票{permit.status}，现在不得进入 / the permit is "
                           f"{permit.status}: nobody may enter now")
        if is_inside:
            raise ValidationFailed({"person": ["此人已在受限空间内 / already inside"]})
        planned = int((permit.fields or {}).get("entry_count_planned") or 0)
        if planned and len(people_inside) + 1 > planned:
            raise ValidationFailed({"person": [
                f"同时进入人数不得超过计划的{planned}人 / more than the {planned} people "
                f"planned would be inside"]})
        reason = rules.entry_refusal(worklog.last_sample_at(session, permit), now,
                                     people_inside=len(people_inside))
        if reason is not None:
            raise ValidationFailed({"gas_test": [REFUSAL_TEXT[reason]]},
                                   code=f"entry_refused:{reason}")
    entry = SpaceEntry(permit_id=permit.id, person_id=person_id, direction=direction, at=now,
                       recorded_by=by.id, note=note)
    session.add(entry)
    session.flush()
    audit.append(session, action="entry.recorded", at=now, actor=by.username,
                 instance_id=permit.instance_id, process_key=permit.type,
                 data={"permit": permit.number, "person_id": person_id,
                       "direction": direction, "inside_after": len(inside(session, permit))})
    return entry


def log(session: Session, permit: Permit) -> dict[str, Any]:
    """The log as people read it: every movement and who is inside now."""
    people = inside(session, permit)
    return {
        "head_count": len(people),
        "inside": [{"id": p.id, "name": p.name} for p in people],
        "entries": [{"id": m.id, "person_id": m.person_id, "person": m.person.name,
                     "direction": m.direction, "at": m.at.isoformat(),
                     "recorded_by": m.recorded_by, "note": m.note}
                    for m in movements(session, permit)],
    }


def has_complete_log(session: Session, permit: Permit) -> bool:
    """Evidence of the entry/exit node: someone was logged in, and everyone out again."""
    moves = movements(session, permit)
    return any(m.direction == "in" for m in moves) and not inside(session, permit)
