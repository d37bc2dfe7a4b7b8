"""The project's own drills (issue #12): the plant under load, races, timers, a worker killed
with ``kill -9`` mid-send, Redis restarted empty, PostgreSQL connections cut.

Runs ``permitflow serve`` + two ``permitflow worker`` processes against a PostgreSQL database
it creates (``pf_outbox_drill``) and a redis-server it starts on a free port without
persistence (never the machine's shared one), with a local HTTP sink as the WeChat Work
robot. Prints one table row per scenario: requests, 5xx, lost, duplicated, repeats (a
delivery the sink received again under its idempotency key and dropped), late (max
seconds), ``permitflow audit verify`` and the task consistency check. Exit 1 if any row
fails the acceptance (0 5xx — for the connection cut: from 2 s after it —, 0 lost, 0
duplicated, audit and consistency ok).

Usage (repository root, venv active)::

    python scripts/drills/run.py            # full: 8 clients × 60 s, 40 timers, … (~10 min)
    python scripts/drills/run.py --short    # CI: a few permits and alerts each (~3 min)
    python scripts/drills/run.py --only redis,kill
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
REPO = _HERE.parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(1, str(REPO))

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import scenarios  # noqa: E402
from checks import Db, Row, render  # noqa: E402
from harness import Plant  # noqa: E402

SCENARIOS = ("load", "races", "kill", "redis", "postgres")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--short", action="store_true", help="the CI version: small and quick")
    p.add_argument("--pg-base", default="postgresql://postgres@127.0.0.1:5432")
    p.add_argument("--db", default="pf_outbox_drill", help="database name (pf_outbox*)")
    p.add_argument("--only", default=",".join(SCENARIOS),
                   help=f"comma-separated subset of {', '.join(SCENARIOS)}")
    p.add_argument("--keep", action="store_true", help="keep the database and the logs")
    p.add_argument("--json", type=Path, help="also write the rows here")
    return p.parse_args(argv)


def run(args: argparse.Namespace) -> list[Row]:
    short = args.short
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenarios: {', '.join(sorted(unknown))}")
    ack = 8.0 if short else 15.0
    stale = 8.0 if short else 20.0
    settle = 90.0 if short else 180.0
    tmp = Path(tempfile.mkdtemp(prefix="pf_drill_"))
    plant = Plant(tmp, args.pg_base, args.db, ack_seconds=ack, stale_seconds=stale)
    rows: list[Row] = []
    t0 = time.monotonic()
    try:
        plant.setup()
        print(f"plant up in {time.monotonic() - t0:.0f} s (logs in {tmp})", flush=True)
        db = Db(plant)
        plan = {
            "load": lambda: [scenarios.load(plant, db, clients=4 if short else 8,
                                            seconds=8 if short else 60, settle_s=settle)],
            "races": lambda: scenarios.races_and_timers(plant, db, permits=6 if short else 40,
                                                        settle_s=settle),
            "kill": lambda: [scenarios.kill_worker(plant, db, notices=16 if short else 60,
                                                   settle_s=settle)],
            "redis": lambda: [scenarios.lose_redis(plant, db, notices=40 if short else 120,
                                                   settle_s=settle)],
            "postgres": lambda: [scenarios.cut_postgres(plant, db, clients=4 if short else 8,
                                                        seconds=9 if short else 30,
                                                        settle_s=settle)],
        }
        for name in SCENARIOS:
            if name not in only:
                continue
            started = time.monotonic()
            try:
                new = plan[name]()
            except Exception as exc:
                failed = Row(name, errors_5xx="n/a", audit="n/a", consistency="n/a")
                failed.notes.append(f"drill crashed: {type(exc).__name__}: {exc}")
                traceback.print_exc()
                new = [failed]
            for row in new:
                print(f"{row.scenario}: {time.monotonic() - started:.0f} s, "
                      f"{'ok' if row.ok else 'FAILED'}", flush=True)
            rows.extend(new)
        db.dispose()
        if plant.server is not None:
            lines = plant.server.error_lines(12)
            print("server errors logged:" if lines else "server logged no errors", flush=True)
            for line in lines:
                print(f"  {line}", flush=True)
    finally:
        plant.stop()
        if not args.keep:
            plant.drop_database()
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"drills took {time.monotonic() - t0:.0f} s", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows = run(args)
    print(render(rows))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ | {"ok": r.ok} for r in rows],
                                        ensure_ascii=False, indent=1, default=str))
    return 0 if rows and all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
