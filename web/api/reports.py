"""Reports: the quarterly safety audit PDF (a background job) and the regulator export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Response, jsonify, request, send_file, url_for
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from engine import clock, db, outbox
from handlers import reports as report_jobs
from processes.analytics import export
from processes.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from processes.models import Person, ReportJob

from ..auth import api_login_required, current_person
from . import bp, load

READERS = ("safety_dept", "safety_director", "plant_leader", "admin")


class QuarterQuery(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    quarter = fields.Integer(required=True, validate=validate.Range(min=1, max=4))
    site = fields.String(load_default=None, validate=validate.Length(max=20))


class ExportQuery(QuarterQuery):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


def reader() -> Person:
    person = current_person()
    assert person is not None
    if not person.has_role(*READERS):
        raise NotAllowed("reports are for the safety department, plant leaders and admins")
    return person


def _scope_site(person: Person, site: str | None) -> str | None:
    if person.has_role("admin", "safety_director") or not person.site_code:
        return site
    if site not in (None, person.site_code):
        raise NotAllowed("you may only report on your own site")
    return person.site_code


def job_view(job: ReportJob) -> dict[str, Any]:
    done = job.status == "done" and job.kind == "quarterly"
    return {"id": job.id, "kind": job.kind, "params": job.params, "status": job.status,
            "progress": job.progress, "stage": job.stage, "error": job.error,
            "attempts": job.attempts, "result": job.result,
            "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "status_url": url_for("api.report_job", job_id=job.id),
            "file_url": url_for("api.report_file", job_id=job.id) if done else None}


def start_job(kind: str, actor: str, params: dict[str, Any], person: Person) -> ReportJob:
    """The job row and its outbox message, in one transaction (design §2 outbox)."""
    now = clock.now()
    job = ReportJob(kind=kind, params=params, status="queued", progress=0,
                    requested_by=person.id, created_at=now, result={})
    db.session.add(job)
    db.session.flush()
    outbox.enqueue(db.session, actor, {"job_id": job.id}, now=now)
    db.session.commit()
    return job


@bp.get("/reports/quarterly")
@api_login_required
def quarterly_report() -> Any:
    """Start (or join) the quarterly report job: 202 with the job; poll its status_url."""
    person = reader()
    args = load(QuarterQuery(), request.args.to_dict())
    params = {"year": args["year"], "quarter": args["quarter"],
              "site": _scope_site(person, args["site"])}
    running = db.session.execute(select(ReportJob).where(
        ReportJob.kind == "quarterly", ReportJob.status.in_(("queued", "running")))
        .order_by(ReportJob.id.desc())).scalars().all()
    job = next((j for j in running if j.params == params), None) \
        or start_job("quarterly", "reports.quarterly", params, person)
    return jsonify(job_view(job)), 202, {"Location": url_for("api.report_job", job_id=job.id)}


def _get_job(job_id: int) -> ReportJob:
    reader()
    job = db.session.get(ReportJob, job_id)
    if job is None:
        raise NotFound("report job", job_id)
    return job


@bp.get("/reports/jobs/<int:job_id>")
@api_login_required
def report_job(job_id: int) -> Any:
    """Progress of a report job; ``file_url`` once the PDF is ready."""
    return jsonify(job_view(_get_job(job_id)))


@bp.get("/reports/jobs/<int:job_id>/file")
@api_login_required
def report_file(job_id: int) -> Any:
    job = _get_job(job_id)
    if job.status != "done" or not job.result_path:
        raise Conflict(f"the report is {job.status} ({job.progress} %), not ready yet")
    path = Path(job.result_path)
    if not path.exists():
        raise NotFound("report file", job_id)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=path.name)


@bp.get("/reports/regulator-export")
@api_login_required
def regulator_export() -> Any:
    """Download the quarter's signed JSON document, or its permits as CSV."""
    person = reader()
    args = load(ExportQuery(), request.args.to_dict())
    site = _scope_site(person, args["site"])
    envelope = report_jobs.signed_export(db.session, args["year"], args["quarter"], site)
    db.session.commit()  # the snapshots refreshed on the way
    name = f"regulator-export-{args['year']}-Q{args['quarter']}{'-' + site if site else ''}"
    if args["format"] == "csv":
        return Response(export.to_csv(envelope["document"]).encode("utf-8-sig"),
                        mimetype="text/csv; charset=utf-8", headers={
                            "Content-Disposition": f"attachment; filename={name}.csv",
                            "X-Signature": f"{envelope['signature']['algorithm']}="
                                           f"{envelope['signature']['value']}"})
    response = jsonify(envelope)
    response.headers["Content-Disposition"] = f"attachment; filename={name}.json"
    return response


@bp.post("/reports/regulator-export")
@api_login_required
def push_regulator_export() -> Any:
    """Push the signed export to the configured endpoint through the outbox (202 + job)."""
    from flask import current_app

    person = reader()
    args = load(QuarterQuery())
    if not current_app.config.get("REGULATOR_URL"):
        raise ValidationFailed({"endpoint": [
            "no regulator endpoint is configured (PERMITFLOW_REGULATOR_URL)"]})
    params = {"year": args["year"], "quarter": args["quarter"],
              "site": _scope_site(person, args["site"])}
    job = start_job("regulator_push", "reports.regulator_push", params, person)
    return jsonify(job_view(job)), 202
