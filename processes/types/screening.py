"""Screening an application before it is graded: refusals collected per field, and the
checks several permit types share (the planned window against the validity, uploads that
must exist, people named in type-specific fields, related permits of another type).

Refusals are located on the field the applicant typed (``fields.<name>`` for the
type-specific fields, as the API reports them) and say why in Chinese first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from ..errors import ValidationFailed
from ..models import Permit, Person, Site, Upload
from ..rules.calendar import DEFAULT_PLANT_TZ, overlaps_night

if TYPE_CHECKING:
    from .base import PermitTypeRules

#: statuses of a related permit that still stands (not rejected, cancelled, closed, expired)
STANDING = ("applied", "approving", "approved", "active", "suspended")


class Refusals:
    """Problems found in one application; raises them together, the first one's code."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.codes: list[str] = []

    def add(self, field: str, message: str, code: str) -> None:
        self.errors.setdefault(field, []).append(message)
        self.codes.append(code)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors, code=self.codes[0])


def check_window(refusals: Refusals, permit: Permit, rules: PermitTypeRules) -> None:
    """A planned window longer than the type's validity needs two permits (4.16)."""
    limit = rules.validity(permit)
    if limit is None or permit.planned_end - permit.planned_start <= limit:
        return
    refusals.add("planned_end", f"计划作业时间超过作业票有效期，请缩短或分段办理（"
                                f"{rules.validity_basis()['text']}）/ the planned window is "
                                f"longer than the permit may run: apply in parts",
                 "validity_exceeded")


def check_upload(refusals: Refusals, session: Session, field: str, upload_id: str | None,
                 what: str) -> None:
    """An upload id typed into the application must name a stored upload."""
    if upload_id and session.get(Upload, upload_id) is None:
        refusals.add(f"fields.{field}", f"未找到上传的{what}（编号{upload_id[:12]}…），请先上传 / "
                                        f"no upload with this id: upload the file first",
                     "upload_missing")


def check_people(refusals: Refusals, session: Session, permit: Permit, field: str,
                 ids: Iterable[int], role_zh: str) -> None:
    """People named in a type-specific field exist, and none of them is the watcher, who
    only watches (4.10)."""
    for index, pid in enumerate(ids):
        path = f"fields.{field}.{index}" if field.endswith("s") else f"fields.{field}"
        if session.get(Person, pid) is None:
            refusals.add(path, f"{role_zh}：没有编号为{pid}的人员 / no person with id {pid}",
                         "unknown_person")
        elif pid == permit.watcher_id:
            refusals.add(path, f"监护人不得兼任{role_zh} / the watcher cannot also be the "
                               f"{field.rstrip('s').replace('_', ' ')}", "watcher_busy")


def at_night(permit: Permit) -> bool:
    """Whether any part of the planned window falls in the plant's night (site time)."""
    session = object_session(permit)
    site = session.get(Site, permit.site_code) if session is not None else None
    return overlaps_night(permit.planned_start, permit.planned_end,
                          site.timezone if site is not None else DEFAULT_PLANT_TZ)


def related_of_type(session: Session, permit: Permit, permit_type: str,
                    statuses: Iterable[str] = STANDING) -> list[Permit]:
    """Permits named in ``related_permits`` (by number, same site) of ``permit_type``."""
    numbers = [n.strip() for n in permit.related_permits or [] if n and n.strip()]
    if not numbers:
        return []
    return list(session.execute(select(Permit).where(
        Permit.number.in_(numbers), Permit.site_code == permit.site_code,
        Permit.type == permit_type, Permit.status.in_(tuple(statuses)))).scalars())
