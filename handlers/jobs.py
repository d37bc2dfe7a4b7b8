"""Background work: outbox jobs, and the periodic tick that fires timers, retries
incidents, enqueues the daily jobs (once per plant-local day) and relays the outbox.

Each timer firing or retry is its own transaction, so one broken instance cannot hold up
the others, and each part of the pass runs even when an earlier one failed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy.orm import Session

from engine import (
    Engine,
    OutboxMessage,
    clock,
    conflicts,
    db,
    idempotency,
    outbox,
    schedule,
)
from processes import alerts, authenticity, notifications, permits, suspensions
from processes.models import Certificate

from . import linked, reports, supervision, verification
from . import notify as channels
from .broker import Jobs

log = logging.getLogger(__name__)


def notify_incident(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    permit = permits.for_instance(session, payload["instance_id"])
    notifications.record(
        session, message_id=message_id, kind="incident", role="admin", severity="high",
        title=f"服务任务失败 / Service task failed: {payload.get('task')}",
        body=payload.get("error"), permit_id=permit.id if permit else None,
        site_code=permit.site_code if permit else None)


def notify(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """A generic notification addressed to a role or a person (in-app, then its channels)."""
    note = notifications.record(
        session, message_id=message_id, kind=payload.get("kind", "info"),
        title=payload["title"], body=payload.get("body"), role=payload.get("role"),
        person_id=payload.get("person_id"), site_code=payload.get("site_code"),
        severity=payload.get("severity", "info"), permit_id=payload.get("permit_id"),
        data=payload.get("data") or {})
    channels.fan_out(session, note)


def certificates_daily(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """Once a day: recompute every certificate's status and alerts (notifying holders,
    team leaders and the safety department), then suspend live permits whose crew lost
    their only valid certificate, and lift those whose crew is qualified again."""
    if not outbox.claim(session, message_id, "certificates.daily", now=clock.now()):
        return
    day = date.fromisoformat(payload["day"])
    counted = alerts.recompute_all(session, day)
    scanned = suspensions.scan(session, day, warn=True)
    log.info("certificates %s: %s alerts opened, %s resolved; %s permits suspended, %s lifted",
             day, counted.opened, counted.resolved, scanned.suspended, scanned.lifted)


def certificates_verify(session: Session, message_id: int, payload: dict[str, Any]) -> None:
    """Ask the national register about one certificate (see handlers/verification.py)."""
    cert = session.get(Certificate, payload["certificate_id"])
    if cert is None:
        return
    client = verification.client_for(current_app.config)
    hours = float(current_app.config.get("CERT_LOOKUP_CACHE_HOURS") or 24)
    authenticity.verify(session, cert, client.lookup if client else None,
                        max_age=timedelta(hours=hours), force=bool(payload.get("force")))


JOBS = {
    "engine.incident": notify_incident,
    "notify.send": notify,
    **supervision.JOBS,
    **channels.JOBS,
    **linked.JOBS,
    "certificates.daily": certificates_daily,
    "certificates.verify": certificates_verify,
    **reports.JOBS,
}

#: jobs the tick enqueues once per plant-local day
DAILY = ("certificates.daily", supervision.PURGE_JOB)


def enqueue_daily(session: Session, now: datetime, tz: str) -> list[str]:
    """Enqueue each daily job once for today (whichever worker ticks first wins)."""
    day = now.astimezone(ZoneInfo(tz)).date().isoformat()
    enqueued = []
    for name in DAILY:
        if schedule.claim(session, name, day, now=now):
            outbox.enqueue(session, name, {"day": day}, now=now)
            enqueued.append(name)
    session.commit()
    return enqueued


def declare_jobs(jobs: Jobs) -> None:
    for name, func in JOBS.items():
        jobs.declare(name, func)


@dataclass
class TickResult:
    timers: int = 0
    retries: int = 0
    suspended: int = 0
    sent: int = 0
    failed: int = 0
    daily: int = 0
    resent: int = 0
    #: parts of the pass (or single timers and retries) that failed; each was logged
    errors: int = 0


def _part(session: Session, result: TickResult, name: str, run: Callable[[], Any]) -> Any:
    """One part of the pass; its failure is logged and rolled back, the others still run."""
    try:
        return run()
    except Exception:
        session.rollback()
        result.errors += 1
        log.exception("tick: %s failed", name)
        return None


def report_dead_job(session: Session, message: OutboxMessage) -> None:
    """A job the relay gave up on becomes a high-severity notice for the admins."""
    log.error("outbox %s (%s) given up: %s", message.id, message.actor, message.last_error)
    notifications.record(
        session, message_id=None, kind="outbox.dead", role="admin", severity="high",
        title=f"后台作业多次未完成，已停止重试 / Background job gave up after "
              f"{message.attempts} attempts: {message.actor} (#{message.id})",
        body=message.last_error, data={"outbox_id": message.id, "actor": message.actor})


def tick(app: Flask, engine: Engine, jobs: Jobs) -> TickResult:
    """One pass of periodic work; safe to run from several workers at once.

    Timers and retries are claimed one by one (``engine/schedule.py``), so two workers never
    fire the same one; a failing timer, sweep or relay is logged and the rest goes on.
    """
    result = TickResult()
    with app.app_context():
        session = db.session
        try:
            timers = _part(session, result, "timers",
                           lambda: schedule.fire_due_timers(session, engine))
            if timers is not None:
                result.timers = timers.done
                result.errors += len(timers.failed)
            retries = _part(session, result, "incident retries",
                            lambda: schedule.retry_due_incidents(session, engine))
            if retries is not None:
                result.retries = retries.done
                result.errors += len(retries.failed)
            zone = app.config.get("PLANT_TIMEZONE", "Asia/Shanghai")
            result.daily = len(_part(session, result, "daily jobs",
                                     lambda: enqueue_daily(session, clock.now(), zone)) or [])
            result.suspended = _part(session, result, "absent watchers", lambda: _commit(
                session, supervision.suspend_absent(session, engine))) or 0
            _part(session, result, "notification sweep",
                  lambda: _commit(session, channels.sweep(session)))
            keep = timedelta(hours=float(app.config.get("IDEMPOTENCY_HOURS") or 24))
            _part(session, result, "expired idempotency keys", lambda: _commit(
                session, idempotency.purge(session, before=clock.now() - keep)))
            relayed = _part(session, result, "outbox relay", lambda: outbox.relay(
                session, jobs.send, now=clock.now(),
                ack_timeout=timedelta(seconds=float(app.config.get("OUTBOX_ACK_SECONDS")
                                                    or outbox.ACK_TIMEOUT.total_seconds())),
                max_attempts=int(app.config.get("OUTBOX_MAX_ATTEMPTS") or outbox.MAX_ATTEMPTS),
                on_dead=lambda message: report_dead_job(session, message)))
            if relayed is not None:
                result.sent, result.failed = relayed.sent, relayed.failed
                result.resent = relayed.resent
        finally:
            session.rollback()
            db.session.remove()
    return result


def _commit(session: Session, value: Any) -> Any:
    conflicts.commit(session)
    return value


class Ticker(threading.Thread):
    """Runs :func:`tick` every few seconds until stopped."""

    def __init__(self, app: Flask, engine: Engine, jobs: Jobs, every: float):
        super().__init__(name="permitflow-ticker", daemon=True)
        self.app, self.engine, self.jobs, self.every = app, engine, jobs, every
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                tick(self.app, self.engine, self.jobs)
            except Exception:  # keep ticking; the next pass retries
                log.exception("tick failed")
            self.stopping.wait(self.every)

    def stop(self) -> None:
        self.stopping.set()
