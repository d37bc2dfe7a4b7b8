"""One policy for every act: which roles may call each operation, and in which scope.

The table (``table.json``, explained in ``docs/security.md``) lists every route of the app —
API operations and page actions alike — as ``"METHOD /path/{param}"`` with its grants
(roles × scope) and the object the URL or body names. :func:`enforce` runs before every
view: an operation missing from the table is refused (fail closed), a role that holds no
grant is refused, and an object outside every grant's scope is refused — before the view
reads the body, so a refused write changes nothing. Use cases keep their own finer checks
(four eyes, the applicant alone cancels, a claimed task); the table is the floor.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask, current_app, request

from processes import scope
from processes.errors import NotAllowed, NotFound
from processes.models import Person

from ..auth import Unauthorized, current_person
from . import objects

TABLE = Path(__file__).with_name("table.json")


@dataclass(frozen=True)
class Grant:
    roles: tuple[str, ...]  # ("*",) = any signed-in person
    scope: str

    def holds(self, person: Person) -> tuple[str, ...]:
        """The person's roles this grant applies to (empty: it does not apply)."""
        held = tuple(person.roles or [])
        if "*" in self.roles:
            return held or ("*",)
        return tuple(r for r in held if r in self.roles)


@dataclass(frozen=True)
class Rule:
    operation: str
    grants: tuple[Grant, ...]
    object: str | None = None
    body: dict[str, str] | None = None
    #: answer 404 instead of 403 out of scope, where a 403 would reveal the object exists
    hide: bool = False
    #: the words for an out-of-scope refusal, where the generic ones would not say who may
    refusal: str | None = None

    @property
    def public(self) -> bool:
        return any(g.scope == "public" for g in self.grants)


def operation_key(method: str, rule: str) -> str:
    """Flask's ``/permits/<int:permit_id>`` as the table writes it: ``/permits/{permit_id}``."""
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
    return f"{'GET' if method == 'HEAD' else method} {path}"


@cache
def table() -> dict[str, Rule]:
    raw = json.loads(TABLE.read_text(encoding="utf-8"))
    groups: dict[str, list[str]] = raw["groups"]

    def roles(spec: str | list[str]) -> tuple[str, ...]:
        names = [spec] if isinstance(spec, str) else spec
        out: list[str] = []
        for name in names:
            out.extend(groups[name[1:]] if name.startswith("@") else [name])
        return tuple(out)

    rules = {}
    for key, entry in raw["operations"].items():
        grants = tuple(Grant(roles(g["roles"]), g["scope"]) for g in entry["grants"])
        for g in grants:
            if g.scope not in scope.SCOPES:
                raise ValueError(f"{key}: unknown scope {g.scope!r}")
        rules[key] = Rule(key, grants, entry.get("object"), entry.get("body"),
                          entry.get("hide", False), entry.get("refusal"))
    return rules


def rule_for(method: str, url_rule: str) -> Rule | None:
    return table().get(operation_key(method, url_rule))


def decide(person: Person, rule: Rule, view_args: dict[str, Any],
           body: dict[str, Any] | None) -> None:
    """Raise NotAllowed (or NotFound) unless one grant covers the person and the object."""
    applicable = [(g, g.holds(person)) for g in rule.grants]
    applicable = [(g, held) for g, held in applicable if held]
    if not applicable:
        raise NotAllowed("您的角色无权执行此操作 / your role may not do this")
    needs_target = any(g.scope not in ("plant", "public") for g, _ in applicable)
    if not needs_target:
        return
    target = objects.resolve(rule.object, view_args)
    if rule.body is not None:
        named = objects.body_target(rule.body, body or {})
        if named is None:
            return  # the use case puts it at the actor's own site/firm
        target = named
    for grant, held in applicable:
        if scope.within(person, grant.scope, target, held):
            return
    if rule.hide:
        raise NotFound("object", next(iter(view_args.values()), None))
    reason = target.refusal(person) if target.refusal is not None else rule.refusal
    if reason:
        raise NotAllowed(reason)
    if target.site is not None and not scope.covers_site(person, target.site):
        raise NotAllowed(f"这属于其他厂区（{target.site}），不在您的范围内 / this belongs to "
                         f"another site ({target.site})")
    raise NotAllowed("此对象不在您的单位或职责范围内 / this belongs to another firm or person")


def _body() -> dict[str, Any] | None:
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else None
    if request.form:
        return request.form.to_dict()
    return None


def enforce() -> Any:
    """Before every request: the policy decides, or the request goes no further."""
    url_rule = request.url_rule
    if url_rule is None or url_rule.endpoint == "static" or request.method == "OPTIONS":
        return None  # no route (404), a static file, Flask's own answer to OPTIONS
    rule = rule_for(request.method, url_rule.rule)
    if rule is None:
        current_app.logger.error("operation not in the policy table: %s %s",
                                 request.method, url_rule.rule)
        raise NotAllowed("此操作未列入权限表 / this operation is not in the policy table")
    if rule.public:
        return None
    person = current_person()
    if person is None:
        if request.path.startswith("/api/"):
            raise Unauthorized()
        from ..auth import login_manager

        return login_manager.unauthorized()
    decide(person, rule, dict(request.view_args or {}),
           _body() if rule.body is not None else None)
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce)


__all__ = ["Grant", "Rule", "decide", "enforce", "init_app", "operation_key",
           "rule_for", "table"]
