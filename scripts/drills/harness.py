"""The plant under test: its own redis-server, a PostgreSQL database, ``permitflow serve`` and
two ``permitflow worker`` processes, and a local HTTP sink standing in for the WeChat Work
robot that the notifications go to.

Everything here is started by the drill and stopped by it, by process id: the machine's
shared Redis and PostgreSQL server are never stopped or flushed (the drill only creates and
drops its own database, ``pf_outbox_drill`` unless told otherwise; its name must contain
"drill").
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def _bench() -> Any:
    """scripts/bench/engine.py: its API client, server wrapper and lifecycle are reused."""
    spec = importlib.util.spec_from_file_location("pf_bench_engine",
                                                  REPO / "scripts" / "bench" / "engine.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["pf_bench_engine"] = module
    spec.loader.exec_module(module)
    return module


bench = _bench()
free_port = bench._free_port
permitflow_cmd = bench._permitflow_cmd


# -- the notification sink -----------------------------------------------------------------
class Sink(ThreadingHTTPServer):
    """A robot endpoint that honours ``Idempotency-Key``: every POST is recorded by key; a
    repeat of a key is answered like the first and not shown twice."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.lock = threading.Lock()
        self.received: dict[str, list[float]] = {}  # key → wall-clock arrival times
        self.delay = 0.0  # seconds each request is held before the answer
        self.in_flight = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cgi-bin/webhook/send?key=drill"

    def snapshot(self) -> dict[str, list[float]]:
        with self.lock:
            return {k: list(v) for k, v in self.received.items()}

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _SinkHandler(BaseHTTPRequestHandler):
    server: Sink

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        key = self.headers.get("Idempotency-Key") or f"(no key) {time.time()}"
        with self.server.lock:
            self.server.received.setdefault(key, []).append(time.time())
            self.server.in_flight += 1
        try:
            if self.server.delay:
                time.sleep(self.server.delay)
            body = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender was killed while we held its request: it did arrive
        finally:
            with self.server.lock:
                self.server.in_flight -= 1

    def log_message(self, *args: Any) -> None:
        pass


# -- processes -----------------------------------------------------------------------------
class Proc:
    """One child in its own process group, logging to a file; stopped by its pid only."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path):
        self.name = name
        self.log_path = cwd / f"{name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill9(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        self._log.close()


class Plant:
    """Redis + PostgreSQL database + server + two workers + sink, with short timeouts."""

    def __init__(self, tmp: Path, pg_base: str, dbname: str, *, ack_seconds: float,
                 stale_seconds: float):
        if "drill" not in dbname:  # it is dropped and re-created: never a real database
            raise ValueError("a drill database has 'drill' in its name")
        self.tmp, self.pg_base, self.dbname = tmp, pg_base, dbname
        self.url = f"{pg_base}/{dbname}"
        self.sink = Sink()
        self.redis_port = free_port()
        self.redis: Proc | None = None
        self.server: Any = None
        self.workers: list[Proc] = []
        self.worker_generation = 0
        notify_conf = tmp / "notify.json"
        notify_conf.write_text(json.dumps({"wecom": {"webhook": self.sink.url}}))
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("REDIS_URL", "DATABASE_URL", "FLASK_APP",
                                 "PERMITFLOW_SECRET_KEY", "PERMITFLOW_NOTIFY_CONFIG")}
        self.env.update(
            DATABASE_URL=self.url, REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            PERMITFLOW_INSTANCE=str(tmp / "instance"), PERMITFLOW_UPLOADS=str(tmp / "uploads"),
            PERMITFLOW_REPORTS=str(tmp / "reports"), PERMITFLOW_TICK_SECONDS="1",
            PERMITFLOW_OUTBOX_ACK_SECONDS=str(ack_seconds),
            PERMITFLOW_NOTIFY_CONFIG=str(notify_conf), PERMITFLOW_NOTIFY_IDEMPOTENT="wecom",
            PERMITFLOW_NOTIFY_STALE_SECONDS=str(stale_seconds), PERMITFLOW_NOTIFY_TIMEOUT="10",
            PERMITFLOW_SUPERVISION_METHOD="confirmation", PYTHONUNBUFFERED="1")

    # redis
    def start_redis(self) -> None:
        """A fresh, empty redis-server without persistence on the drill's own port."""
        self.redis = Proc(f"redis-{int(time.time())}",
                          ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                           "--save", "", "--appendonly", "no"], self.env, self.tmp)
        deadline = time.monotonic() + 10
        import redis as redis_client

        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if redis_client.Redis(port=self.redis_port, socket_timeout=1).ping():
                    return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.kill9()  # its queues are gone with it: no persistence
            self.redis = None

    # database
    def recreate_database(self) -> None:
        with bench._pg_connect(self.pg_base) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.dbname}"')

    def drop_database(self) -> None:
        with contextlib.suppress(Exception), bench._pg_connect(self.pg_base) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')

    def terminate_backends(self) -> int:
        """What a PostgreSQL restart or fail-over does to the plant's connections."""
        with bench._pg_connect(self.pg_base) as conn:
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()", (self.dbname,)).fetchall()
        return len(rows)

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*permitflow_cmd(), *args], env=self.env, cwd=self.tmp,
                              capture_output=True, text=True, timeout=timeout)

    def setup(self) -> None:
        self.recreate_database()
        for command in (["init"], ["seed-demo"]):
            done = self.cli(*command)
            if done.returncode != 0:
                raise RuntimeError(f"permitflow {command[0]} failed:\n{done.stdout}\n"
                                   f"{done.stderr}")
        self.start_redis()
        self.server = bench.Server(self.env, self.tmp, free_port(), 2, 4)
        self.server.wait_ready(timeout=120)
        self.workers = [self.start_worker(), self.start_worker()]

    def start_worker(self) -> Proc:
        self.worker_generation += 1
        return Proc(f"worker-{self.worker_generation}",
                    [*permitflow_cmd(), "worker", "--threads", "2"], self.env, self.tmp)

    def ids(self) -> dict[str, Any]:
        return bench._http_ids(self.url)

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        if self.server is not None:
            self.server.stop()
        self.stop_redis()
        self.sink.stop()
