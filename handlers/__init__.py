"""Service-task operators and jobs: the glue between BPMN and the permit domain.

``register`` adds every operator to the engine's registry; ``declare_jobs`` adds every
outbox job to the broker. The composition root (``web.create_app``) calls both.
"""

from __future__ import annotations

from engine import OperatorRegistry

from . import blind, confined, credentials, gas, permit, routing, supervision, withdrawal
from .jobs import declare_jobs


def register(registry: OperatorRegistry) -> None:
    for module in (credentials, gas, permit, routing, blind, confined, withdrawal, supervision):
        for name, func in module.OPERATORS.items():
            registry.register(name, func)


__all__ = ["declare_jobs", "register"]
