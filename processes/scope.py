"""Who covers what: a person's site and firm, the roles the plant made plant-wide, and who
may grant which role.

One place answers "is this object within this person's reach?", so that the policy table
(``web/policy``) and the use cases ask the same question. Plant-wide reach is a setting
(``plant_settings.json`` → ``access.plant_wide_roles``), never implied by a person having no
site: an account created without a site covers nothing until the plant says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field

from .errors import NotAllowed
from .models import Person
from .types.base import plant_settings

#: scopes a grant of the policy table may name
SCOPES = ("public", "plant", "site", "firm", "own", "assignee")


def settings() -> dict[str, list[str]]:
    return plant_settings().get("access", {})


def plant_wide_roles() -> tuple[str, ...]:
    return tuple(settings().get("plant_wide_roles", ()))


def worker_roles() -> tuple[str, ...]:
    return tuple(settings().get("worker_roles", ()))


class LazyIds(Collection[int]):
    """Ids worked out on first use: a permit's crew firms and owners cost queries that a
    site check, the usual first grant, never needs."""

    def __init__(self, load: Callable[[], Iterable[int | None]]):
        self._load, self._ids = load, None

    def _get(self) -> frozenset[int]:
        if self._ids is None:
            self._ids = frozenset(i for i in self._load() if i is not None)
        return self._ids

    def __contains__(self, item: object) -> bool:
        return item in self._get()

    def __iter__(self) -> Iterator[int]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


@dataclass(frozen=True)
class Target:
    """Where an object sits: its site (None for plant objects such as a process definition),
    the firms it belongs to, the people for whom it is their own, and — for a workflow
    task — who it is assigned to (the lane's role at the permit's site, the claim)."""

    site: str | None = None
    firms: Collection[int] = field(default_factory=frozenset)
    owners: Collection[int] = field(default_factory=frozenset)
    assignee: Callable[[Person], bool] | None = field(default=None, compare=False)
    #: the use case's own words for why someone is not the assignee (four eyes, lane role)
    refusal: Callable[[Person], str | None] | None = field(default=None, compare=False)

    @classmethod
    def of(cls, site: str | None = None, firms: Iterable[int | None] = (),
           owners: Iterable[int | None] = (),
           assignee: Callable[[Person], bool] | None = None) -> Target:
        return cls(site, frozenset(f for f in firms if f is not None),
                   frozenset(o for o in owners if o is not None), assignee)


PLANT = Target()


def is_plant_wide(person: Person, roles: Iterable[str] | None = None) -> bool:
    """Whether one of ``roles`` (default: all the person's roles) is plant-wide."""
    held = set(person.roles or [])
    if roles is not None:
        held &= set(roles)
    return bool(held & set(plant_wide_roles()))


def covers_site(person: Person, site: str | None, roles: Iterable[str] | None = None) -> bool:
    """A plant object (no site) is everybody's; a site's object is its own staff's and the
    plant-wide roles'."""
    if site is None or is_plant_wide(person, roles):
        return True
    return person.site_code is not None and person.site_code == site


def covers_firm(person: Person, target: Target) -> bool:
    return person.organization_id is not None and person.organization_id in target.firms


def owns(person: Person, target: Target) -> bool:
    return person.id in target.owners


def within(person: Person, scope: str, target: Target, roles: Iterable[str]) -> bool:
    """Whether ``person``, acting in one of ``roles``, reaches ``target`` in ``scope``."""
    if scope in ("public", "plant"):
        return True
    if scope == "site":
        return covers_site(person, target.site, roles)
    if scope == "firm":
        return covers_firm(person, target)
    if scope == "own":
        return owns(person, target)
    if scope == "assignee":
        return target.assignee is not None and target.assignee(person)
    raise ValueError(f"unknown scope {scope!r}")


def grantable_roles(actor: Person, all_roles: Iterable[str]) -> set[str]:
    """The roles ``actor`` may give someone: admins any; a contractor admin the worker
    roles; other people managers the worker roles and the roles they hold themselves."""
    if actor.has_role("admin"):
        return set(all_roles)
    workers = set(worker_roles())
    if actor.has_role("contractor_admin"):
        return workers
    return workers | (set(actor.roles or []) - {"admin"})


def require_may_grant(actor: Person, roles: Iterable[str], all_roles: Iterable[str]) -> None:
    """Refuse a role the actor may not give (nobody grants a role they don't hold)."""
    refused = sorted(set(roles) - grantable_roles(actor, all_roles))
    if refused:
        raise NotAllowed(f"您无权授予角色：{'、'.join(refused)} / you may not grant the "
                         f"role(s) {', '.join(refused)}")


def require_may_change(actor: Person, person: Person, all_roles: Iterable[str]) -> None:
    """Only an admin changes an admin; nobody changes someone holding a role they could
    not grant (a site's safety officer cannot deactivate the safety director)."""
    if person.id == actor.id:
        return
    if person.has_role("admin") and not actor.has_role("admin"):
        raise NotAllowed("只有系统管理员可以修改管理员账号 / only admins change an admin")
    above = sorted(set(person.roles or []) - grantable_roles(actor, all_roles))
    if above:
        raise NotAllowed(f"此人拥有您无权授予的角色（{'、'.join(above)}），您不能修改 / "
                         f"this person holds role(s) you may not grant ({', '.join(above)})")
