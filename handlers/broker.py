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

from engine import OutboxMessage, clock, db, outbox

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
                    if not outbox.begin(db.session, message_id):
                        log.info("job %s (outbox %s) already done: redelivery ignored",
                                 name, message_id)
                        db.session.rollback()
                        return
                    func(db.session, message_id, payload)
                    # the effects and the acknowledgement commit together: until this
                    # commits, the relay will hand the row over again
                    outbox.ack(db.session, message_id, now=clock.now())
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


#: a worker silent this long counts as dead, and the messages it had taken are requeued
HEARTBEAT_TIMEOUT_MS = 20_000
#: out of a million broker commands, how many also run that requeue (dramatiq's default of
#: 1000 means minutes on a quiet plant; idle consumers poll several times a second, so 2 %
#: puts a dead worker's messages back within seconds of its heartbeat expiring)
MAINTENANCE_CHANCE = 20_000


def make_broker(redis_url: str | None, *, namespace: str = "permitflow",
                heartbeat_timeout_ms: int = HEARTBEAT_TIMEOUT_MS,
                maintenance_chance: int = MAINTENANCE_CHANCE) -> dramatiq.Broker:
    """Redis needs its heartbeat and maintenance settings tuned so that the messages of a
    ``kill -9``-ed worker are back in work well within two minutes (dramatiq's defaults
    leave that to chance); the outbox's own re-send covers what Redis loses outright."""
    if redis_url:
        import redis
        from dramatiq.brokers.redis import RedisBroker

        # timeouts so a Redis that vanishes mid-command fails the call instead of hanging it
        client = redis.Redis(connection_pool=redis.ConnectionPool.from_url(
            redis_url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30))
        broker: dramatiq.Broker = RedisBroker(
            client=client, namespace=namespace, heartbeat_timeout=heartbeat_timeout_ms,
            maintenance_chance=maintenance_chance, dead_message_ttl=86_400_000 * 7)
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    broker.add_middleware(_LogFailures())
    return broker
