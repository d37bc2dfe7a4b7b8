"""The service-operator registry: BPMN ``serviceTaskOperator`` ids → Python callables.

The engine only dispatches; the operators themselves live in ``handlers/`` and are
registered by the composition root. A handler receives a :class:`ServiceContext` (the
step's session, clock, instance and helpers to emit jobs and audit events) plus the
evaluated BPMN parameters, and returns a JSON-ready dict (the task's result variable).
To refuse the step for a business reason it raises :class:`engine.errors.Refusal`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from .errors import UnknownOperator


class StepEffects(Protocol):
    def enqueue(self, actor: str, payload: dict[str, Any], *, queue: str = "default",
                delay_seconds: float = 0) -> None: ...

    def audit(self, action: str, data: dict[str, Any]) -> None: ...


@dataclass
class ServiceContext:
    """What an operator may see and do during one engine step."""

    session: Session
    now: datetime
    actor: str | None
    instance_id: int
    process_key: str
    process_version: int
    business_key: str | None
    bpmn_id: str
    operator: str
    #: a read-only copy of the calling task's data
    data: dict[str, Any]
    effects: StepEffects
    extras: dict[str, Any] = field(default_factory=dict)

    def enqueue(self, actor: str, payload: dict[str, Any], **kwargs: Any) -> None:
        self.effects.enqueue(actor, payload, **kwargs)

    def audit(self, action: str, data: dict[str, Any]) -> None:
        self.effects.audit(action, data)


Operator = Callable[..., dict[str, Any] | None]


@dataclass
class OperatorInfo:
    name: str
    func: Operator
    description: str = ""
    parameters: tuple[str, ...] = ()


def _parameters_of(fn: Operator) -> tuple[str, ...]:
    """The BPMN parameter names an operator takes: its keyword arguments after the context.

    The modeler offers them when a designer picks the operator, so the names in the
    diagram match the handler's signature.
    """
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return ()
    return tuple(p.name for p in params[1:]
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


class OperatorRegistry:
    """Named operators; deploy lint asks it whether a diagram's operators exist."""

    def __init__(self) -> None:
        self._ops: dict[str, OperatorInfo] = {}

    def register(self, name: str, func: Operator | None = None, *, description: str = "",
                 parameters: tuple[str, ...] = ()) -> Any:
        """Register ``func`` as ``name``; usable as a decorator when ``func`` is omitted."""

        def add(fn: Operator) -> Operator:
            doc = description or (fn.__doc__ or "").strip().splitlines()[0:1]
            self._ops[name] = OperatorInfo(name, fn, doc if isinstance(doc, str) else "".join(doc),
                                           parameters or _parameters_of(fn))
            return fn

        return add(func) if func is not None else add

    def __contains__(self, name: object) -> bool:
        return name in self._ops

    def names(self) -> list[str]:
        return sorted(self._ops)

    def info(self) -> list[OperatorInfo]:
        return [self._ops[n] for n in self.names()]

    def get(self, name: str) -> Operator:
        try:
            return self._ops[name].func
        except KeyError:
            raise UnknownOperator(name) from None
