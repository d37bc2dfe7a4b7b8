"""``credentials.check``: every named worker and the watcher must be qualified.

A failing check refuses the application: the response names each person, certificate and
rule; nothing is stored.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from engine import Refusal, ServiceContext
from processes import certificates, permits
from processes.models import Site
from processes.types import rules_for


def check(ctx: ServiceContext, permit_id: int, grade: str | None = None) -> dict[str, Any]:
    permit = permits.get(ctx.session, permit_id)
    site = ctx.session.get(Site, permit.site_code)
    today = ctx.now.astimezone(ZoneInfo(site.timezone if site else "Asia/Shanghai")).date()
    errors: dict[str, list[str]] = {}
    details: list[dict[str, Any]] = []
    workers = permit.worker_links if rules_for(permit.type).workers_need_certificate else []
    for i, link in enumerate(workers):
        for problem in certificates.check_person(link.person, permit_type=permit.type,
                                                 role="worker", grade=grade, today=today):
            errors.setdefault(f"workers.{i}", []).append(problem["message"])
            details.append(problem)
    for problem in certificates.check_person(permit.watcher, permit_type=permit.type,
                                             role="watcher", grade=grade, today=today):
        errors.setdefault("watcher", []).append(problem["message"])
        details.append(problem)
    if errors:
        raise Refusal(errors, code="credentials_refused", details=details)
    checked = [*(w.person_id for w in workers), permit.watcher_id]
    return {"ok": True, "checked": checked, "on": today.isoformat()}


OPERATORS = {"credentials.check": check}
