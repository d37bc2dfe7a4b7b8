"""Benchmark the analytics queries over a generated plant history (default 1,000,000 jobs).

A deterministic generator (``--seed``) builds three sites with 45 areas and 12 contractor
firms, then N historical jobs over three years with realistic skew: busy day shifts and
quiet weekends, a few areas and work types taking most of the work, compliance and
on-time closing improving over time, incidents at ~1 % with higher rates for confined
space and hot work — and the customer's hot spot: hot work in tank area B-3 on Fridays
15–16 h at three times the rate. Rows are bulk-loaded (COPY on PostgreSQL, executemany
on SQLite); then each query is timed (median of ``--repeat`` runs after a warm-up) and a
table is printed. The acceptance targets (issue 7) are 300 ms for the heatmap and for
compliance by month over 1 M jobs on PostgreSQL.

Usage (from the repository root)::

    python scripts/bench/analytics.py                    # 1 M jobs, SQLite and PostgreSQL
    python scripts/bench/analytics.py --jobs 100000      # quicker
    python scripts/bench/analytics.py --databases postgresql --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/

The PostgreSQL database is ``pf_bench_analytics`` (dropped and re-created; dropped after
unless ``--keep-db``); SQLite uses a temporary file.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
REPO = _HERE.parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

DB_NAME = "pf_bench_analytics"
TYPES = ["hot_work", "confined_space", "blind_plate", "work_at_height", "lifting",
         "temporary_power", "excavation", "road_closure"]
TYPE_SHARE = [0.34, 0.10, 0.09, 0.20, 0.08, 0.11, 0.06, 0.02]
TYPE_RISK = [1.5, 2.2, 0.8, 1.2, 1.0, 0.9, 0.8, 0.6]
#: mandatory nodes per type (the bench's stand-in for each BPMN's path)
NODES = {"hot_work": ["safety_measures", "gas_test", "approve_1", "approve_2",
                      "watcher_sign_in", "gas_retest", "close"],
         "confined_space": ["safety_measures", "gas_test", "ventilation", "watcher_sign_in",
                            "entry_log", "lighting_check", "comms_test", "rescue_drill",
                            "close"]}
DEFAULT_NODES = ["safety_measures", "approve_1", "watcher_sign_in", "work", "close"]
HOURS = np.array([1, 1, 1, 1, 1, 2, 4, 10, 16, 18, 17, 12, 8, 14, 17, 16, 13, 9, 5, 4, 3, 2,
                  1, 1], dtype=float)
WEEKDAYS = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.45, 0.3])
START = date(2023, 7, 1)
DAYS = 3 * 365
TZ_OFFSET_H = 8  # every bench site is in Asia/Shanghai (no DST)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- set-up


def make_app(url: str) -> Any:
    from web import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "REDIS_URL": None})


def fresh_database(kind: str, pg_url: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench-analytics.sqlite'}"
    admin = create_engine(pg_url.rstrip("/") + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {DB_NAME}"))
    admin.dispose()
    return pg_url.rstrip("/") + "/" + DB_NAME


def drop_database(pg_url: str) -> None:
    admin = create_engine(pg_url.rstrip("/") + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
    admin.dispose()


def seed_plant(session: Any) -> dict[str, Any]:
    """The demo plant plus more areas (45) and contractor firms (12)."""
    from engine import clock
    from processes import demo, geo
    from processes.models import Area, Organization, Person

    clock.set_default_clock(clock.FrozenClock(datetime(2026, 6, 30, 2, tzinfo=UTC)))
    demo.seed(session, password_hash=lambda p: "x")
    centres = {"SH1": (30.7262, 121.3361), "NJ1": (32.2655, 118.7520),
               "XJ1": (44.3290, 84.8850)}
    per_site = {"SH1": 20, "NJ1": 15, "XJ1": 10}
    existing = {(a.site_code, a.code) for a in session.execute(select(Area)).scalars()}
    for site, count in per_site.items():
        lat0, lon0 = centres[site]
        for i in range(count):
            code = f"Z-{i + 1:02d}"
            if (site, code) in existing:
                continue
            poly = demo._box(lat0 + 0.003 * (i // 5), lon0 + 0.004 * (i % 5),
                             0.0006 + 0.0002 * (i % 3), 0.0008 + 0.0003 * (i % 4))
            lat, lon = geo.polygon_center(poly)
            session.add(Area(site_code=site, code=code, name=f"{code} 装置区", polygon=poly,
                             hazard_class="fire_explosion" if i % 3 else "general",
                             center_lat=lat, center_lon=lon))
    for i in range(12 - 1):
        name = f"承包商{i + 2:02d}"
        if session.execute(select(Organization.id).where(Organization.name == name)).first() \
                is None:
            session.add(Organization(name=name, kind="contractor", site_code="SH1"))
    session.commit()
    areas = session.execute(select(Area).order_by(Area.site_code, Area.code)).scalars().all()
    firms = session.execute(select(Organization.id).where(
        Organization.kind == "contractor").order_by(Organization.id)).scalars().all()
    person = session.execute(select(Person.id).where(Person.username == "applicant")
                             ).scalar_one()
    return {"areas": areas, "firms": list(firms), "person": person}


# ------------------------------------------------------------------------ generation


def generate(n: int, plant: dict[str, Any], seed: int) -> dict[str, Any]:
    """Column arrays for n jobs, their incidents, snapshots and skipped nodes."""
    rng = np.random.default_rng(seed)
    areas = plant["areas"]
    site_weight = {"SH1": 0.6, "NJ1": 0.3, "XJ1": 0.1}
    zipf = np.array([1.0 / (1 + (i % 20)) ** 0.8 for i in range(len(areas))])
    aw = np.array([site_weight[a.site_code] for a in areas]) * zipf
    area_idx = rng.choice(len(areas), size=n, p=aw / aw.sum())
    type_idx = rng.choice(len(TYPES), size=n, p=TYPE_SHARE)
    # days: growing activity, weekdays busier than weekends
    day = rng.integers(0, DAYS, size=3 * n)
    start_dow = (START.toordinal() - 1) % 7  # Monday = 0 (date.weekday of ordinal)
    keep = rng.random(3 * n) < WEEKDAYS[(day + start_dow) % 7] * (0.6 + 0.4 * day / DAYS)
    day = day[keep][:n]
    if len(day) < n:
        day = np.concatenate([day, rng.integers(0, DAYS, size=n - len(day))])
    hour = rng.choice(24, size=n, p=HOURS / HOURS.sum())
    minute = rng.integers(0, 30, size=n)
    weekday = (day + start_dow) % 7
    epoch0 = datetime(START.year, START.month, START.day, tzinfo=UTC).timestamp()
    local_s = epoch0 + day * 86400.0 + hour * 3600.0 + minute * 60.0
    start_s = local_s - TZ_OFFSET_H * 3600
    dur_h = rng.choice([2, 4, 8, 8, 12], size=n)
    progress = day / DAYS  # 0 → 1 over the three years
    status = np.where(rng.random(n) < 0.02, 3, np.where(rng.random(n) < 0.05, 2,
                      np.where(rng.random(n) < 0.1 * (1 - progress), 1, 0)))
    # 0 closed, 1 expired, 2 cancelled (after start), 3 rejected
    status_names = np.array(["closed", "expired", "cancelled", "rejected"])
    on_time_p = 0.527 + (0.985 - 0.527) * progress
    late = rng.random(n) > on_time_p
    closed_s = start_s + dur_h * 3600.0 * np.where(late, 1.3, 0.8)
    contractor = np.where(rng.random(n) < 0.4,
                          np.array(plant["firms"])[rng.integers(0, len(plant["firms"]), n)],
                          0)
    risk = np.where(rng.random(n) < 0.25, "high", np.where(rng.random(n) < 0.5, "medium",
                                                           "low"))
    # incidents
    area_codes = np.array([a.code for a in areas])
    area_risk = 0.6 + 0.8 * rng.random(len(areas))
    p = 0.0055 * np.array(TYPE_RISK)[type_idx] * area_risk[area_idx] * (1.1 - 0.3 * progress)
    hot = (area_codes[area_idx] == "B-3") & (weekday == 4) & (hour == 15) & (type_idx == 0)
    p = np.where(hot, p * 3.0, p)
    worked = status != 3
    has_incident = worked & (rng.random(n) < p)
    failure = worked & (rng.random(n) < 0.002 * (1 + 3 * zipf[area_idx]))
    return {"n": n, "area_idx": area_idx, "type_idx": type_idx, "weekday": weekday,
            "hour": hour, "start_s": start_s, "dur_h": dur_h, "status": status_names[status],
            "closed_s": closed_s, "late": late, "contractor": contractor, "risk": risk,
            "progress": progress, "incident": has_incident, "failure": failure,
            "incident_kind": np.where(rng.random(n) < 0.3, "incident", "near_miss"),
            "incident_min": rng.integers(1, 29, size=n), "rng": rng}


def _dt(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), UTC)


def permit_rows(g: dict[str, Any], plant: dict[str, Any]) -> Iterator[tuple]:
    areas, person = plant["areas"], plant["person"]
    prefix = {t: p for t, p in zip(TYPES, ["DH", "SX", "MB", "GC", "DZ", "LD", "DT", "DL"],
                                   strict=True)}
    for i in range(g["n"]):
        a = areas[g["area_idx"][i]]
        kind = TYPES[g["type_idx"][i]]
        start = _dt(g["start_s"][i])
        end = _dt(g["start_s"][i] + g["dur_h"][i] * 3600)
        st = g["status"][i]
        closed = _dt(g["closed_s"][i]) if st == "closed" else None
        c = int(g["contractor"][i]) or None
        yield (i + 1, f"{prefix[kind]}-B{i + 1:08d}", kind, a.site_code, a.id, a.center_lat,
               a.center_lon, "bench", start, end, person, person, {}, [], None, [],
               str(g["risk"][i]), st, None if st == "rejected" else start, end, closed,
               start, closed or end, int(g["weekday"][i]), int(g["hour"][i]), c)


def incident_rows(g: dict[str, Any], plant: dict[str, Any]) -> Iterator[tuple]:
    areas = plant["areas"]
    for iid, i in enumerate(np.flatnonzero(g["incident"] | g["failure"]), start=1):
        a = areas[g["area_idx"][i]]
        kind = "equipment_failure" if g["failure"][i] and not g["incident"][i] \
            else str(g["incident_kind"][i])
        when = _dt(g["start_s"][i] + g["incident_min"][i] * 60)
        c = int(g["contractor"][i]) or None
        yield (iid, when, a.site_code, a.id, kind, "other", 1 + int(i % 3), int(i + 1),
               TYPES[g["type_idx"][i]], c, int(g["weekday"][i]), int(g["hour"][i]), "",
               "csv", when)


def snapshot_rows(g: dict[str, Any], plant: dict[str, Any], misses: list[tuple]
                  ) -> Iterator[tuple]:
    areas, rng = plant["areas"], g["rng"]
    skip_p = 0.08 * (1 - g["progress"]) + 0.008
    now = datetime(2026, 6, 30, tzinfo=UTC)
    for i in range(g["n"]):
        kind = TYPES[g["type_idx"][i]]
        nodes = NODES.get(kind, DEFAULT_NODES)
        st = g["status"][i]
        skipped = [nd for nd in nodes if rng.random() < skip_p[i]] if st != "rejected" else []
        local = _dt(g["start_s"][i] + TZ_OFFSET_H * 3600)
        month = local.year * 100 + local.month
        a = areas[g["area_idx"][i]]
        on_time = None if st in ("cancelled", "rejected") else (
            0 if st == "expired" else int(not g["late"][i]))
        for nd in skipped:
            misses.append((i + 1, nd, kind, a.site_code, month))
        yield (i + 1, a.site_code, kind, int(g["contractor"][i]) or None, month,
               _dt(g["start_s"][i]), st, 0 if st == "rejected" else len(nodes),
               0 if st == "rejected" else len(nodes) - len(skipped), on_time, now)


def load(session: Any, g: dict[str, Any], plant: dict[str, Any]) -> dict[str, float]:
    from processes.analytics import synthetic

    times = {}
    t = time.perf_counter()
    synthetic.insert_permits(session, permit_rows(g, plant))
    times["permits"] = time.perf_counter() - t
    t = time.perf_counter()
    synthetic.insert_incidents(session, incident_rows(g, plant))
    misses: list[tuple] = []
    synthetic.insert_snapshots(session, snapshot_rows(g, plant, misses))
    synthetic.insert_misses(session, misses)
    times["incidents+snapshots"] = time.perf_counter() - t
    session.commit()
    t = time.perf_counter()
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        session.commit()
        raw = session.connection().connection.dbapi_connection
        raw.autocommit = True
        with raw.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        raw.autocommit = False
    else:
        session.execute(text("ANALYZE"))
        session.commit()
    times["analyze"] = time.perf_counter() - t
    return times


# ------------------------------------------------------------------------- timing


def queries(tmp: Path) -> list[tuple[str, Callable[[Any], Any]]]:
    from processes.analytics import compliance, heatmap, quarter, report

    last_q = (date(2026, 4, 1), date(2026, 6, 30))

    def report_pdf(session: Any) -> Any:
        data = quarter.gather(session, 2026, 2, today=date(2026, 6, 30))
        return report.render_pdf(data, tmp / "q.pdf", plant="bench",
                                 generated_at=datetime.now(UTC))

    return [
        ("heatmap weekday×hour, all 3 years",
         lambda s: heatmap.compute(s, heatmap.Filters(), "slot")),
        ("heatmap weekday×hour, SH1, last 12 months",
         lambda s: heatmap.compute(s, heatmap.Filters(site="SH1", start=date(2025, 7, 1),
                                                      end=date(2026, 6, 30)), "slot")),
        ("heatmap area × type, all",
         lambda s: heatmap.compute(s, heatmap.Filters(), "area,type")),
        ("heatmap slot × area, one contractor",
         lambda s: heatmap.compute(s, heatmap.Filters(contractor=_first_firm(s)), "slot,area")),
        ("compliance by month, all",
         lambda s: compliance.rates(s, "month", compliance.Filters())),
        ("compliance by contractor, last quarter",
         lambda s: compliance.rates(s, "contractor", compliance.Filters(*[None], *last_q))),
        ("most-skipped nodes, all",
         lambda s: compliance.most_skipped(s, compliance.Filters())),
        ("report data (quarter.gather), last quarter",
         lambda s: quarter.gather(s, 2026, 2, today=date(2026, 6, 30))),
        ("report PDF incl. charts, last quarter", report_pdf),
    ]


def _first_firm(session: Any) -> int:
    from processes.models import Organization

    return session.execute(select(Organization.id).where(Organization.kind == "contractor")
                           .order_by(Organization.id)).scalars().first()


def time_queries(session: Any, repeat: int, tmp: Path) -> dict[str, float]:
    out = {}
    for name, run in queries(tmp):
        run(session)  # warm-up (caches, plans)
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            run(session)
            samples.append((time.perf_counter() - t) * 1000)
            session.rollback()
        out[name] = statistics.median(samples)
        log(f"  {name}: {out[name]:.0f} ms")
    return out


TARGETS = {"heatmap weekday×hour, all 3 years": 300, "compliance by month, all": 300}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1_000_000, help="historical jobs")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20260603)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    loads: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
            log(f"== {kind}: {args.jobs:,} jobs")
            url = fresh_database(kind, args.pg_url, tmp)
            app = make_app(url)
            from engine import db

            with app.app_context():
                db.create_all()
                plant = seed_plant(db.session)
                t = time.perf_counter()
                g = generate(args.jobs, plant, args.seed)
                loads[kind] = {"generate": time.perf_counter() - t}
                loads[kind].update(load(db.session, g, plant))
                log("  load: " + ", ".join(f"{k} {v:.1f} s" for k, v in loads[kind].items()))
                results[kind] = time_queries(db.session, args.repeat, tmp)
                db.session.remove()
                db.engine.dispose()
            if kind == "postgresql" and not args.keep_db:
                drop_database(args.pg_url)
    kinds = list(results)
    print(f"\nanalytics benchmark: {args.jobs:,} jobs, median of {args.repeat} (ms)\n")
    header = f"| {'query':<45} | " + " | ".join(f"{k:>10}" for k in kinds) + " | target |"
    print(header)
    print("|" + "-" * 47 + "|" + "|".join("-" * 12 for _ in kinds) + "|--------|")
    failed = False
    for name in results[kinds[0]]:
        target = TARGETS.get(name)
        cells = " | ".join(f"{results[k][name]:>10.0f}" for k in kinds)
        print(f"| {name:<45} | {cells} | {str(target) + ' ms' if target else '':>6} |")
        if target and "postgresql" in results and results["postgresql"][name] > target:
            failed = True
    print("\nload (s): " + "; ".join(
        f"{k}: " + ", ".join(f"{n} {v:.1f}" for n, v in loads[k].items()) for k in kinds))
    if failed:
        print("\nA PostgreSQL target was missed.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
