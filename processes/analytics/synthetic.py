"""Synthetic job history for tests and the benchmark: bulk rows, inserted fast.

Rows are plain dicts of column values (no ORM objects: a million of those would take
minutes). ``bulk_insert`` uses COPY on PostgreSQL and DBAPI ``executemany`` on SQLite, and
moves PostgreSQL's id sequences past explicit ids afterwards. Local weekday/hour and
month are stamped with the same ``slots`` functions the application uses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from ..models import ComplianceMiss, ComplianceSnapshot, Permit, SafetyIncident
from . import slots

PERMIT_COLUMNS = ("id", "number", "type", "site_code", "area_id", "lat", "lon", "description",
                  "planned_start", "planned_end", "applicant_id", "watcher_id", "fields",
                  "related_permits", "grade", "upgrade_reasons", "risk", "status",
                  "activated_at", "valid_until", "closed_at", "created_at", "updated_at",
                  "local_weekday", "local_hour", "contractor_id")
INCIDENT_COLUMNS = ("id", "occurred_at", "site_code", "area_id", "kind", "category",
                    "severity", "permit_id", "work_type", "contractor_id", "local_weekday",
                    "local_hour", "description", "source", "created_at")
SNAPSHOT_COLUMNS = ("permit_id", "site_code", "type", "contractor_id", "local_month",
                    "planned_start", "status", "required", "executed", "on_time",
                    "computed_at")
MISS_COLUMNS = ("permit_id", "node", "type", "site_code", "local_month")
JSON_COLUMNS = {"fields", "related_permits", "upgrade_reasons"}


def next_id(session: Session, column: Any) -> int:
    return int(session.execute(select(func.coalesce(func.max(column), 0))).scalar_one()) + 1


def permit_row(pid: int, *, number: str, type: str, site_code: str, area_id: int,
               lat: float, lon: float, start: datetime, end: datetime, applicant_id: int,
               watcher_id: int, status: str, tz: str, contractor_id: int | None = None,
               risk: str | None = None, grade: str | None = None,
               closed_at: datetime | None = None, valid_until: datetime | None = None,
               description: str = "synthetic job") -> dict[str, Any]:
    weekday, hour = slots.local_slot(start, tz)
    active = status not in ("applied", "approving", "approved", "rejected")
    return {"id": pid, "number": number, "type": type, "site_code": site_code,
            "area_id": area_id, "lat": lat, "lon": lon, "description": description,
            "planned_start": start, "planned_end": end, "applicant_id": applicant_id,
            "watcher_id": watcher_id, "fields": {}, "related_permits": [], "grade": grade,
            "upgrade_reasons": [], "risk": risk, "status": status,
            "activated_at": start if active else None, "valid_until": valid_until or end,
            "closed_at": closed_at, "created_at": start, "updated_at": closed_at or start,
            "local_weekday": weekday, "local_hour": hour, "contractor_id": contractor_id}


def incident_row(iid: int, *, occurred_at: datetime, site_code: str, area_id: int,
                 kind: str, tz: str, category: str = "other", severity: int = 1,
                 permit_id: int | None = None, work_type: str | None = None,
                 contractor_id: int | None = None) -> dict[str, Any]:
    weekday, hour = slots.local_slot(occurred_at, tz)
    return {"id": iid, "occurred_at": occurred_at, "site_code": site_code,
            "area_id": area_id, "kind": kind, "category": category, "severity": severity,
            "permit_id": permit_id, "work_type": work_type, "contractor_id": contractor_id,
            "local_weekday": weekday, "local_hour": hour, "description": "",
            "source": "csv", "created_at": occurred_at}


def _sqlite_value(value: Any, column: str) -> Any:
    if column in JSON_COLUMNS:
        return json.dumps(value)
    if isinstance(value, datetime):  # what SQLAlchemy's SQLite DateTime stores: naive UTC
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ",
                                                                    timespec="microseconds")
    return value


def _pg_value(value: Any, column: str) -> Any:
    return json.dumps(value) if column in JSON_COLUMNS else value


def bulk_insert(session: Session, table: Table, columns: Sequence[str],
                rows: Iterable[dict[str, Any]] | Iterable[Sequence[Any]]) -> int:
    """Insert rows (dicts, or tuples in ``columns`` order) as fast as the database allows."""
    conn = session.connection()
    raw = conn.connection.dbapi_connection
    dialect = conn.dialect.name
    count = 0
    cols = ", ".join(columns)

    def as_tuple(row: Any) -> Sequence[Any]:
        return tuple(row[c] for c in columns) if isinstance(row, dict) else row

    if dialect == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_pg_value(v, c) for v, c in zip(as_tuple(row), columns,
                                                                strict=True)])
                count += 1
        if "id" in columns:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                              f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))
        return count
    marks = ", ".join("?" for _ in columns)
    cur = raw.cursor()
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append([_sqlite_value(v, c) for v, c in zip(as_tuple(row), columns,
                                                           strict=True)])
        if len(batch) >= 20_000:
            cur.executemany(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", batch)
            count += len(batch)
            batch = []
    if batch:
        cur.executemany(f"INSERT INTO {table.name} ({cols}) VALUES ({marks})", batch)
        count += len(batch)
    cur.close()
    return count


def insert_permits(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    return bulk_insert(session, Permit.__table__, PERMIT_COLUMNS, rows)  # type: ignore[arg-type]


def insert_incidents(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    return bulk_insert(session, SafetyIncident.__table__, INCIDENT_COLUMNS,  # type: ignore[arg-type]
                       rows)


def insert_snapshots(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    return bulk_insert(session, ComplianceSnapshot.__table__,  # type: ignore[arg-type]
                       SNAPSHOT_COLUMNS, rows)


def insert_misses(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    return bulk_insert(session, ComplianceMiss.__table__, MISS_COLUMNS,  # type: ignore[arg-type]
                       rows)
