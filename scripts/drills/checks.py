"""What a drill measures, read from the database, the sink and the CLI.

*Lost*: a ``notify.send`` job whose notification never appeared, or a WeChat Work delivery
whose key never reached the sink. *Duplicated*: one job that made two notifications, one
notification that fanned out twice, or a delivery that reached the sink under two keys —
anything a person would see twice. A key arriving again is a recognised *repeat* (the
receiver drops it), counted apart. *Late*: the longest wait from a notification being made
to its first arrival at the sink (or, for timers, from due to fired).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from harness import Plant, bench
from sqlalchemy import create_engine, text


@dataclass
class Mark:
    """Where a scenario starts: rows after these ids are its own."""

    outbox: int
    notification: int
    delivery: int


@dataclass
class Row:
    scenario: str
    requests: int = 0
    errors_5xx: str = "0"
    lost: int = 0
    duplicated: int = 0
    repeats: int = 0
    late_max_s: float | None = None
    audit: str = "?"
    consistency: str = "?"
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.errors_5xx.split(" ")[0] == "0" or "(0 from 2 s)" in self.errors_5xx) \
            and self.lost == 0 and self.duplicated == 0 and self.audit == "ok" \
            and self.consistency == "ok"


class Db:
    def __init__(self, plant: Plant):
        self.engine = create_engine(bench.sqlalchemy_url(plant.url), pool_pre_ping=True)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def execute(self, sql: str, **params: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(sql), params)

    def mark(self) -> Mark:
        return Mark(self.scalar("SELECT coalesce(max(id), 0) FROM engine_outbox"),
                    self.scalar("SELECT coalesce(max(id), 0) FROM notification"),
                    self.scalar("SELECT coalesce(max(id), 0) FROM notification_delivery"))

    def enqueue_notifications(self, n: int, tag: str) -> None:
        """What a burst of permit events does: ``n`` info notices for the team leaders."""
        with self.engine.begin() as conn:
            for i in range(n):
                conn.execute(text(
                    "INSERT INTO engine_outbox (actor, queue, payload, created_at, available_at,"
                    " attempts, send_failures) VALUES ('notify.send', 'default', "
                    "CAST(:payload AS jsonb), now(), now(), 0, 0)"),
                    {"payload": '{"kind": "drill", "role": "team_leader", "severity": "info",'
                                f' "site_code": "SH", "title": "drill {tag} #{i}"}}'})

    def open_work(self, mark: Mark) -> tuple[int, int]:
        """(outbox rows not yet acknowledged nor given up, deliveries not yet settled)."""
        jobs = self.scalar("SELECT count(*) FROM engine_outbox WHERE id > :m AND "
                           "acked_at IS NULL AND dead_at IS NULL", m=mark.outbox)
        deliveries = self.scalar(
            "SELECT count(*) FROM notification_delivery WHERE id > :m AND status IN "
            "('pending', 'sending', 'failed')", m=mark.delivery)
        return jobs, deliveries

    def settle(self, mark: Mark, timeout: float) -> float:
        """Wait until every job and delivery of the scenario has finished; seconds waited."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.open_work(mark) == (0, 0):
                break
            time.sleep(0.5)
        return time.monotonic() - t0

    def dispose(self) -> None:
        self.engine.dispose()


def notification_counts(db: Db, plant: Plant, mark: Mark, row: Row) -> None:
    jobs_without_note = db.scalar(
        "SELECT count(*) FROM engine_outbox o WHERE o.id > :m AND o.actor = 'notify.send' "
        "AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.message_id = o.id)",
        m=mark.outbox)
    fanned_twice = db.scalar(
        "SELECT count(*) FROM (SELECT notification_id FROM notification_delivery "
        "WHERE id > :m AND channel = 'wecom' GROUP BY notification_id HAVING count(*) > 1) x",
        m=mark.delivery)
    deliveries = db.rows(
        "SELECT d.id, d.status, n.created_at FROM notification_delivery d JOIN notification n "
        "ON n.id = d.notification_id WHERE d.id > :m AND d.channel = 'wecom'", m=mark.delivery)
    received = plant.sink.snapshot()
    lost_deliveries, late, repeats = 0, 0.0, 0
    for delivery_id, status, created_at in deliveries:
        arrivals = received.get(f"permitflow:delivery:{delivery_id}")
        if not arrivals:
            lost_deliveries += 1
            row.notes.append(f"delivery {delivery_id} never arrived ({status})")
            continue
        repeats += len(arrivals) - 1
        late = max(late, min(arrivals) - created_at.timestamp())
    unknown_keys = [k for k in received if not k.startswith("permitflow:delivery:")]
    row.lost += jobs_without_note + lost_deliveries
    row.duplicated += fanned_twice + len(unknown_keys)
    row.repeats += repeats
    row.late_max_s = round(max(late, row.late_max_s or 0.0), 1) if deliveries else \
        row.late_max_s
    if jobs_without_note:
        row.notes.append(f"{jobs_without_note} notify.send jobs made no notification")
    if not deliveries:
        row.notes.append("no WeChat Work delivery in this scenario")


def audit_and_consistency(plant: Plant, row: Row) -> None:
    done = plant.cli("audit", "verify", timeout=300)
    row.audit = "ok" if done.returncode == 0 else "BROKEN"
    if done.returncode:
        row.notes.append((done.stdout + done.stderr).strip().splitlines()[-1][:200])
    done = plant.cli("audit", "tasks", timeout=300)
    row.consistency = "ok" if done.returncode == 0 else "MISMATCH"
    if done.returncode:
        row.notes.extend(line[:200] for line in (done.stderr or done.stdout).splitlines()[:5])


def render(rows: list[Row]) -> str:
    head = ("scenario", "requests", "5xx", "lost", "duplicated", "repeats (same key)",
            "late max s", "audit verify", "consistency")
    table = [head] + [(r.scenario, str(r.requests), r.errors_5xx, str(r.lost),
                       str(r.duplicated), str(r.repeats),
                       "–" if r.late_max_s is None else f"{r.late_max_s:.1f}", r.audit,
                       r.consistency) for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(head))]
    out = [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in table]
    out.insert(1, "-+-".join("-" * w for w in widths))
    for r in rows:
        for note in r.notes[:8]:
            out.append(f"  {r.scenario}: {' '.join(note.split())[:240]}")
    return "\n".join(out)
