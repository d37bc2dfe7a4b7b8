"""Running the web app and the worker: gunicorn in production, in-process jobs for the demo."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from flask import Flask

from handlers.jobs import Ticker

log = logging.getLogger(__name__)


def start_background(app: Flask, *, threads: int = 2) -> Ticker:
    """The in-process worker and the ticker (timers, retries, outbox relay)."""
    ext = app.extensions["permitflow"]
    jobs = ext["jobs"]
    if jobs.in_process:
        jobs.start_worker(threads=threads)
    ticker = Ticker(app, ext["engine"], jobs, app.config.get("TICK_SECONDS", 5))
    ticker.start()
    return ticker


def serve(*, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    from . import create_app

    class App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)
            self.cfg.set("post_worker_init", self._post_worker_init)

        @staticmethod
        def _post_worker_init(worker: Any) -> None:
            app = worker.wsgi
            if not app.config.get("REDIS_URL"):
                start_background(app)

        def load(self) -> Flask:
            return create_app()

    App().run()


def run_worker(app: Flask, *, threads: int) -> None:
    jobs = app.extensions["permitflow"]["jobs"]
    jobs.start_worker(threads=threads)
    ticker = start_background(app, threads=threads)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info("worker running (%s)", "in-process" if jobs.in_process else "redis")
    stop.wait()
    ticker.stop()
    jobs.stop_worker()
