"""The drills: load, races, timers, a worker killed mid-send, Redis lost, PostgreSQL cut.

Each returns rows for the table (``checks.Row``) after letting the plant settle and running
``permitflow audit verify`` and ``permitflow audit tasks``.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from checks import Db, Row, audit_and_consistency, notification_counts
from harness import Plant, bench

ROLES = ("applicant", "watcher", "unit_approver", "safety_dept", "plant_leader")


class Client(bench.Client):
    """The benchmark's API client, keeping (wall time, status) of every response, and the
    failures that never got one (connection refused or reset)."""

    def __init__(self, port: int, tokens: dict[str, str], log: list[tuple[float, int]]):
        super().__init__(port, tokens, [], timeout=60)
        self.log = log

    def call(self, method: str, path: str, endpoint: str, **kwargs: Any) -> tuple[int, Any]:
        try:
            status, data = super().call(method, path, endpoint, **kwargs)
        except OSError:
            self.log.append((time.time(), 599))  # no answer at all: counted with the 5xx
            raise
        self.log.append((time.time(), status))
        return status, data


def tokens(plant: Plant) -> dict[str, str]:
    login = bench.Client(plant.server.port, {}, [])
    try:
        return {role: login.expect(200, "POST", "/api/v1/auth/token", "POST /auth/token",
                                   json_body={"username": role, "password": "demo"})["token"]
                for role in ROLES}
    finally:
        login.close()


def apply(client: Client, ids: dict[str, Any], *, start: datetime, end: datetime) -> dict:
    application = {
        "type": bench.PROCESS_KEY, "site": ids["site"], "area_code": bench.AREA_CODE,
        "location": {"lat": ids["lat"], "lon": ids["lon"]}, "description": bench.DESCRIPTION,
        "planned_start": start.isoformat(), "planned_end": end.isoformat(),
        "workers": [ids["worker"]], "watcher": ids["people"]["watcher"],
        "fields": {"method": "gas_cutting", "outdoor": False, "wind_force": 0}}
    return client.expect(201, "POST", "/api/v1/permits", "POST /permits", role="applicant",
                         json_body=application)


def drive_to(client: Client, ids: dict[str, Any], detail: dict, until: str) -> dict:
    """Complete the permit's tasks as their lanes until ``until`` is open (and return)."""
    for _ in range(bench.MAX_STEPS):
        open_tasks = detail.get("open_tasks") or []
        if not open_tasks or open_tasks[0]["bpmn_id"] == until:
            return detail
        bpmn_id, lane = open_tasks[0]["bpmn_id"], open_tasks[0]["lane"]
        photo = ""
        if bpmn_id in ("gas_test", "gas_retest"):
            photo = client.upload_photo("applicant", bench.PNG + uuid.uuid4().bytes)
        data = bench.task_data(bpmn_id, applicant_id=ids["people"]["applicant"],
                               now=datetime.now(UTC), photo=photo)
        detail = client.expect(200, "POST", f"/api/v1/tasks/{open_tasks[0]['id']}/complete",
                               "complete", role=lane, json_body={"data": data})
    raise bench.HttpError(f"permit {detail.get('id')} never reached {until}")


def run_threads(n: int, target: Callable[[int], None]) -> None:
    pool = [threading.Thread(target=target, args=(k,), daemon=True) for k in range(n)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=600)


def lifecycles(plant: Plant, ids: dict[str, Any], toks: dict[str, str], *, clients: int,
               seconds: float, log: list[tuple[float, int]], errors: list[str]) -> int:
    """``clients`` threads running whole permits until ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    done = [0]
    lock = threading.Lock()

    def one(k: int) -> None:
        client = Client(plant.server.port, toks, log)
        try:
            while time.monotonic() < deadline:
                try:
                    client.lifecycle(ids, f"drill-{k}-{uuid.uuid4().hex[:6]}")
                    with lock:
                        done[0] += 1
                except Exception as exc:  # recorded; the client goes on like a user would
                    with lock:
                        errors.append(f"{type(exc).__name__}: {str(exc)[:160]}")
                    time.sleep(0.2)
        finally:
            client.close()

    run_threads(clients, one)
    return done[0]


def finish(plant: Plant, db: Db, row: Row, mark: Any, settle_s: float) -> Row:
    waited = db.settle(mark, settle_s)
    jobs, deliveries = db.open_work(mark)
    if jobs or deliveries:
        row.notes.append(f"still open after {waited:.0f} s: {jobs} jobs, {deliveries} deliveries")
    notification_counts(db, plant, mark, row)
    audit_and_consistency(plant, row)
    return row


def five_xx(log: list[tuple[float, int]], since: float = 0.0) -> int:
    return sum(1 for at, status in log if status >= 500 and at >= since)


# -- scenarios -----------------------------------------------------------------------------
def load(plant: Plant, db: Db, *, clients: int, seconds: float, settle_s: float) -> Row:
    ids, toks = plant.ids(), tokens(plant)
    mark, log, errors = db.mark(), [], []
    n = lifecycles(plant, ids, toks, clients=clients, seconds=seconds, log=log, errors=errors)
    row = Row(f"load {clients}×{seconds:.0f}s", requests=len(log), errors_5xx=str(five_xx(log)))
    row.notes.append(f"{n} permits closed; {len(errors)} client errors")
    row.notes.extend(errors[:3])
    return finish(plant, db, row, mark, settle_s)


def races_and_timers(plant: Plant, db: Db, *, permits: int, settle_s: float) -> list[Row]:
    """``permits`` permits brought to ``work`` with the same planned end T (whole second):
    at T both workers' tickers fire every validity timer at once; on half of the permits
    two completes and a cancel arrive at the same moment as the expiry."""
    ids, toks = plant.ids(), tokens(plant)
    mark = db.mark()
    lead = 12 + 2.5 * permits
    due = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
    log: list[tuple[float, int]] = []
    errors: list[str] = []
    details: list[dict] = []
    lock = threading.Lock()

    def prepare(k: int) -> None:
        client = Client(plant.server.port, toks, log)
        try:
            for i in range(k, permits, 4):
                try:
                    d = apply(client, ids, start=datetime.now(UTC) - timedelta(minutes=5),
                              end=due)
                    d = drive_to(client, ids, d, "work")
                    with lock:
                        details.append(d)
                except Exception as exc:
                    with lock:
                        errors.append(f"prepare {i}: {type(exc).__name__}: {str(exc)[:160]}")
        finally:
            client.close()

    run_threads(min(4, permits), prepare)
    at_work = [d for d in details if (d.get("open_tasks") or [{}])[0].get("bpmn_id") == "work"]
    late_start = datetime.now(UTC) > due
    raced, alone = at_work[: len(at_work) // 2], at_work[len(at_work) // 2:]
    race_log: list[tuple[float, int]] = []
    outcomes: dict[int, list[int]] = {}

    def race(k: int) -> None:
        d = raced[k // 3]
        client = Client(plant.server.port, toks, race_log)
        try:
            pause = (due - datetime.now(UTC)).total_seconds() + random.uniform(-0.3, 1.2)
            time.sleep(max(0.0, pause))
            if k % 3 == 2:
                status, _ = client.call("POST", f"/api/v1/permits/{d['id']}/cancel", "cancel",
                                        role="applicant", json_body={"reason": "演练 drill"})
            else:
                status, _ = client.call(
                    "POST", f"/api/v1/tasks/{d['open_tasks'][0]['id']}/complete", "complete",
                    role=d["open_tasks"][0]["lane"], json_body={"data": {"finished": True}})
            with lock:
                outcomes.setdefault(d["id"], []).append((k % 3 == 2, status))
        except Exception as exc:
            with lock:
                errors.append(f"race: {type(exc).__name__}: {str(exc)[:160]}")
        finally:
            client.close()

    run_threads(3 * len(raced), race)
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 3)
    race_row = Row(f"races ({len(raced)} permits × 2 completes + cancel + expiry)",
                   requests=len(race_log), errors_5xx=str(five_xx(race_log)))
    # the same task completed twice is the race lost; complete-then-cancel is legitimate
    # (the work was done, the permit cancelled before its close-out)
    double = [p for p, v in outcomes.items()
              if sum(1 for cancel, s in v if not cancel and s < 300) > 1]
    race_row.duplicated = len(double)
    race_row.notes.append(
        f"answers {sorted({s for v in outcomes.values() for _, s in v})}; task completed "
        f"twice: {double[:5]}; cancel won on "
        f"{sum(1 for v in outcomes.values() if any(c and s < 300 for c, s in v))}")
    race_row.notes.extend(errors[:4])
    timer_row = Row(f"timers ({len(alone)} due in one second, 2 tickers)",
                    requests=len(log), errors_5xx=str(five_xx(log)))
    if late_start:
        timer_row.notes.append("preparing took longer than the lead: timers were due early")
    instance_ids = {d["process"]["instance_id"]: d["id"] for d in alone}
    fired = db.rows(
        "SELECT instance_id, count(*), max(at) FROM engine_audit_event "
        "WHERE action = 'service.completed' AND data->>'task' = 'expire' "
        "AND instance_id = ANY(:ids) GROUP BY instance_id", ids=list(instance_ids))
    counts = {i: (c, at) for i, c, at in fired}
    not_fired = [i for i in instance_ids if i not in counts]
    twice = [i for i, (c, _) in counts.items() if c > 1]
    timer_row.lost, timer_row.duplicated = len(not_fired), len(twice)
    if counts:
        timer_row.late_max_s = round(max((at - due).total_seconds()
                                         for _, at in counts.values()), 1)
    timer_row.notes.append(f"{len(counts)} of {len(instance_ids)} expiries fired; "
                           f"not fired {not_fired[:5]}, twice {twice[:5]}")
    finish(plant, db, race_row, mark, settle_s)  # notifications of both halves: race row
    timer_row.audit, timer_row.consistency = race_row.audit, race_row.consistency
    return [race_row, timer_row]


def kill_worker(plant: Plant, db: Db, *, notices: int, settle_s: float) -> Row:
    """A burst of alerts with a slow robot; ``kill -9`` of a worker while it is sending."""
    mark = db.mark()
    plant.sink.delay = 0.4
    db.enqueue_notifications(notices, f"kill-{uuid.uuid4().hex[:6]}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and plant.sink.in_flight < 2:
        time.sleep(0.05)
    victim = plant.workers[0]
    in_flight = plant.sink.in_flight
    victim.kill9()
    row = Row(f"kill -9 worker mid-send ({notices} alerts)")
    row.notes.append(f"killed worker pid {victim.pid} with {in_flight} sends in flight")
    time.sleep(2)
    plant.workers[0] = plant.start_worker()  # what systemd / the supervisor does
    finish(plant, db, row, mark, settle_s)
    plant.sink.delay = 0.0
    return row


def lose_redis(plant: Plant, db: Db, *, notices: int, settle_s: float) -> Row:
    """Redis (no persistence) stopped with messages queued, restarted empty."""
    mark = db.mark()
    plant.sink.delay = 0.5  # the robot is slow: the alerts pile up in Redis
    before = len(plant.sink.snapshot())
    db.enqueue_notifications(notices, f"redis-{uuid.uuid4().hex[:6]}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(plant.sink.snapshot()) < before + 4:
        time.sleep(0.05)
    queued = db.scalar("SELECT count(*) FROM engine_outbox WHERE id > :m AND sent_at IS NOT NULL"
                       " AND acked_at IS NULL", m=mark.outbox)
    plant.stop_redis()
    time.sleep(3)
    plant.start_redis()
    row = Row(f"redis restarted empty ({notices} alerts)")
    row.notes.append(f"{queued} jobs handed to Redis and unfinished when it stopped")
    finish(plant, db, row, mark, settle_s)
    plant.sink.delay = 0.0
    return row


def cut_postgres(plant: Plant, db: Db, *, clients: int, seconds: float,
                 settle_s: float) -> Row:
    """Every PostgreSQL backend of the plant terminated a third of the way into a load."""
    ids, toks = plant.ids(), tokens(plant)
    mark, log, errors = db.mark(), [], []
    cut_at: list[float] = []

    def cutter() -> None:
        time.sleep(seconds / 3)
        cut_at.append(time.time())
        cut_at.append(plant.terminate_backends())

    threading.Thread(target=cutter, daemon=True).start()
    n = lifecycles(plant, ids, toks, clients=clients, seconds=seconds, log=log, errors=errors)
    since = cut_at[0] + 2 if cut_at else 0.0
    late_fail = [(at, s) for at, s in log if at >= since and s >= 500]
    row = Row(f"postgres backends cut ({clients}×{seconds:.0f}s)", requests=len(log),
              errors_5xx=f"{five_xx(log)} ({len(late_fail)} from 2 s)")
    if cut_at:
        row.notes.append(f"{cut_at[1]} backends terminated; {n} permits closed; "
                         f"{len(errors)} client errors")
    row.notes.extend(errors[:3])
    return finish(plant, db, row, mark, settle_s)
