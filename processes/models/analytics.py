"""Tables behind the risk views: safety incidents, compliance snapshots, report jobs, ratings.

Aggregates over a million jobs must be one ``GROUP BY`` on one narrow table, so the rows
here carry their grouping keys (site, type, contractor, local weekday/hour/month) copied
from the permit when they are written, instead of joining at query time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine import JsonType, UtcDateTime, db

#: what a safety record is: the heatmap's numerator counts incidents and near misses;
#: equipment failures feed the failure-rate vs work-density correlation
INCIDENT_KINDS = ("incident", "near_miss", "equipment_failure")
#: 1 轻微 minor … 4 重大 major
SEVERITIES = {1: "轻微 minor", 2: "一般 moderate", 3: "严重 serious", 4: "重大 major"}


class SafetyIncident(db.Model):
    """An incident, near miss or equipment failure: when, where, what, how bad, which job."""

    __tablename__ = "safety_incident"
    __table_args__ = (
        Index("ix_safety_incident_site_occurred", "site_code", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    site_code: Mapped[str] = mapped_column(ForeignKey("site.code"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: fire, leak, fall, … (free vocabulary of the plant; see analytics settings)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[int] = mapped_column(SmallInteger)
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id"), index=True)
    #: the work type of the linked permit, or given when no permit is linked
    work_type: Mapped[str | None] = mapped_column(String(40))
    contractor_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    #: local time slot at the site (0 = Monday), stored so GROUP BY needs no time zone maths
    local_weekday: Mapped[int] = mapped_column(SmallInteger)
    local_hour: Mapped[int] = mapped_column(SmallInteger)
    description: Mapped[str] = mapped_column(Text, default="")
    #: manual | csv
    source: Mapped[str] = mapped_column(String(20), default="manual")
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ComplianceSnapshot(db.Model):
    """A finished permit's compliance and closing, with the keys the dashboard groups by.

    Computed once a permit has ended (closed, expired, cancelled, rejected) and again if
    the permit changes afterwards; ``processes.analytics.snapshots`` keeps it current.
    """

    __tablename__ = "compliance_snapshot"
    __table_args__ = (
        Index("ix_compliance_snapshot_site_month", "site_code", "local_month"),
    )

    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), primary_key=True)
    site_code: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(40))
    contractor_id: Mapped[int | None] = mapped_column(Integer)
    #: yyyymm of the planned start at the site
    local_month: Mapped[int] = mapped_column(Integer)
    planned_start: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20))
    required: Mapped[int] = mapped_column(Integer, default=0)
    executed: Mapped[int] = mapped_column(Integer, default=0)
    #: 1 closed by its deadline, 0 closed late or never closed (expired), NULL not counted
    on_time: Mapped[int | None] = mapped_column(SmallInteger)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ComplianceMiss(db.Model):
    """One mandatory node a finished permit skipped (no evidence): for 'most skipped'."""

    __tablename__ = "compliance_miss"

    permit_id: Mapped[int] = mapped_column(ForeignKey("compliance_snapshot.permit_id"),
                                           primary_key=True)
    node: Mapped[str] = mapped_column(String(120), primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    site_code: Mapped[str] = mapped_column(String(20))
    local_month: Mapped[int] = mapped_column(Integer, index=True)


class ReportJob(db.Model):
    """A report or export made in the background: progress for the page, the file at the end."""

    __tablename__ = "report_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: quarterly | regulator_push
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    #: queued | running | done | failed
    status: Mapped[str] = mapped_column(String(20), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str | None] = mapped_column(String(120))
    result_path: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WorkerRating(db.Model):
    """A watcher's rating (1–5) of a worker on a job: one input of the quality score."""

    __tablename__ = "worker_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    rated_by: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime)
