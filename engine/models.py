"""Engine tables: definitions, instances, the human-task index, incidents, outbox, audit.

Nothing here knows about permits; a permit is a domain row pointing at an instance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

from .db import JsonType, db

# SQLite has no BIGINT autoincrement; PostgreSQL gets a real bigint.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out — on SQLite too, which drops offsets."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        from datetime import UTC

        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ProcessDefinition(db.Model):
    __tablename__ = "engine_process_definition"
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_definition_key_version"),
        Index("ix_definition_key_sha", "key", "sha256"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    #: the BPMN file that holds this process (one of ``files``)
    main_file: Mapped[str] = mapped_column(String(255))
    #: every deployed source: [{"name", "kind": bpmn|dmn|form, "content"}]
    # Deferred: the parsed-spec cache needs only id and sha256, so the sources (~100 KB) are
    # read once per process, not with every task or instance.
    files: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, deferred=True)
    #: lint warnings kept for the designer (errors never get this far)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list,
                                                           deferred=True)
    deployed_by: Mapped[str | None] = mapped_column(String(120))
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notes: Mapped[str | None] = mapped_column(Text)

    def file(self, name: str) -> dict[str, Any] | None:
        return next((f for f in self.files if f["name"] == name), None)

    @property
    def bpmn_xml(self) -> str:
        main = self.file(self.main_file)
        return main["content"] if main else ""


class ProcessInstance(db.Model):
    __tablename__ = "engine_process_instance"
    __table_args__ = (Index("ix_instance_key_status", "process_key", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("engine_process_definition.id"))
    process_key: Mapped[str] = mapped_column(String(120))
    business_key: Mapped[str | None] = mapped_column(String(120), index=True)
    #: running | completed | cancelled
    status: Mapped[str] = mapped_column(String(20), default="running")
    #: optimistic concurrency: every save bumps it; a stale save raises StaleInstance
    revision: Mapped[int] = mapped_column(Integer, default=1)
    #: serialized workflow; deferred so inbox and task look-ups do not read it
    state: Mapped[str] = mapped_column(Text, deferred=True)
    next_timer_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    has_incident: Mapped[bool] = mapped_column(default=False)
    started_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": revision}


class HumanTask(db.Model):
    """The inbox index: one row per user task the engine has made ready."""

    __tablename__ = "engine_human_task"
    __table_args__ = (
        Index("ix_human_task_open_lane", "status", "lane"),
        Index("ix_human_task_instance", "instance_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task uuid
    instance_id: Mapped[int] = mapped_column(ForeignKey("engine_process_instance.id"))
    process_key: Mapped[str] = mapped_column(String(120))
    bpmn_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str | None] = mapped_column(String(255))
    lane: Mapped[str | None] = mapped_column(String(120))
    form: Mapped[str | None] = mapped_column(String(255))
    mandatory: Mapped[bool] = mapped_column(default=False)
    #: open | completed | skipped (an audited override) | cancelled
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    completed_by: Mapped[str | None] = mapped_column(String(120))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    data: Mapped[dict[str, Any] | None] = mapped_column(JsonType)

    instance: Mapped[ProcessInstance] = relationship(lazy="select")


class Incident(db.Model):
    """A service task that failed: the instance waits there until retried or cancelled."""

    __tablename__ = "engine_incident"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("engine_process_instance.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    bpmn_id: Mapped[str] = mapped_column(String(120))
    operator: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str] = mapped_column(Text)
    #: open | resolved | cancelled | skipped (an audited override)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    retries: Mapped[int] = mapped_column(Integer, default=0)
    next_retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(120))


class OutboxMessage(db.Model):
    """A job written in the same transaction as the state change that causes it."""

    __tablename__ = "engine_outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "available_at"),
                      Index("ix_outbox_unacked", "acked_at", "dead_at", "available_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor: Mapped[str] = mapped_column(String(120))
    queue: Mapped[str] = mapped_column(String(60), default="default")
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: set by the job itself, in the transaction that records its effects: until then the
    #: relay hands the row over again (Redis without persistence may have lost it)
    acked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: the relay gave up after too many unacknowledged hand-overs (an admin is told)
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: consecutive refusals by the broker (Redis down): only backs off, never gives up
    send_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ProcessedMessage(db.Model):
    """Receipts that make at-least-once delivery idempotent for the job's effects."""

    __tablename__ = "engine_processed_message"

    message_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    actor: Mapped[str] = mapped_column(String(120))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEvent(db.Model):
    """Append-only, hash-chained log: each row's hash covers the previous row's hash."""

    __tablename__ = "engine_audit_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80), index=True)
    instance_id: Mapped[int | None] = mapped_column(BigId, index=True)
    process_key: Mapped[str | None] = mapped_column(String(120))
    process_version: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Draft(db.Model):
    """A designer's unfinished edit of a process: stored, never run, one per (key, author).

    Saving again replaces it; deploying the process as that author deletes it. The files
    are kept as a deploy would take them, so the draft can be validated or deployed later
    exactly as it was saved.
    """

    __tablename__ = "engine_draft"
    __table_args__ = (UniqueConstraint("process_key", "author", name="uq_draft_key_author"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(120))
    author: Mapped[str] = mapped_column(String(120))
    #: the deployed version the edit started from (None: a new process)
    based_on_version: Mapped[int | None] = mapped_column(Integer)
    #: [{"name", "kind": bpmn|dmn|form, "content"}], like ProcessDefinition.files
    files: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    notes: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @property
    def bpmn_xml(self) -> str:
        return next((f["content"] for f in self.files if f["kind"] == "bpmn"), "")
