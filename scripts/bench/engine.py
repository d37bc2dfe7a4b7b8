"""Benchmark the hot-work permit lifecycle: raw SpiffWorkflow vs. the permitflow stack.

The lifecycle is apply → safety_measures → gas_test → auto-approve (low-risk grade2) →
watcher_sign_in → work → close, measured four ways (CPU time is ``time.process_time``):

1. **raw** — plain in-memory SpiffWorkflow, spec parsed once, service tasks answered by a
   stub script engine with fixed JSON (the baseline; also "+ state JSON round trip", the
   spec-ref serializer of ``engine.serialize`` after every step, i.e. the floor of any
   persisted engine);
2. **service layer** on SQLite and on PostgreSQL — ``processes.permits.apply`` and
   ``processes.tasks.complete`` as the right person, one transaction (and session) per
   step like a request, a frozen clock on a working-day morning (``--at`` to move it);
   ``--profile`` adds a cProfile pass on SQLite;
3. **API in-process** — the HTTP client's exact request sequence through the Flask test
   client on PostgreSQL: the API layer (auth, inbox, JSON responses) without gunicorn;
4. **HTTP** — ``permitflow serve`` (gunicorn, 2 workers × 4 threads) on a fresh PostgreSQL
   database, N client threads driving whole lifecycles through API v1 like ``tests/api.py``.
   The server runs on the real clock, so at night or on a rest day the job is graded up
   and takes the approval path (reported as "path").

Usage (from the repository root, venv active)::

    python scripts/bench/engine.py                       # everything, ~2-3 minutes
    python scripts/bench/engine.py --skip-http --profile  # in-process parts + cProfile
    python scripts/bench/engine.py --n 500 --seconds 30 --json /tmp/bench.json

Only ``127.0.0.1`` is used; databases are named ``pf_bench*`` and dropped afterwards
unless ``--keep-db``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The lifecycle measured is the permit flow with a plain watcher confirmation; face liveness
# has its own benchmark (scripts/bench/liveness.py).
os.environ.setdefault("PERMITFLOW_SUPERVISION_METHOD", "confirmation")

_HERE = Path(__file__).resolve().parent
REPO = _HERE.parents[1]
# Run as a script, this folder is sys.path[0] and this file would shadow the ``engine``
# package of permitflow. Drop it before importing anything from the project.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from functools import cache, partial  # noqa: E402
from typing import Any  # noqa: E402

BPMN_PATH = REPO / "bpmn" / "hot_work.bpmn"
PROCESS_KEY = "hot_work"
#: Wednesday 10:00 in Shanghai: a working day, daytime — no grade upgrade, so the low-risk
#: job in W-1 (general area) is grade2 / low and approved by rule.
BASE_TIME = datetime(2026, 6, 3, 2, 0, tzinfo=UTC)
AREA_CODE = "W-1"
WORKER_NAME = "张伟（焊工）"
PG_BASE_DEFAULT = "postgresql://postgres@127.0.0.1:5432"
MAX_STEPS = 16  # user tasks per lifecycle, a guard against a diagram that loops

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")

CHECKLIST_KEYS = (
    "purged", "blinds_fitted", "drains_covered", "no_dike_draining", "spark_control_at_height",
    "lining_fire_barrier", "cylinders", "fire_kit", "welder_sited_earthed",
    "no_hazardous_ops_nearby", "distance_rules", "jha_done", "continuous_detector",
    "ex_camera", "other_permits", "other_measures")

#: the application's type-specific fields as the API schema loads them (defaults filled)
HOT_WORK_FIELDS = {"method": "gas_cutting", "equipment": "", "running_equipment": False,
                   "tank_farm_dike": False, "pipe_rack": False, "outdoor": False,
                   "wind_force": 0, "hazard_analysis": ""}
DESCRIPTION = "更换泵出口法兰垫片，需气割旧螺栓"


def task_data(bpmn_id: str, *, applicant_id: int, now: datetime, photo: str) -> dict[str, Any]:
    """The form data each user task of the lifecycle is completed with."""
    if bpmn_id == "safety_measures":
        return {"items": dict.fromkeys(CHECKLIST_KEYS, True), "blind_count": 2,
                "confirmed_by": applicant_id}
    if bpmn_id in ("gas_test", "gas_retest"):
        sampled = (now - timedelta(minutes=1)).isoformat()
        return {"readings": [
            {"gas": "CH4", "value": 8.0, "unit": "%LEL", "sampled_at": sampled,
             "point": "法兰下方0.5m"},
            {"gas": "O2", "value": 20.9, "unit": "%VOL", "sampled_at": sampled,
             "point": "法兰下方0.5m"}],
            "instrument_id": "GD-2026-017", "photo": photo}
    if bpmn_id.startswith("approve"):
        return {"decision": "approve"}
    if bpmn_id == "watcher_sign_in":
        return {"present": True}
    if bpmn_id == "work":
        return {"finished": True}
    if bpmn_id == "close":
        return {"accepted": True}
    raise LookupError(f"the benchmark does not know how to complete {bpmn_id!r}")


# ---------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------
@dataclass
class VariantResult:
    """One in-process variant: totals over ``n`` timed lifecycles."""

    name: str
    n: int
    cpu_s: float
    wall_s: float
    steps: int = 0  # user tasks completed (plus the apply) over all lifecycles
    statements: int = 0  # SQL statements over all lifecycles
    per_step: dict[str, dict[str, float]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_s / self.n

    @property
    def wall_ms(self) -> float:
        return 1000 * self.wall_s / self.n

    @property
    def per_s(self) -> float:
        return self.n / self.wall_s if self.wall_s else 0.0

    def as_dict(self, raw_cpu_ms: float | None = None) -> dict[str, Any]:
        return {
            "name": self.name, "n": self.n, "cpu_ms_per_permit": round(self.cpu_ms, 3),
            "wall_ms_per_permit": round(self.wall_ms, 3), "permits_per_s": round(self.per_s, 1),
            "x_raw_cpu": round(self.cpu_ms / raw_cpu_ms, 2) if raw_cpu_ms else None,
            "steps_per_permit": round(self.steps / self.n, 2),
            "sql_statements_per_permit": round(self.statements / self.n, 1),
            "per_step": self.per_step, **self.extra,
        }


class _Meter:
    """CPU, wall time and SQL statements per step label."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.sql: dict[str, int] = defaultdict(int)
        self.count: dict[str, int] = defaultdict(int)
        self.statements = 0  # bumped by the SQLAlchemy listener

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        c0, w0, s0 = time.process_time(), time.perf_counter(), self.statements
        try:
            yield
        finally:
            self.cpu[label] += time.process_time() - c0
            self.wall[label] += time.perf_counter() - w0
            self.sql[label] += self.statements - s0
            self.count[label] += 1

    def mark(self) -> tuple[float, float, int]:
        return time.process_time(), time.perf_counter(), self.statements

    def add(self, label: str, mark: tuple[float, float, int]) -> None:
        self.cpu[label] += time.process_time() - mark[0]
        self.wall[label] += time.perf_counter() - mark[1]
        self.sql[label] += self.statements - mark[2]
        self.count[label] += 1

    def reset(self) -> None:
        self.cpu.clear()
        self.wall.clear()
        self.sql.clear()
        self.count.clear()
        self.statements = 0

    def summary(self, n: int) -> dict[str, dict[str, float]]:
        return {label: {"cpu_ms": round(1000 * self.cpu[label] / n, 3),
                        "wall_ms": round(1000 * self.wall[label] / n, 3),
                        "sql": round(self.sql[label] / n, 2),
                        "per_permit": round(self.count[label] / n, 2)}
                for label in self.count}


# ---------------------------------------------------------------------------------------
# 1. raw SpiffWorkflow
# ---------------------------------------------------------------------------------------
@cache
def raw_specs() -> tuple[Any, dict[str, Any]]:
    """hot_work.bpmn and the DMN files it calls, parsed once (forms are not needed)."""
    from lxml import etree
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

    from engine.deploy import collect_related

    parser = SpiffBpmnParser()
    for name, content in collect_related(BPMN_PATH):
        if name.endswith(".bpmn"):
            parser.add_bpmn_xml(etree.fromstring(content), filename=name)
        elif name.endswith(".dmn"):
            parser.add_dmn_xml(etree.fromstring(content), filename=name)
    return parser.get_spec(PROCESS_KEY), parser.get_subprocess_specs(PROCESS_KEY)


def _stub_results(now: datetime) -> dict[str, str]:
    """Fixed JSON per operator, shaped like the real handlers' results (low-risk job)."""
    results = {
        "credentials.check": {"ok": True, "checked": [7, 13], "on": now.date().isoformat()},
        "permit.assess": {"hazard_class": "general", "running_equipment": False,
                          "tank_farm_dike": False, "pipe_rack": False, "upgrade": False,
                          "upgrade_reasons": [], "night": False, "crew_incidents": 0},
        "permit.set_grade": {"grade": "grade2", "risk": "low", "approvals": 0,
                             "valid_hours": 8.0, "rule_version": 1},
        "gas.validate": {"passed": True, "readings": 2, "tested_at": now.isoformat()},
        "routing.auto_approve": {"approved_by": "rule", "rule": "hot_work_routing",
                                 "rule_version": 1, "risk": "low"},
        "permit.activate": {"valid_until": (now + timedelta(hours=72)).isoformat(),
                            "retest_cycle": "R/PT24H"},
        "permit.close": {"closed_at": now.isoformat()},
        "credentials.fatigue_check": {"fatigue": False, "count": 1, "findings": []},
        "credentials.release_hold": {"released": []},
        "permit.reject": {"rejected_at": now.isoformat()},
        "permit.expire": {"expired_at": now.isoformat()},
    }
    return {op: json.dumps(value) for op, value in results.items()}


#: operators the diagram called that the stub had no canned result for (answered "{}")
UNKNOWN_OPERATORS: set[str] = set()


def _stub_engine(results: dict[str, str]) -> Any:
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

    class StubScriptEngine(PythonScriptEngine):
        def call_service(self, task: Any, operation_name: str,  # type: ignore[override]
                         operation_params: dict[str, Any]) -> str:
            result = results.get(operation_name)
            if result is None:  # a new operator in the diagram: keep going, but say so
                UNKNOWN_OPERATORS.add(operation_name)
                return "{}"
            return result

    return StubScriptEngine(environment=TaskDataEnvironment({}))


def raw_lifecycle(spec: Any, subprocess_specs: dict[str, Any], script_engine: Any,
                  start_data: dict[str, Any], now: datetime, *, roundtrip: bool = False,
                  meter: _Meter | None = None) -> int:
    """One permit in memory; returns the number of user tasks completed."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from engine import serialize

    meter = meter or _Meter()
    with meter.step("apply"):
        wf = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(start_data)
        wf.do_engine_steps()
        state = serialize.dump(wf) if roundtrip else ""
    done = 0
    while True:
        mark = meter.mark()
        if roundtrip:
            wf = serialize.load(state, spec, subprocess_specs)
            wf.script_engine = script_engine
        ready = wf.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            break
        task = ready[0]
        bpmn_id = task.task_spec.bpmn_id
        task.data.update(task_data(bpmn_id, applicant_id=start_data["applicant"], now=now,
                                   photo="0" * 64))
        task.run()
        wf.do_engine_steps()
        if roundtrip:
            state = serialize.dump(wf)
        meter.add(bpmn_id, mark)
        done += 1
        if done > MAX_STEPS:
            raise RuntimeError("lifecycle does not end")
    if not wf.is_completed():
        raise RuntimeError("raw lifecycle did not complete")
    return done


def bench_raw(n: int, *, roundtrip: bool = False, warmup: int = 5) -> VariantResult:
    from engine import clock

    spec, subprocess_specs = raw_specs()
    now = clock.now()
    script_engine = _stub_engine(_stub_results(now))
    start_data = {"permit_id": 1, "permit_type": PROCESS_KEY, "site": "SH1",
                  "area_code": AREA_CODE, "planned_start": (now + timedelta(minutes=20))
                  .isoformat(), "planned_end": (now + timedelta(hours=4, minutes=20))
                  .isoformat(), "applicant": 1, "watcher": 2, "workers": [13]}
    for _ in range(warmup):
        raw_lifecycle(spec, subprocess_specs, script_engine, start_data, now,
                      roundtrip=roundtrip)
    meter = _Meter()
    steps = 0
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        steps += 1 + raw_lifecycle(spec, subprocess_specs, script_engine, start_data, now,
                                   roundtrip=roundtrip, meter=meter)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    name = "raw SpiffWorkflow + state JSON round trip" if roundtrip else "raw SpiffWorkflow"
    return VariantResult(name, n, cpu, wall, steps=steps, per_step=meter.summary(n),
                         extra={"stub_unknown_operators": sorted(UNKNOWN_OPERATORS)})


# ---------------------------------------------------------------------------------------
# 2. the service layer (no HTTP)
# ---------------------------------------------------------------------------------------
@contextlib.contextmanager
def _env(**values: str | None) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _fast_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="pbkdf2:sha256:1000")


@dataclass
class Plant:
    """Ids the lifecycle needs, read once after seeding."""

    people: dict[str, int]  # username (= lane) → person id
    worker: int
    site: str
    lat: float
    lon: float
    photo: str


def make_app(database_uri: str, instance_dir: Path) -> Any:
    from web import create_app

    with _env(PERMITFLOW_INSTANCE=str(instance_dir), PERMITFLOW_SECRET_KEY="bench-secret",
              DATABASE_URL=None, REDIS_URL=None):
        return create_app({
            "TESTING": True, "SQLALCHEMY_DATABASE_URI": database_uri,
            "SECRET_KEY": "bench-secret", "REDIS_URL": None,
            "UPLOAD_FOLDER": str(instance_dir / "uploads"), "WTF_CSRF_ENABLED": False,
        })


def setup_plant(app: Any) -> Plant:
    """Schema, demo plant, a gas-detector photo and hot_work deployed; all committed."""
    from sqlalchemy import select

    from engine import clock, db
    from engine.deploy import collect_related
    from processes import demo
    from processes.models import Area, Person, Upload
    from web import get_engine

    with app.app_context():
        db.create_all()
        demo.seed(db.session, password_hash=_fast_hash, password="demo")
        photo = hashlib.sha256(PNG + b"bench").hexdigest()
        if db.session.get(Upload, photo) is None:
            db.session.add(Upload(id=photo, filename="screen.png", content_type="image/png",
                                  size=len(PNG) + 5, uploaded_at=clock.now()))
        get_engine().deploy(db.session, collect_related(BPMN_PATH), actor="bench")
        db.session.commit()
        people = {p.username: p.id for p in db.session.execute(
            select(Person).where(Person.username.is_not(None))).scalars()}
        worker = db.session.execute(select(Person.id).where(Person.name == WORKER_NAME)
                                    ).scalar_one()
        area = db.session.execute(select(Area).where(Area.code == AREA_CODE)).scalar_one()
        plant = Plant(people=people, worker=worker, site=area.site_code,
                      lat=area.center_lat, lon=area.center_lon, photo=photo)
        db.session.remove()
    return plant


class ServiceDriver:
    """Drives lifecycles through ``processes.permits`` / ``processes.tasks`` in-process."""

    def __init__(self, app: Any, plant: Plant, clock: Any, meter: _Meter,
                 base_time: datetime = BASE_TIME):
        from sqlalchemy import event

        from engine import db

        self.app, self.plant, self.clock, self.meter = app, plant, clock, meter
        self.base_time = base_time
        self.permit_ids: list[int] = []
        with app.app_context():
            self.sa_engine = db.engine

        def count(*_: Any) -> None:
            meter.statements += 1

        self._listener = count
        event.listen(self.sa_engine, "before_cursor_execute", count)

    def close(self) -> None:
        from sqlalchemy import event

        event.remove(self.sa_engine, "before_cursor_execute", self._listener)

    def _request(self, fn: Callable[[Any], Any]) -> Any:
        """One unit of work like a request: fresh session, commit, teardown."""
        from engine import db

        session = db.session
        try:
            result = fn(session)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            db.session.remove()

    def _complete_next(self, session: Any, *, instance_id: int, now: datetime,
                       label: list[str]) -> tuple[str, str] | None:
        """Complete the instance's oldest open task as the person its lane names."""
        from sqlalchemy import select

        from engine import HumanTask
        from processes import tasks
        from processes.models import Person
        from web import get_engine

        row = session.execute(
            select(HumanTask.id, HumanTask.bpmn_id, HumanTask.lane)
            .where(HumanTask.instance_id == instance_id, HumanTask.status == "open")
            .order_by(HumanTask.created_at).limit(1)).first()
        if row is None:
            return None
        task_id, bpmn_id, lane = row
        label[0] = bpmn_id
        person = session.get(Person, self.plant.people[lane])
        data = task_data(bpmn_id, applicant_id=self.plant.people["applicant"], now=now,
                         photo=self.plant.photo)
        permit = tasks.complete(session, get_engine(), task_id, data, person=person)
        return bpmn_id, permit.status

    def lifecycle(self, i: int) -> int:
        """One permit from application to closure; returns the number of steps (requests)."""
        from processes import permits
        from processes.models import Person
        from web import get_engine

        engine = get_engine()
        plant, clock, meter = self.plant, self.clock, self.meter
        # Each lifecycle starts within 4 hours of the base time (with the default base,
        # 10:00–14:00 local: daytime for any n).
        clock.set(self.base_time + timedelta(seconds=30 * (i % 480)))
        planned_start = clock.now() + timedelta(minutes=20)

        def do_apply(session: Any) -> tuple[int, int]:
            applicant = session.get(Person, plant.people["applicant"])
            application = permits.Application(
                type=PROCESS_KEY, site=plant.site, area_code=AREA_CODE, lat=plant.lat,
                lon=plant.lon, description=DESCRIPTION, planned_start=planned_start,
                planned_end=planned_start + timedelta(hours=4), workers=[plant.worker],
                watcher=plant.people["watcher"], fields=dict(HOT_WORK_FIELDS))
            permit = permits.apply(session, engine, application, applicant=applicant)
            return permit.id, permit.instance_id

        with meter.step("apply"):
            permit_id, instance_id = self._request(do_apply)
        self.permit_ids.append(permit_id)
        steps = 1
        status = None
        while True:
            clock.advance(seconds=2)
            box: list[str] = ["(no open task)"]
            mark = meter.mark()
            done = self._request(partial(self._complete_next, instance_id=instance_id,
                                         now=clock.now(), label=box))
            meter.add(box[0], mark)
            if done is None:
                break
            steps += 1
            status = done[1]
            if status == "closed" or steps > MAX_STEPS:
                break
        if status != "closed":
            raise RuntimeError(f"permit lifecycle ended in status {status!r}")
        return steps

    def _render_detail(self, session: Any, *, permit_id: int) -> int:
        from processes import permits
        from web.api.permits import detail

        return len(self.app.json.dumps(detail(permits.get(session, permit_id))))

    def measure_detail(self, permit_ids: list[int]) -> dict[str, Any]:
        """What ``web.api.permits.detail`` (the body of every POST response) costs."""
        mark = self.meter.mark()
        size = 0
        for permit_id in permit_ids:
            size += self._request(partial(self._render_detail, permit_id=permit_id))
        k = len(permit_ids) or 1
        return {"detail_cpu_ms": round(1000 * (time.process_time() - mark[0]) / k, 2),
                "detail_wall_ms": round(1000 * (time.perf_counter() - mark[1]) / k, 2),
                "detail_sql": round((self.meter.statements - mark[2]) / k, 1),
                "detail_bytes": size // k}


def bench_service(name: str, database_uri: str, n: int, *, warmup: int = 3,
                  profile_n: int = 0, base_time: datetime = BASE_TIME
                  ) -> tuple[VariantResult, dict[str, Any] | None]:
    """Time ``n`` lifecycles on a fresh database; optionally profile ``profile_n`` more."""
    from engine import clock as engine_clock
    from engine import db

    tmp = Path(tempfile.mkdtemp(prefix="pf_bench_svc_"))
    clock = engine_clock.FrozenClock(base_time)
    engine_clock.set_default_clock(clock)
    app = None
    try:
        app = make_app(database_uri, tmp)
        plant = setup_plant(app)
        meter = _Meter()
        with app.app_context():
            driver = ServiceDriver(app, plant, clock, meter, base_time)
            try:
                for i in range(warmup):
                    driver.lifecycle(i)
                meter.reset()
                steps = 0
                per_permit: list[tuple[float, float]] = []  # (lifecycle CPU, apply CPU)
                gc.collect()
                c0, w0 = time.process_time(), time.perf_counter()
                for i in range(n):
                    l0, a0 = time.process_time(), meter.cpu["apply"]
                    steps += driver.lifecycle(warmup + i)
                    per_permit.append((time.process_time() - l0, meter.cpu["apply"] - a0))
                cpu, wall = time.process_time() - c0, time.perf_counter() - w0
                result = VariantResult(name, n, cpu, wall, steps=steps,
                                       statements=meter.statements,
                                       per_step=meter.summary(n),
                                       extra=_db_facts())
                result.extra.update(_growth(per_permit))
                result.extra.update(driver.measure_detail(driver.permit_ids[-20:]))
                prof = None
                if profile_n:
                    prof = _profile(lambda k: driver.lifecycle(warmup + n + k), profile_n)
            finally:
                driver.close()
        return result, prof
    finally:
        engine_clock.set_default_clock(engine_clock.Clock())
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


def bench_api(name: str, database_uri: str, n: int, *, warmup: int = 3,
              base_time: datetime = BASE_TIME) -> VariantResult:
    """The HTTP client's lifecycle (inbox look-ups, photo upload, JSON responses) through
    the Flask test client: the whole API layer single-threaded, without gunicorn or network.
    Per endpoint CPU is exact here because nothing else runs in the process."""
    from sqlalchemy import event

    from engine import clock as engine_clock
    from engine import db

    tmp = Path(tempfile.mkdtemp(prefix="pf_bench_api_"))
    clock = engine_clock.FrozenClock(base_time)
    engine_clock.set_default_clock(clock)
    app = None
    meter = _Meter()

    def count(*_: Any) -> None:
        meter.statements += 1

    try:
        app = make_app(database_uri, tmp)
        plant = setup_plant(app)
        with app.app_context():
            sa_engine = db.engine
        event.listen(sa_engine, "before_cursor_execute", count)
        ids = {"people": plant.people, "worker": plant.worker, "site": plant.site,
               "lat": plant.lat, "lon": plant.lon}
        flask_client = app.test_client()
        samples: list[Sample] = []
        client = Client(None, {}, samples, flask_client=flask_client, now=clock.now,
                        statements=lambda: meter.statements)
        for role in ("applicant", "watcher", "unit_approver", "safety_dept", "plant_leader"):
            client.tokens[role] = client.expect(
                200, "POST", "/api/v1/auth/token", "POST /auth/token",
                json_body={"username": role, "password": "demo"})["token"]

        def one(i: int, tag: str) -> None:
            clock.set(base_time + timedelta(seconds=30 * (i % 480)))
            client.lifecycle(ids, tag)

        for i in range(warmup):
            one(i, f"warm-{i}")
        samples.clear()
        meter.statements = 0
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        for i in range(n):
            one(warmup + i, f"run-{i}")
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        event.remove(sa_engine, "before_cursor_execute", count)
        per_endpoint: dict[str, dict[str, float]] = {}
        for sample in samples:
            e = per_endpoint.setdefault(sample.endpoint, {"cpu_ms": 0.0, "wall_ms": 0.0,
                                                          "sql": 0.0, "per_permit": 0.0})
            e["cpu_ms"] += 1000 * sample.cpu / n
            e["wall_ms"] += 1000 * sample.seconds / n
            e["sql"] += sample.sql / n
            e["per_permit"] += 1 / n
        per_endpoint = {k: {m: round(v, 3) for m, v in e.items()}
                        for k, e in per_endpoint.items()}
        return VariantResult(name, n, cpu, wall, steps=len(samples),
                             statements=meter.statements, per_step=per_endpoint,
                             extra={"kind": "api"})
    finally:
        engine_clock.set_default_clock(engine_clock.Clock())
        if app is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


def _growth(per_permit: list[tuple[float, float]]) -> dict[str, Any]:
    """CPU of the first and last tenth of the run: does a permit get dearer as the
    database (and the crew's history) grows?"""
    k = max(1, len(per_permit) // 10)

    def mean_ms(rows: list[tuple[float, float]], i: int) -> float:
        return round(1000 * sum(r[i] for r in rows) / len(rows), 2)

    first, last = per_permit[:k], per_permit[-k:]
    return {"cpu_ms_first_tenth": mean_ms(first, 0), "cpu_ms_last_tenth": mean_ms(last, 0),
            "apply_cpu_ms_first_tenth": mean_ms(first, 1),
            "apply_cpu_ms_last_tenth": mean_ms(last, 1)}


def _db_facts() -> dict[str, Any]:
    """Sizes that explain the cost: state bytes, audit events and rows per permit."""
    from sqlalchemy import Text, cast, func, select

    from engine import AuditEvent, HumanTask, OutboxMessage, ProcessInstance, db
    from processes.models import Permit

    s = db.session
    permits = s.execute(select(func.count()).select_from(Permit)).scalar_one() or 1
    state = s.execute(select(func.avg(func.length(ProcessInstance.state)))).scalar() or 0
    facts = {
        "final_state_bytes": int(state),
        "audit_events_per_permit": round(
            s.execute(select(func.count()).select_from(AuditEvent)).scalar_one() / permits, 1),
        "audit_bytes_per_permit": None,
        "human_tasks_per_permit": round(
            s.execute(select(func.count()).select_from(HumanTask)).scalar_one() / permits, 1),
        "outbox_rows_per_permit": round(
            s.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() / permits,
            1),
    }
    data_len = s.execute(select(func.sum(func.length(cast(AuditEvent.data, Text))))).scalar()
    if data_len:
        facts["audit_bytes_per_permit"] = int(data_len / permits)
    db.session.remove()
    return facts


# ---------------------------------------------------------------------------------------
# profiling
# ---------------------------------------------------------------------------------------
PACKAGES = (  # (label, test on the code's file name or built-in's name), first match wins
    ("SpiffWorkflow", lambda f, n: "/SpiffWorkflow/" in f),
    ("SQLAlchemy", lambda f, n: "/sqlalchemy/" in f),
    ("DB driver (sqlite3/psycopg)", lambda f, n: "/psycopg" in f or "sqlite3" in f
     or "sqlite3" in n or "psycopg" in n),
    ("jsonschema", lambda f, n: any(p in f for p in ("/jsonschema", "/referencing/",
                                                      "/rpds", "/attrs/", "/attr/"))),
    ("json (stdlib)", lambda f, n: "/json/" in f or "_json" in n or "json.encoder" in n),
    ("RestrictedPython", lambda f, n: "/RestrictedPython/" in f),
    ("permitflow", lambda f, n: any(f.startswith(str(REPO / d)) for d in
                                    ("engine", "handlers", "processes", "web"))),
    ("flask/werkzeug", lambda f, n: "/flask" in f or "/werkzeug/" in f),
    ("hashlib/uuid/datetime/zoneinfo", lambda f, n: any(
        p in f or p in n for p in ("hashlib", "uuid", "_strptime", "zoneinfo", "datetime",
                                   "sha256", "hexdigest", "fromisoformat", "isoformat"))),
)


def _package(filename: str, funcname: str) -> str:
    for label, test in PACKAGES:
        if test(filename, funcname):
            return label
    if filename.startswith("~") or filename.startswith("<"):
        return "other built-ins"
    return "other Python"


def _ours(filename: str) -> bool:
    if "/SpiffWorkflow/" in filename or "/sqlalchemy/" in filename:
        return True
    return any(filename.startswith(str(REPO / d) + os.sep)
               for d in ("engine", "handlers", "processes", "web"))


def _short(filename: str, line: int, name: str) -> str:
    for marker in ("/SpiffWorkflow/", "/sqlalchemy/"):
        if marker in filename:
            return f"{marker.strip('/')}/{filename.split(marker, 1)[1]}:{line} {name}"
    with contextlib.suppress(ValueError):
        return f"{Path(filename).relative_to(REPO)}:{line} {name}"
    return f"{filename}:{line} {name}"


def _profile(run: Callable[[int], Any], n: int, top: int = 15) -> dict[str, Any]:
    # The default (wall-clock) timer: a CPU-time timer costs a system call per event and
    # inflates code with many small calls five-fold. Waits (SQLite's fsync at commit, the
    # PostgreSQL round trip) therefore show up as own time of the driver's methods.
    profiler = cProfile.Profile()
    gc.collect()
    profiler.enable()
    c0 = time.process_time()
    for k in range(n):
        run(k)
    cpu = time.process_time() - c0
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total_tt = sum(v[2] for v in entries.values()) or 1.0
    cumulative = sorted(((v[3], v[2], v[1], k) for k, v in entries.items() if _ours(k[0])),
                        reverse=True)[:top]
    ours_only = sorted(((v[3], v[2], v[1], k) for k, v in entries.items()
                        if _package(k[0], k[2]) == "permitflow"), reverse=True)[:top]
    by_tottime = sorted(((v[2], v[3], v[1], k) for k, v in entries.items()),
                        reverse=True)[:top]
    packages: dict[str, float] = defaultdict(float)
    for (filename, _line, name), v in entries.items():
        packages[_package(filename, name)] += v[2]
    return {
        "n": n, "cpu_ms_per_permit_profiled": round(1000 * cpu / n, 2),
        "top_cumulative": [{"function": _short(*k), "cum_ms": round(1000 * ct / n, 3),
                            "own_ms": round(1000 * tt / n, 3), "calls": round(nc / n, 1)}
                           for ct, tt, nc, k in cumulative],
        "top_permitflow": [{"function": _short(*k), "cum_ms": round(1000 * ct / n, 3),
                            "own_ms": round(1000 * tt / n, 3), "calls": round(nc / n, 1)}
                           for ct, tt, nc, k in ours_only],
        "top_own": [{"function": _short(*k), "own_ms": round(1000 * tt / n, 3),
                     "cum_ms": round(1000 * ct / n, 3), "calls": round(nc / n, 1)}
                    for tt, ct, nc, k in by_tottime],
        "own_time_by_package": {k: round(100 * v / total_tt, 1) for k, v in
                                sorted(packages.items(), key=lambda kv: -kv[1])},
    }


# ---------------------------------------------------------------------------------------
# PostgreSQL databases
# ---------------------------------------------------------------------------------------
def _pg_connect(pg_base: str, dbname: str = "postgres") -> Any:
    import psycopg

    return psycopg.connect(f"{pg_base}/{dbname}", autocommit=True, connect_timeout=10)


def recreate_database(pg_base: str, name: str) -> str:
    if not name.startswith("pf_bench"):
        raise ValueError("benchmark databases are named pf_bench*")
    with _pg_connect(pg_base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{pg_base}/{name}"


def drop_database(pg_base: str, name: str) -> None:
    if not name.startswith("pf_bench"):
        raise ValueError("benchmark databases are named pf_bench*")
    with contextlib.suppress(Exception), _pg_connect(pg_base) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlalchemy_url(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1] if url.startswith(
        ("postgresql://", "postgres://")) else url


# ---------------------------------------------------------------------------------------
# 3. HTTP
# ---------------------------------------------------------------------------------------
class HttpError(Exception):
    pass


@dataclass
class Sample:
    endpoint: str
    seconds: float
    status: int
    cpu: float = 0.0  # process CPU seconds; meaningful only for the in-process client
    sql: int = 0  # SQL statements; in-process client only


class Client:
    """Speaks API v1 like tests/api.py: over a keep-alive HTTP/1.1 connection, or, given a
    Flask test client, in-process (no WSGI server, no network: the API layer's own cost)."""

    def __init__(self, port: int | None, tokens: dict[str, str], samples: list[Sample],
                 timeout: float = 30, *, flask_client: Any = None,
                 now: Callable[[], datetime] | None = None,
                 statements: Callable[[], int] | None = None):
        self.port, self.tokens, self.samples, self.timeout = port, tokens, samples, timeout
        self.flask_client = flask_client
        self.now = now or (lambda: datetime.now(UTC))
        self.statements = statements
        self.conn = (http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
                     if flask_client is None else None)
        self.reconnects = 0

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()

    def _send(self, method: str, path: str, body: bytes | None,
              headers: dict[str, str]) -> tuple[int, bytes]:
        if self.flask_client is not None:
            r = self.flask_client.open(path, method=method, data=body, headers=headers)
            return r.status_code, r.get_data()
        assert self.conn is not None
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady):
                # the server closed an idle keep-alive connection: reconnect once
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
                self.reconnects += 1
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def call(self, method: str, path: str, endpoint: str, *, role: str | None = None,
             json_body: Any = None, body: bytes | None = None,
             content_type: str | None = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"}
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        in_process = self.flask_client is not None
        c0 = time.process_time() if in_process else 0.0
        s0 = self.statements() if self.statements else 0
        t0 = time.perf_counter()
        status, raw = self._send(method, path, body, headers)
        elapsed = time.perf_counter() - t0
        self.samples.append(Sample(endpoint, elapsed, status,
                                   time.process_time() - c0 if in_process else 0.0,
                                   self.statements() - s0 if self.statements else 0))
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw[:200].decode(errors="replace")
        return status, data

    def expect(self, want: int, method: str, path: str, endpoint: str, **kwargs: Any) -> Any:
        status, data = self.call(method, path, endpoint, **kwargs)
        if status != want:
            raise HttpError(f"{method} {path} → {status}: {str(data)[:300]}")
        return data

    def upload_photo(self, role: str, content: bytes) -> str:
        boundary = f"pfbench{uuid.uuid4().hex}"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"screen.png\"\r\nContent-Type: image/png\r\n\r\n").encode() \
            + content + f"\r\n--{boundary}--\r\n".encode()
        data = self.expect(201, "POST", "/api/v1/uploads", "POST /uploads", role=role,
                           body=body, content_type=f"multipart/form-data; boundary={boundary}")
        return data["id"]

    def lifecycle(self, ids: dict[str, Any], tag: str) -> dict[str, Any]:
        """One permit through the API; returns what path it took."""
        now = self.now()
        start = now + timedelta(minutes=10)
        application = {
            "type": PROCESS_KEY, "site": ids["site"], "area_code": AREA_CODE,
            "location": {"lat": ids["lat"], "lon": ids["lon"]}, "description": DESCRIPTION,
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(hours=4)).isoformat(),
            "workers": [ids["worker"]], "watcher": ids["people"]["watcher"],
            "fields": {"method": "gas_cutting", "outdoor": False, "wind_force": 0},
        }
        permit = self.expect(201, "POST", "/api/v1/permits", "POST /permits",
                             role="applicant", json_body=application)
        permit_id = permit["id"]
        path = {"grade": permit.get("grade"), "risk": permit.get("risk"),
                "upgrade_reasons": permit.get("upgrade_reasons"), "steps": []}
        detail = permit
        for _ in range(MAX_STEPS):
            open_tasks = detail.get("open_tasks") or []
            if not open_tasks:
                break
            bpmn_id, lane = open_tasks[0]["bpmn_id"], open_tasks[0]["lane"]
            inbox = self.expect(200, "GET", "/api/v1/tasks", "GET /tasks", role=lane)
            found = [t for t in inbox["items"]
                     if t["permit"]["id"] == permit_id and t["bpmn_id"] == bpmn_id]
            if not found:
                raise HttpError(f"{lane} has no {bpmn_id} for permit {permit_id} in the inbox")
            photo = ""
            if bpmn_id in ("gas_test", "gas_retest"):
                photo = self.upload_photo("applicant", PNG + tag.encode())
            data = task_data(bpmn_id, applicant_id=ids["people"]["applicant"],
                             now=self.now(), photo=photo)
            detail = self.expect(200, "POST", f"/api/v1/tasks/{found[0]['id']}/complete",
                                 "POST /tasks/{id}/complete", role=lane,
                                 json_body={"data": data})
            path["steps"].append(bpmn_id)
            if bpmn_id == "watcher_sign_in":  # the applicant checks the permit is live
                self.expect(200, "GET", f"/api/v1/permits/{permit_id}", "GET /permits/{id}",
                            role="applicant")
        if detail.get("status") != "closed":
            raise HttpError(f"permit {permit_id} ended {detail.get('status')!r}")
        return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _permitflow_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "permitflow"
    if exe.exists():
        return [str(exe)]
    found = shutil.which("permitflow")
    if found:
        return [found]
    return [sys.executable, "-c", "from web.cli import main; main()"]


def _proc_cpu(pids: list[int]) -> float:
    """utime + stime of these processes, in seconds (0 for ones that are gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class Server:
    """``permitflow serve`` in its own process group; always stopped by :meth:`stop`."""

    def __init__(self, env: dict[str, str], cwd: Path, port: int, workers: int, threads: int):
        self.port = port
        self.log_path = cwd / "server.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [*_permitflow_cmd(), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--threads", str(threads)],
            env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def pids(self) -> list[int]:
        return [self.proc.pid, *_children(self.proc.pid)]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/v1/openapi.json")
                status = conn.getresponse().status
                conn.close()
                if status < 500 and len(_children(self.proc.pid)) >= 1:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def error_lines(self, limit: int = 8) -> list[str]:
        """Distinct exception lines the server logged (the last line of each traceback)."""
        found: dict[str, int] = {}
        with contextlib.suppress(OSError):
            for line in self.log_path.read_text(errors="replace").splitlines():
                text = line.strip()
                if (not line.startswith(" ") and ("Error" in text or "Exception" in text)
                        and '"' not in text[:40]):  # not access-log lines
                    key = re.sub(r"^\[[^]]*\] ", "", text)[:300]  # without the timestamp
                    found[key] = found.get(key, 0) + 1
        return [f"{count}× {line}" for line, count in list(found.items())[:limit]]

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # gunicorn workers are in the same group; make sure none outlives the master
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[rank]


def bench_http(pg_base: str, *, seconds: float, clients: int, max_lifecycles: int,
               workers: int = 2, threads: int = 4, keep_db: bool = False,
               verify_audit: bool = True) -> dict[str, Any]:
    """A fresh database, ``permitflow init`` + ``seed-demo``, the server, then the clients."""
    dbname = "pf_bench_http"
    url = recreate_database(pg_base, dbname)
    tmp = Path(tempfile.mkdtemp(prefix="pf_bench_http_"))
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "FLASK_APP", "PERMITFLOW_SECRET_KEY")}
    env.update(DATABASE_URL=url, PERMITFLOW_INSTANCE=str(tmp / "instance"),
               PERMITFLOW_UPLOADS=str(tmp / "uploads"), PYTHONUNBUFFERED="1")
    try:
        t_setup = time.perf_counter()
        for command in (["init"], ["seed-demo"]):
            done = subprocess.run([*_permitflow_cmd(), *command], env=env, cwd=tmp,
                                  capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                raise RuntimeError(f"permitflow {command[0]} failed:\n{done.stdout}\n"
                                   f"{done.stderr}")
        ids = _http_ids(url)
        server = Server(env, tmp, _free_port(), workers, threads)
        try:
            server.wait_ready()
            setup_s = time.perf_counter() - t_setup
            result = _drive_http(server, ids, seconds=seconds, clients=clients,
                                 max_lifecycles=max_lifecycles, database_url=url)
        finally:
            server.stop()
        result["setup_seconds"] = round(setup_s, 1)
        result["gunicorn"] = f"{workers} workers × {threads} threads"
        result["server_errors"] = server.error_lines()
        result["audit_verify"] = None
        if verify_audit:
            with contextlib.suppress(subprocess.TimeoutExpired):
                done = subprocess.run([*_permitflow_cmd(), "audit", "verify"], env=env,
                                      cwd=tmp, capture_output=True, text=True, timeout=120)
                lines = (done.stdout + done.stderr).strip().splitlines()
                result["audit_verify"] = lines[-1] if lines else f"exit {done.returncode}"
        return result
    finally:
        if not keep_db:
            drop_database(pg_base, dbname)
        shutil.rmtree(tmp, ignore_errors=True)


def _http_ids(url: str) -> dict[str, Any]:
    """Person ids and the area's coordinates, read straight from the seeded database."""
    from sqlalchemy import create_engine, text

    sa = create_engine(sqlalchemy_url(url))
    try:
        with sa.connect() as conn:
            people = dict(conn.execute(text(
                "SELECT username, id FROM person WHERE username IS NOT NULL")).all())
            worker = conn.execute(text("SELECT id FROM person WHERE name = :n"),
                                  {"n": WORKER_NAME}).scalar_one()
            site, lat, lon = conn.execute(text(
                "SELECT site_code, center_lat, center_lon FROM area WHERE code = :c"),
                {"c": AREA_CODE}).one()
    finally:
        sa.dispose()
    return {"people": people, "worker": worker, "site": site, "lat": lat, "lon": lon}


class LockSampler(threading.Thread):
    """Samples pg_stat_activity of the benchmark database ten times a second: what the
    server's connections are doing (running a statement, idle inside a transaction while
    Python works, waiting on the audit chain's advisory lock or on a row lock)."""

    QUERY = ("SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
             "WHERE datname = current_database() AND pid <> pg_backend_pid() "
             "AND backend_type = 'client backend'")
    #: which tables the not-yet-granted row and relation locks are on
    LOCKS = ("SELECT l.locktype, c.relname FROM pg_locks l "
             "LEFT JOIN pg_class c ON c.oid = l.relation "
             "WHERE NOT l.granted AND l.locktype IN ('tuple', 'relation')")

    def __init__(self, url: str, every: float = 0.1):
        super().__init__(name="bench-lock-sampler", daemon=True)
        self.url, self.every = url, every
        self.halt = threading.Event()
        self.samples = 0
        self.counts: dict[str, int] = defaultdict(int)
        self.any_advisory_wait = 0
        self.lock_tables: dict[str, int] = defaultdict(int)
        self.error: str | None = None

    def run(self) -> None:
        try:
            import psycopg

            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                while not self.halt.wait(self.every):
                    rows = conn.execute(self.QUERY).fetchall()
                    self.samples += 1
                    advisory = False
                    for state, wait_type, wait_event in rows:
                        if wait_type == "Lock":
                            key = f"waiting on {wait_event} lock"
                            advisory = advisory or wait_event == "advisory"
                        elif state == "active" and wait_type in ("Client", "IO", "LWLock"):
                            key = f"active ({wait_type}: {wait_event})"
                        else:
                            key = state or "unknown"
                        self.counts[key] += 1
                    self.any_advisory_wait += advisory
                    for locktype, relname in conn.execute(self.LOCKS).fetchall():
                        self.lock_tables[f"{locktype} lock on {relname}"] += 1
        except Exception as exc:  # diagnostics only: never fail the benchmark
            self.error = f"{type(exc).__name__}: {exc}"

    def summary(self) -> dict[str, Any]:
        k = self.samples
        if not k:
            return {"samples": 0, "error": self.error}
        return {
            "samples": k,
            "mean_connections": {key: round(v / k, 2) for key, v in
                                 sorted(self.counts.items(), key=lambda kv: -kv[1])},
            "pct_samples_advisory_wait": round(100 * self.any_advisory_wait / k, 1),
            "lock_waits_seen": dict(self.lock_tables),
            "error": self.error,
        }


def _drive_http(server: Server, ids: dict[str, Any], *, seconds: float, clients: int,
                max_lifecycles: int, database_url: str) -> dict[str, Any]:
    port = server.port
    login = Client(port, {}, [])
    tokens = {}
    for role in ("applicant", "watcher", "unit_approver", "safety_dept", "plant_leader"):
        tokens[role] = login.expect(200, "POST", "/api/v1/auth/token", "POST /auth/token",
                                    json_body={"username": role, "password": "demo"})["token"]
    login.close()

    lock = threading.Lock()
    stop = threading.Event()
    measuring = threading.Event()
    barrier = threading.Barrier(clients + 1)
    started = [0]
    deadline = [0.0]
    reconnects = [0]
    completed: list[dict[str, Any]] = []
    errors: list[str] = []
    warm_errors: list[str] = []
    finished_at: list[float] = []
    samples_by_client: list[list[Sample]] = [[] for _ in range(clients)]

    def client_thread(k: int) -> None:
        client = Client(port, tokens, [])
        seq = 0
        try:
            # warm-up, not measured: one lifecycle per client (each gunicorn worker parses
            # the spec, compiles expressions and fills its caches)
            try:
                client.lifecycle(ids, f"warm-{k}-{uuid.uuid4().hex[:8]}")
            except Exception as exc:
                with lock:
                    warm_errors.append(f"{type(exc).__name__}: {exc}")
            client.samples = samples_by_client[k]
            barrier.wait(timeout=300)
            measuring.wait(timeout=300)
            while not stop.is_set() and time.monotonic() < deadline[0]:
                with lock:
                    if started[0] >= max_lifecycles:
                        break
                    started[0] += 1
                seq += 1
                try:
                    path = client.lifecycle(ids, f"{k}-{seq}-{uuid.uuid4().hex[:8]}")
                    with lock:
                        completed.append(path)
                except Exception as exc:
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                        if len(errors) > 50:
                            stop.set()
        except threading.BrokenBarrierError:
            pass
        finally:
            with lock:
                finished_at.append(time.perf_counter())
                reconnects[0] += client.reconnects
            client.close()

    pool = [threading.Thread(target=client_thread, args=(k,), daemon=True,
                             name=f"bench-client-{k}") for k in range(clients)]
    try:
        for t in pool:
            t.start()
        barrier.wait(timeout=600)  # every client has finished its warm-up lifecycle
        sampler = LockSampler(database_url)
        sampler.start()
        server_pids = server.pids()
        srv0, mach0, cli0 = _proc_cpu(server_pids), _machine_cpu(), time.process_time()
        t0 = time.perf_counter()
        deadline[0] = time.monotonic() + seconds
        measuring.set()
        for t in pool:
            t.join(timeout=max(1.0, deadline[0] + 120 - time.monotonic()))
        if any(t.is_alive() for t in pool):
            errors.append("client threads still running 120 s after the deadline")
        elapsed = (max(finished_at) if finished_at else time.perf_counter()) - t0
        srv1, mach1, cli1 = _proc_cpu(server_pids), _machine_cpu(), time.process_time()
        sampler.halt.set()
        sampler.join(timeout=5)
    finally:
        stop.set()
        barrier.abort()
        measuring.set()

    samples = [s for per in samples_by_client for s in per]
    latencies = [s.seconds * 1000 for s in samples]
    endpoints: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        endpoints[s.endpoint].append(s.seconds * 1000)
    n = len(completed)
    busy = mach1[0] - mach0[0]
    paths = defaultdict(int)
    for p in completed:
        paths[f"{p['grade']}/{p['risk']} {'+'.join(p['upgrade_reasons'] or []) or '-'}: "
              f"{' → '.join(p['steps'])}"] += 1
    return {
        "clients": clients, "seconds": round(elapsed, 2),
        "lifecycles": n, "lifecycles_per_s": round(n / elapsed, 2) if elapsed else 0.0,
        "requests": len(samples), "requests_per_s": round(len(samples) / elapsed, 1)
        if elapsed else 0.0,
        "requests_per_lifecycle": round(len(samples) / n, 1) if n else None,
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
        "errors": len(errors), "error_samples": errors[:5], "warm_up_errors": warm_errors[:5],
        "non_2xx": sum(1 for s in samples if s.status >= 300),
        "reconnects": reconnects[0],
        "endpoints": {name: {"count": len(v), "p50_ms": round(_percentile(v, 50), 1),
                             "p99_ms": round(_percentile(v, 99), 1)}
                      for name, v in sorted(endpoints.items())},
        "server_cpu_ms_per_lifecycle": round(1000 * (srv1 - srv0) / n, 1) if n else None,
        "client_cpu_ms_per_lifecycle": round(1000 * (cli1 - cli0) / n, 1) if n else None,
        "machine_cpu_busy_pct": round(100 * busy / (mach1[1] - mach0[1]), 1)
        if mach1[1] > mach0[1] else None,
        "other_cpu_ms_per_lifecycle": round(
            1000 * (busy / os.sysconf("SC_CLK_TCK") - (srv1 - srv0) - (cli1 - cli0)) / n, 1)
        if n else None,
        "server_cpu_ms_per_request": round(1000 * (srv1 - srv0) / len(samples), 2)
        if samples else None,
        "paths": dict(paths),
        "postgres_activity": sampler.summary(),
    }


# ---------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------
def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def render(report: dict[str, Any]) -> str:
    out: list[str] = []
    variants = report["variants"]
    raw_cpu = variants[0]["cpu_ms_per_permit"] if variants else None
    out.append(f"## permitflow engine benchmark — hot_work lifecycle "
               f"(revision {report['machine'].get('revision')}, "
               f"{report['machine']['cpus']} CPUs, Python {report['machine']['python']}, "
               f"SpiffWorkflow {report['machine']['spiffworkflow']}, load average at start "
               f"{report['machine'].get('loadavg', ['?'])[0]})\n")
    out.append("| variant | n | CPU ms/permit | wall ms/permit | permits/s | × raw CPU "
               "| SQL stmts/permit |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for v in variants:
        ratio = v["cpu_ms_per_permit"] / raw_cpu if raw_cpu else None
        out.append(f"| {v['name']} | {v['n']} | {_fmt(v['cpu_ms_per_permit'])} | "
                   f"{_fmt(v['wall_ms_per_permit'])} | {_fmt(v['permits_per_s'], 1)} | "
                   f"{_fmt(ratio, 1)}× | {_fmt(v['sql_statements_per_permit'], 1)} |")
    unknown = sorted({op for v in variants for op in v.get("stub_unknown_operators") or []})
    if unknown:
        out.append(f"\nNote: the raw stub has no canned result for {', '.join(unknown)} "
                   f"(answered {{}}); update `_stub_results`.")
    engines = [v for v in variants if v.get("kind") != "api"]
    services = [v for v in engines if v["sql_statements_per_permit"]]
    if services:
        out.append("\nPer step, per permit (raw: CPU ms; service layer: CPU ms / wall ms / "
                   "SQL statements):\n")
        labels: list[str] = []
        for v in engines:
            for label in v["per_step"]:
                if label not in labels:
                    labels.append(label)
        out.append("| step | " + " | ".join(v["name"] for v in engines) + " |")
        out.append("|---|" + "---:|" * len(engines))
        for label in labels:
            cells = []
            for v in engines:
                s = v["per_step"].get(label)
                if s is None:
                    cells.append("–")
                elif v in services:
                    cells.append(f"{s['cpu_ms']:.2f} / {s['wall_ms']:.2f} / {s['sql']:.0f}")
                else:
                    cells.append(f"{s['cpu_ms']:.3f}")
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        out.append("\nStored per permit:\n")
        out.append("| variant | final state bytes | audit events | audit data bytes "
                   "| human tasks | outbox rows |")
        out.append("|---|---:|---:|---:|---:|---:|")
        for v in services:
            out.append(f"| {v['name']} | {_fmt(v.get('final_state_bytes'))} | "
                       f"{_fmt(v.get('audit_events_per_permit'), 1)} | "
                       f"{_fmt(v.get('audit_bytes_per_permit'))} | "
                       f"{_fmt(v.get('human_tasks_per_permit'), 1)} | "
                       f"{_fmt(v.get('outbox_rows_per_permit'), 1)} |")
        for v in services:
            if v.get("cpu_ms_first_tenth") is not None:
                out.append(f"\n{v['name']}: CPU per permit, first → last tenth of the run "
                           f"{v['cpu_ms_first_tenth']} → {v['cpu_ms_last_tenth']} ms; of which "
                           f"apply {v['apply_cpu_ms_first_tenth']} → "
                           f"{v['apply_cpu_ms_last_tenth']} ms (every permit names the same "
                           f"worker, so the crew's history grows with n).")
        for v in services:
            if v.get("detail_cpu_ms") is not None:
                out.append(f"\n{v['name']}: rendering `web.api.permits.detail` of a closed "
                           f"permit (the body every API write returns) costs "
                           f"{v['detail_cpu_ms']} ms CPU, {v['detail_wall_ms']} ms wall, "
                           f"{v['detail_sql']} SQL statements, {v['detail_bytes']} bytes.")
    for v in variants:
        if v.get("kind") != "api":
            continue
        out.append(f"\n{v['name']}: per endpoint, per permit ({v['steps_per_permit']:g} "
                   f"requests/permit, single-threaded, so CPU is exact):\n")
        out.append("| endpoint | calls | CPU ms | CPU ms/call | wall ms | SQL stmts "
                   "| SQL/call |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        for name, e in sorted(v["per_step"].items(), key=lambda kv: -kv[1]["cpu_ms"]):
            calls = e["per_permit"] or 1
            out.append(f"| {name} | {calls:g} | {e['cpu_ms']:.2f} | "
                       f"{e['cpu_ms'] / calls:.2f} | {e['wall_ms']:.2f} | {e['sql']:.1f} | "
                       f"{e['sql'] / calls:.1f} |")
    h = report.get("http")
    if h:
        out.append(f"\n### HTTP (gunicorn {h['gunicorn']}, PostgreSQL, "
                   f"{h['seconds']} s measured after one warm-up lifecycle per client)\n")
        out.append("| clients | lifecycles | lifecycles/s | p50 ms | p99 ms | requests "
                   "| req/s | errors |")
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
        out.append(f"| {h['clients']} | {h['lifecycles']} | {_fmt(h['lifecycles_per_s'])} | "
                   f"{_fmt(h['p50_ms'], 1)} | {_fmt(h['p99_ms'], 1)} | {h['requests']} | "
                   f"{_fmt(h['requests_per_s'], 1)} | {h['errors']} |")
        out.append("\n| endpoint | count | p50 ms | p99 ms |")
        out.append("|---|---:|---:|---:|")
        for name, e in h["endpoints"].items():
            out.append(f"| {name} | {e['count']} | {_fmt(e['p50_ms'], 1)} | "
                       f"{_fmt(e['p99_ms'], 1)} |")
        out.append(f"\nCPU per lifecycle: server (gunicorn) "
                   f"{_fmt(h['server_cpu_ms_per_lifecycle'], 1)} ms "
                   f"({_fmt(h['server_cpu_ms_per_request'], 2)} ms/request), client "
                   f"{_fmt(h['client_cpu_ms_per_lifecycle'], 1)} ms, rest of the "
                   f"machine (PostgreSQL, …) {_fmt(h['other_cpu_ms_per_lifecycle'], 1)} ms; "
                   f"machine busy {_fmt(h['machine_cpu_busy_pct'], 1)}%. "
                   f"{h['requests_per_lifecycle']} requests/lifecycle; setup "
                   f"{h['setup_seconds']} s; keep-alive reconnects {h['reconnects']}.")
        pg = h.get("postgres_activity") or {}
        if pg.get("samples"):
            states = ", ".join(f"{key} {v}" for key, v in pg["mean_connections"].items())
            out.append(f"- PostgreSQL connections, mean over {pg['samples']} samples: {states}; "
                       f"someone waits on the audit advisory lock in "
                       f"{pg['pct_samples_advisory_wait']}% of samples.")
            if pg.get("lock_waits_seen"):
                out.append("- row/table lock waits seen (samples): " + ", ".join(
                    f"{k} ×{v}" for k, v in pg["lock_waits_seen"].items()))
        for path, count in h["paths"].items():
            out.append(f"- path ×{count}: {path}")
        if h.get("audit_verify"):
            out.append(f"- audit verify after the run: {h['audit_verify']}")
        for e in h["error_samples"]:
            out.append(f"- error: {e}")
        for e in h.get("warm_up_errors") or []:
            out.append(f"- warm-up error: {e}")
        for line in h.get("server_errors") or []:
            out.append(f"- server log: {line}")
    prof = report.get("profile")
    if prof:
        out.append(f"\n### cProfile (wall-clock timer), SQLite service layer ({prof['n']} "
                   f"lifecycles, {prof['cpu_ms_per_permit_profiled']} ms/permit under the "
                   f"profiler)\n")
        out.append("Top cumulative (permitflow / SpiffWorkflow / SQLAlchemy), per permit:\n")
        out.append("| # | function | cum ms | own ms | calls |")
        out.append("|---:|---|---:|---:|---:|")
        for i, row in enumerate(prof["top_cumulative"], 1):
            out.append(f"| {i} | `{row['function']}` | {row['cum_ms']:.2f} | "
                       f"{row['own_ms']:.2f} | {row['calls']:g} |")
        out.append("\nTop cumulative, permitflow code only, per permit:\n")
        out.append("| # | function | cum ms | own ms | calls |")
        out.append("|---:|---|---:|---:|---:|")
        for i, row in enumerate(prof["top_permitflow"], 1):
            out.append(f"| {i} | `{row['function']}` | {row['cum_ms']:.2f} | "
                       f"{row['own_ms']:.2f} | {row['calls']:g} |")
        out.append("\nTop own time (any code), per permit:\n")
        out.append("| # | function | own ms | cum ms | calls |")
        out.append("|---:|---|---:|---:|---:|")
        for i, row in enumerate(prof["top_own"], 1):
            out.append(f"| {i} | `{row['function']}` | {row['own_ms']:.2f} | "
                       f"{row['cum_ms']:.2f} | {row['calls']:g} |")
        out.append("\nOwn time by package: " + ", ".join(
            f"{k} {v}%" for k, v in prof["own_time_by_package"].items()))
    return "\n".join(out)


def _revision() -> str | None:
    """The commit measured, with ``+dirty`` when engine/, handlers/, processes/ or web/
    have uncommitted changes (other people edit them while benchmarks run)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "engine", "handlers",
                                "processes", "web"], cwd=REPO, capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}{'+dirty' if dirty else ''}" if head else None


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    return {"revision": _revision(),"cpus": os.cpu_count(), "python": sys.version.split()[0],
            "loadavg": [round(x, 2) for x in os.getloadavg()],
            "spiffworkflow": version("SpiffWorkflow"), "sqlalchemy": version("SQLAlchemy")}


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"machine": machine(), "started": datetime.now(UTC).isoformat(),
                              "variants": [], "http": None, "profile": None}
    variants: list[VariantResult] = []

    def progress(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    progress(f"raw SpiffWorkflow × {args.n} …")
    variants.append(bench_raw(args.n))
    variants.append(bench_raw(args.n, roundtrip=True))
    progress(f"service layer on SQLite × {args.n} …")
    with tempfile.TemporaryDirectory(prefix="pf_bench_sqlite_") as folder:
        result, prof = bench_service(
            "service layer, SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite'}", args.n,
            profile_n=min(args.n, args.profile_n) if args.profile else 0, base_time=args.at)
    variants.append(result)
    report["profile"] = prof
    if not args.skip_pg:
        progress(f"service layer on PostgreSQL × {args.n} …")
        name = "pf_bench_svc"
        url = recreate_database(args.pg, name)
        try:
            result, _ = bench_service("service layer, PostgreSQL", sqlalchemy_url(url), args.n,
                                      base_time=args.at)
        finally:
            if not args.keep_db:
                drop_database(args.pg, name)
        variants.append(result)
    if not args.skip_api:
        where = "SQLite" if args.skip_pg else "PostgreSQL"
        api_n = args.api_n or max(1, min(args.n, 100))
        progress(f"API in-process (Flask test client) on {where} × {api_n} …")
        with tempfile.TemporaryDirectory(prefix="pf_bench_api_sqlite_") as folder:
            if args.skip_pg:
                uri = f"sqlite:///{Path(folder) / 'api.sqlite'}"
            else:
                uri = sqlalchemy_url(recreate_database(args.pg, "pf_bench_api"))
            try:
                variants.append(bench_api(f"API in-process (Flask test client), {where}",
                                          uri, api_n, base_time=args.at))
            finally:
                if not args.skip_pg and not args.keep_db:
                    drop_database(args.pg, "pf_bench_api")
    raw_cpu = variants[0].cpu_ms
    report["variants"] = [v.as_dict(raw_cpu) for v in variants]
    if not args.skip_http:
        progress(f"HTTP: {args.clients} clients for {args.seconds:g} s …")
        report["http"] = bench_http(args.pg, seconds=args.seconds, clients=args.clients,
                                    max_lifecycles=args.max_lifecycles,
                                    keep_db=args.keep_db)
    report["finished"] = datetime.now(UTC).isoformat()
    report["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=200,
                   help="lifecycles per in-process variant (default 200)")
    p.add_argument("--seconds", type=float, default=20,
                   help="measured duration of the HTTP run (default 20)")
    p.add_argument("--clients", type=int, default=8, help="HTTP client threads (default 8)")
    p.add_argument("--max-lifecycles", type=int, default=100_000,
                   help="stop the HTTP run after this many lifecycles")
    p.add_argument("--skip-pg", action="store_true", help="no in-process PostgreSQL run")
    p.add_argument("--skip-http", action="store_true", help="no HTTP run")
    p.add_argument("--skip-api", action="store_true",
                   help="no in-process API run (Flask test client)")
    p.add_argument("--api-n", type=int, default=0,
                   help="lifecycles of the in-process API run (default min(n, 100))")
    p.add_argument("--profile", action="store_true",
                   help="cProfile the SQLite service layer (separate pass)")
    p.add_argument("--profile-n", type=int, default=100,
                   help="lifecycles in the profiled pass (default min(n, 100))")
    p.add_argument("--at", type=datetime.fromisoformat, default=BASE_TIME,
                   help="frozen-clock start of the in-process runs, ISO with offset (default "
                        f"{BASE_TIME.isoformat()}: a working-day morning in Shanghai)")
    p.add_argument("--pg", default=os.environ.get("PF_BENCH_PG", PG_BASE_DEFAULT),
                   help=f"PostgreSQL server URL without database (default {PG_BASE_DEFAULT})")
    p.add_argument("--keep-db", action="store_true", help="keep the pf_bench* databases")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = p.parse_args(argv)
    if args.n < 1 or args.clients < 1 or args.seconds <= 0:
        p.error("--n, --clients and --seconds must be positive")
    if args.at.tzinfo is None:
        p.error("--at needs a UTC offset, e.g. 2026-06-03T10:00+08:00")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def on_term(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    # Ctrl-C must stop the server even when started from a shell that ignores SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        report = run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    print(render(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False,
                                              default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
