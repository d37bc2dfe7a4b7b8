"""Who may cancel a permit, and when: the predicate pages need to offer the button.

Mirrors the checks in ``permits.cancel`` (which stays the authority and raises).
"""

from __future__ import annotations

from .models import Permit, Person

CANCELLABLE = ("applied", "approving", "held", "approved", "active", "suspended")
CANCELLERS = ("safety_dept", "safety_director", "admin")


def can_cancel(person: Person, permit: Permit) -> bool:
    if permit.status not in CANCELLABLE:
        return False
    return person.id == permit.applicant_id or person.has_role(*CANCELLERS)
