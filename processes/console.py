"""Who a waiting permit waits for: the lane's role and the people who may act on it.

The engine knows lanes (role keys); only the domain knows which people hold a role on a
given permit (site scope, bound lanes such as the applicant, the four-eyes rule), so the
same check as the inbox decides (:func:`processes.tasks.may_complete`).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Permit, Person
from .tasks import may_complete

#: enough names to act on; the page says "and more" beyond this
MAX_PEOPLE = 20


def waiting_for(session: Session, permit: Permit | None, lanes: list[str | None]
                ) -> dict[str, list[dict[str, Any]]]:
    """Lane → people who may complete a step in it now (empty when nobody may)."""
    result: dict[str, list[dict[str, Any]]] = {}
    wanted = [lane for lane in dict.fromkeys(lanes) if lane]
    if not wanted:
        return result
    people = session.execute(select(Person).where(Person.active.is_(True))
                             .order_by(Person.name)).scalars().all()
    for lane in wanted:
        task = SimpleNamespace(lane=lane)
        holders = []
        for person in people:
            allowed = (may_complete(person, task, permit) is None if permit is not None
                       else person.has_role(lane))  # type: ignore[arg-type]
            if allowed:
                holders.append({"id": person.id, "name": person.name,
                                "username": person.username, "phone": person.phone})
        result[lane] = holders[:MAX_PEOPLE]
    return result
