"""The quarterly safety audit report: a background job whose PDF has Chinese text, the
charts and the findings, and that says so when the quarter is empty."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import OutboxMessage, db
from handlers.jobs import JOBS
from tests.api import Api
from tests.processes.analytics.hotspot import generate

PDFTOTEXT = shutil.which("pdftotext")
IN_CI = os.environ.get("CI") == "true"
needs_poppler = pytest.mark.skipif(
    PDFTOTEXT is None and not IN_CI,
    reason="pdftotext (poppler-utils) is not installed; CI installs it")


def run_outbox(app) -> int:
    """What the worker does: run each pending report job from its outbox row."""
    ran = 0
    with app.app_context():
        rows = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.actor.like("reports.%"))
            ).scalars().all()
        work = [(m.id, m.actor, dict(m.payload)) for m in rows]
        for message_id, actor, payload in work:
            JOBS[actor](db.session, message_id, payload)
            db.session.commit()
            ran += 1
        db.session.remove()
    return ran


def pdf_text(path: Path) -> str:
    assert PDFTOTEXT, "CI must install poppler-utils (pdftotext)"
    return subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=60).stdout


def pdf_images(path: Path) -> int:
    listing = subprocess.run([shutil.which("pdfimages") or "pdfimages", "-list", str(path)],
                             capture_output=True, text=True, check=True, timeout=60).stdout
    return max(len(listing.strip().splitlines()) - 2, 0)


def fetch_report(api: Api, tmp_path: Path, year: int, quarter: int) -> Path:
    r = api.get("/reports/quarterly", year=year, quarter=quarter)
    assert r.status == 202, r.json
    job = r.json
    assert job["status"] == "queued" and job["file_url"] is None
    # asking again while it waits joins the same job
    assert api.get("/reports/quarterly", year=year, quarter=quarter).json["id"] == job["id"]
    assert run_outbox(api.app) == 1
    status = api.get(f"/reports/jobs/{job['id']}").json
    assert (status["status"], status["progress"]) == ("done", 100), status
    with api.client.get(status["file_url"], headers=api._headers()) as raw:
        assert raw.status_code == 200 and raw.data.startswith(b"%PDF")
        path = tmp_path / f"q{year}{quarter}.pdf"
        path.write_bytes(raw.data)
    return path


@needs_poppler
def test_quarter_report_has_chinese_text_charts_and_the_hot_spot(plant, tmp_path):
    with plant.app_context():
        generate(db.session)
        db.session.remove()
    path = fetch_report(Api(plant, "safety_dept"), tmp_path, 2026, 1)
    if os.environ.get("KEEP_PDF"):
        shutil.copy(path, os.environ["KEEP_PDF"])
    text = pdf_text(path)
    assert "2026 年第 1 季度特殊作业安全审计报告" in text
    assert "关键指标" in text and "承包商表现" in text
    assert "周五 15:00–16:00" in text  # the finding
    assert "2025 Q4" in text  # the previous quarter beside the KPIs
    assert pdf_images(path) >= 3  # monthly, compliance/heatmap and scatter charts


@needs_poppler
def test_an_empty_quarter_still_gives_a_pdf_that_says_so(plant, tmp_path):
    path = fetch_report(Api(plant, "safety_dept"), tmp_path, 2025, 1)
    text = pdf_text(path)
    assert "本季度无特殊作业和事故记录" in text
    assert pdf_images(path) == 0


def test_report_access_and_arguments(plant):
    assert Api(plant, "applicant").get("/reports/quarterly", year=2026, quarter=1).status == 403
    r = Api(plant, "safety_dept").get("/reports/quarterly", year=2026, quarter=5)
    assert r.status == 422 and "quarter" in r.json["errors"]
    r = Api(plant, "safety_dept").get("/reports/jobs/99999")
    assert r.status == 404


def test_the_file_is_refused_until_the_job_is_done(plant):
    api = Api(plant, "safety_dept")
    job = api.get("/reports/quarterly", year=2026, quarter=2).json
    r = api.get(f"/reports/jobs/{job['id']}/file")
    assert r.status == 409


def test_a_redelivered_job_does_not_run_twice(plant, tmp_path):
    api = Api(plant, "safety_dept")
    job = api.get("/reports/quarterly", year=2025, quarter=2).json
    with plant.app_context():
        message = db.session.execute(select(OutboxMessage).where(
            OutboxMessage.actor == "reports.quarterly")).scalars().first()
        mid, payload = message.id, dict(message.payload)
        db.session.remove()
    run_outbox(plant)
    first = api.get(f"/reports/jobs/{job['id']}").json
    with plant.app_context():
        JOBS["reports.quarterly"](db.session, mid, payload)
        db.session.commit()
        db.session.remove()
    again = api.get(f"/reports/jobs/{job['id']}").json
    assert again["attempts"] == first["attempts"] == 1
