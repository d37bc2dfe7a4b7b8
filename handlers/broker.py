"""The dramatiq broker: Redis when REDIS_URL is set, else an in-process stub broker.

Actors are declared explicitly against the broker we build (never dramatiq's implicit
global default), each wrapped so it runs inside the Flask app context with its own
transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware
from flask import Flask

from engine import OutboxMessage, db

log = logging.getLogger(__name__)

JobFunc = Callable[..., None]


class Jobs:
    """The broker, its actors, and (in-process mode) the worker threads."""

    def __init__(self, app: Flask, broker: dramatiq.Broker):
        self.app = app
        self.broker = broker
        self.actors: dict[str, dramatiq.Actor] = {}
        self.worker: dramatiq.Worker | None = None
        self._lock = threading.Lock()

    @property
    def in_process(self) -> bool:
        return isinstance(self.broker, StubBroker)

    def declare(self, name: str, func: JobFunc, *, queue: str = "default",
                max_retries: int = 10) -> None:
        app = self.app

        def run(message_id: int, payload: dict[str, Any]) -> None:
            with app.app_context():
                try:
                    func(db.session, message_id, payload)
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    raise
                finally:
                    db.session.remove()

        run.__name__ = name.replace(".", "_")
        self.actors[name] = dramatiq.Actor(run, actor_name=name, queue_name=queue,
                                           broker=self.broker, priority=0,
                                           options={"max_retries": max_retries,
                                                    "min_backoff": 1000,
                                                    "max_backoff": 300_000})

    def send(self, message: OutboxMessage) -> None:
        """Hand one outbox row to the broker (used by the relay)."""
        actor = self.actors.get(message.actor)
        if actor is None:
            raise LookupError(f"no job named {message.actor!r}")
        actor.send_with_options(kwargs={"message_id": message.id, "payload": message.payload})

    def start_worker(self, threads: int = 2) -> dramatiq.Worker:
        with self._lock:
            if self.worker is None:
                self.worker = dramatiq.Worker(self.broker, worker_threads=threads,
                                              worker_timeout=200)
                self.worker.start()
            return self.worker

    def stop_worker(self) -> None:
        with self._lock:
            if self.worker is not None:
                self.worker.stop()
                self.worker = None

    def join(self, timeout_ms: int = 10_000) -> None:
        """Wait until every queue is drained (tests, the in-process demo)."""
        for queue in list(self.broker.get_declared_queues()):
            self.broker.join(queue, timeout=timeout_ms)
        if self.worker is not None:
            self.worker.join()


class _LogFailures(Middleware):
    def after_process_message(self, broker: dramatiq.Broker, message: Any, *,
                              result: Any = None, exception: BaseException | None = None
                              ) -> None:
        if exception is not None:
            log.warning("job %s (outbox %s) failed: %s", message.actor_name,
                        message.kwargs.get("message_id"), exception)


def make_broker(redis_url: str | None, *, namespace: str = "permitflow") -> dramatiq.Broker:
    if redis_url:
        from dramatiq.brokers.redis import RedisBroker

        broker: dramatiq.Broker = RedisBroker(url=redis_url, namespace=namespace)
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    broker.add_middleware(_LogFailures())
    return broker
