"""Report jobs: the quarterly PDF and the regulator push, run from the outbox.

Each job is tracked by a ``ReportJob`` row; progress is committed as it goes so the page
can show it. Delivery is at-least-once: a job whose row is already ``done`` does nothing.
A push that the regulator's endpoint refuses raises, and dramatiq retries it with back-off.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from engine import clock
from processes.analytics import export, quarter, report, snapshots
from processes.models import ReportJob

log = logging.getLogger(__name__)


def _job(session: Session, payload: dict[str, Any]) -> ReportJob | None:
    job = session.get(ReportJob, payload["job_id"])
    if job is None or job.status == "done":
        return None  # unknown or a redelivery of finished work
    job.status, job.attempts, job.error = "running", job.attempts + 1, None
    session.commit()
    return job


def report_folder() -> Path:
    return Path(current_app.config.get("REPORT_FOLDER")
                or Path(current_app.instance_path) / "reports")


def plant_name() -> str:
    return str(current_app.config.get("PLANT_NAME") or "permitflow")


def quarterly(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """Build the quarterly PDF for the job's (year, quarter, site)."""
    job = _job(session, payload)
    if job is None:
        return

    def progress(pct: int, stage: str) -> None:
        job.progress, job.stage = pct, stage
        session.commit()

    try:
        progress(5, "snapshots")
        snapshots.refresh(session)
        p = job.params
        tz = current_app.config.get("PLANT_TIMEZONE", "Asia/Shanghai")
        data = quarter.gather(session, p["year"], p["quarter"], site=p.get("site"), tz=tz,
                              today=clock.now().date(), progress=progress)
        site = f"-{p['site']}" if p.get("site") else ""
        path = report_folder() / f"quarterly-{p['year']}-Q{p['quarter']}{site}-{job.id}.pdf"
        report.render_pdf(data, path, plant=plant_name(), generated_at=clock.now(),
                          progress=progress)
        job.result_path, job.result = str(path), {"empty": data["empty"],
                                                  "findings": data["findings"]}
        job.status, job.progress, job.stage = "done", 100, "done"
        job.finished_at = clock.now()
    except Exception as exc:
        session.rollback()
        job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        session.commit()
        raise


def signing_key() -> tuple[bytes, str]:
    """The configured key, or one derived from the secret key (then tell the regulator)."""
    key = current_app.config.get("REGULATOR_KEY")
    if key:
        return str(key).encode(), str(current_app.config.get("REGULATOR_KEY_ID") or "plant")
    import hashlib
    import hmac

    derived = hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"regulator-export",
                       hashlib.sha256).digest()
    return derived, "derived-from-secret"


def signed_export(session: Session, year: int, q: int, site: str | None) -> dict[str, Any]:
    snapshots.refresh(session)
    tz = current_app.config.get("PLANT_TIMEZONE", "Asia/Shanghai")
    document = export.build(session, year, q, site=site, tz=tz, today=clock.now().date(),
                            plant=plant_name(), generated_at=clock.now())
    key, key_id = signing_key()
    return export.sign(document, key, key_id)


def regulator_push(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """POST the signed export to REGULATOR_URL; raise on failure so dramatiq retries."""
    job = _job(session, payload)
    if job is None:
        return
    url = current_app.config.get("REGULATOR_URL")
    try:
        if not url:
            raise RuntimeError("REGULATOR_URL is not configured")
        p = job.params
        envelope = signed_export(session, p["year"], p["quarter"], p.get("site"))
        body = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": f"permitflow-export-{job.id}",
            "X-Signature": f"{envelope['signature']['algorithm']}="
                           f"{envelope['signature']['value']}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
        job.result = {"http_status": status, "permits": len(envelope["document"]["permits"]),
                      "signature": envelope["signature"]["value"]}
        job.status, job.progress, job.stage = "done", 100, "pushed"
        job.finished_at = clock.now()
    except (urllib.error.URLError, OSError, RuntimeError) as exc:
        session.rollback()
        job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        session.commit()
        raise


JOBS = {
    "reports.quarterly": quarterly,
    "reports.regulator_push": regulator_push,
}
