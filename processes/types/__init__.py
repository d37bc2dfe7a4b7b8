"""The permit types: one module per GB 30871 type, each stating its own rules.

A type module gathers the facts its decision tables need, knows its validity and its
checklist; the BPMN next to it holds the flow. Handlers look a type up here instead of
branching on the type key.
"""

from __future__ import annotations

from .base import PermitTypeRules
from .blind_plate import BlindPlate
from .confined_space import ConfinedSpace
from .hot_work import HotWork
from .temporary_power import TemporaryPower

REGISTRY: dict[str, PermitTypeRules] = {t.key: t for t in (
    HotWork(), ConfinedSpace(), BlindPlate(), TemporaryPower())}


def rules_for(key: str) -> PermitTypeRules:
    """The rules of a type; types without a module yet get the shared defaults."""
    found = REGISTRY.get(key)
    if found is not None:
        return found
    generic = PermitTypeRules()
    generic.key = key
    return generic


__all__ = ["REGISTRY", "PermitTypeRules", "rules_for"]
