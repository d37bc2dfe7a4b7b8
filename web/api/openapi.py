"""The OpenAPI 3 document of API v1, generated from the marshmallow schemas."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from . import (
    bp,
    designer,
    notifications,
    personal_data,
    schemas,
    schemas_work,
    supervision,
    tasks,
)
from . import qualification_schemas as qs

#: (method, path, summary, request schema, response schema, tag)
OPERATIONS: list[tuple[str, str, str, Any, Any, str]] = [
    ("post", "/auth/token", "Exchange username and password for a bearer token; failed "
     "attempts are throttled per username and address (429 + Retry-After), a locked "
     "account answers 423 with locked_until", schemas.TokenRequest, schemas.TokenResponse,
     "auth"),
    ("delete", "/auth/token", "Revoke the bearer token of this request (204)", None, None,
     "auth"),
    ("get", "/process-definitions", "List process definitions (latest version per key)",
     None, None, "definitions"),
    ("post", "/process-definitions", "Deploy .bpmn/.dmn/.json files (multipart 'files')",
     "multipart", None, "definitions"),
    ("get", "/process-definitions/{key}/versions/{version}", "One version with its BPMN XML",
     None, None, "definitions"),
    ("post", "/process-definitions/validate", "Check .bpmn/.dmn/.json files as a deploy would, "
     "storing nothing: located problems (designers)", "multipart", None, "definitions"),
    ("get", "/process-definitions/{key}/diff", "Elements added/removed/changed between two "
     "versions (from, to; designers)", None, None, "definitions"),
    ("get", "/process-definitions/{key}/instances", "Instances of a process (version, status) "
     "and where each waits (designers)", None, None, "definitions"),
    ("post", "/process-definitions/{key}/versions/{version}/redeploy", "Roll back: deploy "
     "that version's sources again as the newest version (designers)", None, None,
     "definitions"),
    ("get", "/instances/{instance_id}", "Instance view: version, executed/current nodes, "
     "flows taken, timers, waiting for whom, tasks, audit path", None, None, "definitions"),
    ("get", "/instances/{instance_id}/migration", "Preview moving a running instance to "
     "version 'to' (default latest; designers)", None, None, "definitions"),
    ("post", "/instances/{instance_id}/migrate", "Move a running instance to {to_version}; "
     "422 names the tasks that would be orphaned (designers)", None, None, "definitions"),
    ("post", "/permits", "Apply for a permit", schemas.PermitApplication,
     schemas.PermitSummary, "permits"),
    ("get", "/permits", "List permits (filters: status, type, site; page, per_page)", None,
     schemas.PermitSummary, "permits"),
    ("get", "/permits/{id}", "One permit: status, grade, version, open tasks, history, "
     "evidence, compliance", None, schemas.PermitSummary, "permits"),
    ("post", "/permits/{id}/cancel", "Cancel a permit", schemas.CancelRequest,
     schemas.PermitSummary, "permits"),
    *tasks.OPENAPI,
    ("get", "/areas", "Plant areas", None, schemas.AreaSchema, "plant"),
    ("post", "/areas", "Define an area (GeoJSON polygon, WGS84)", schemas.AreaSchema,
     schemas.AreaSchema, "plant"),
    ("get", "/certificate-types", "The certificate catalogue", None, None, "people"),
    ("get", "/people", "People in the caller's scope", None, schemas.PersonSchema, "people"),
    ("post", "/people", "Register a person", schemas.PersonSchema, schemas.PersonSchema,
     "people"),
    ("get", "/people/{id}", "A person's e-profile with certificate status colours", None,
     schemas.PersonSchema, "people"),
    ("post", "/people/{id}/unlock", "Lift the lock after wrong passwords (admins)", None,
     None, "people"),
    ("post", "/people/{id}/password", "Set a new password (admins): every session and token "
     "of the person ends", qs.PasswordReset, None, "people"),
    ("post", "/people/{id}/certificates", "Add or renew a certificate",
     schemas.CertificateSchema, schemas.CertificateSchema, "people"),
    ("post", "/uploads", "Upload a photo or clip (multipart 'file')", "multipart", None,
     "evidence"),
    ("post", "/permits/{id}/work/pause", "Pause live work (a break starts)",
     schemas.PauseRequest, schemas.PermitSummary, "permits"),
    ("post", "/permits/{id}/work/resume", "Resume work; 422 when a gas re-test is due first",
     None, schemas.PermitSummary, "permits"),
    ("post", "/permits/{id}/gas-readings", "Record a gas re-test during live work",
     schemas.GasRetest, schemas.PermitSummary, "permits"),
    ("get", "/incidents", "Open incidents: failed service tasks (admins)", None, None,
     "operations"),
    ("post", "/incidents/{id}/retry", "Retry the failed step now (admins)", None, None,
     "operations"),
    ("post", "/incidents/{id}/skip", "Move on without the failed step, with a reason; on a "
     "permit only steps marked skippable (admins, audited)", schemas.CancelRequest, None,
     "operations"),
    ("post", "/incidents/{id}/cancel", "Cancel the permit of a failed step (admins)",
     schemas.CancelRequest, None, "operations"),
    ("get", "/permit-types", "The permit types: fields, validity basis, checklist", None,
     None, "permits"),
    ("get", "/permits/{id}/entries", "Confined-space entry/exit log and head count", None,
     None, "permits"),
    ("post", "/permits/{id}/entries", "Log a person in or out of the confined space",
     schemas_work.EntryRequest, None, "permits"),
    ("post", "/permits/{id}/watcher-left", "The watcher left: withdraw the permit",
     schemas_work.WatcherLeftRequest, schemas.PermitSummary, "permits"),
    ("post", "/permits/{id}/tasks/{step}/skip", "Skip a mandatory step (audited override)",
     schemas_work.SkipRequest, schemas.PermitSummary, "tasks"),
    # -- the certificate engine -----------------------------------------------------------
    ("patch", "/people/{id}", "Change a person's photo (upload id), phone, organization, "
     "active, roles (admins); deactivation or a role change ends their sessions",
     qs.PersonUpdate, schemas.PersonSchema, "people"),
    ("get", "/certificates", "The certificate ledger (filters: status colour, type, family, "
     "organization_id, site, person_id, q, due_within_days; page, per_page)", None, None,
     "certificates"),
    ("get", "/certificates/alerts", "Open yellow/red certificate alerts in the caller's scope",
     None, None, "certificates"),
    ("post", "/certificates/alerts/{alert_id}/acknowledge", "Acknowledge an alert", None,
     None, "certificates"),
    ("post", "/certificates/{cert_id}/review", "Record a review (applied within the window)",
     qs.ReviewRequest, None, "certificates"),
    ("post", "/certificates/{cert_id}/void", "Void a certificate (suspends live permits)",
     qs.VoidRequest, None, "certificates"),
    ("post", "/certificates/{cert_id}/verify", "Check against the national register now",
     qs.VerifyRequest, None, "certificates"),
    ("post", "/certificates/import", "Import an .xlsx/.csv ledger (multipart 'file'); "
     "?dry_run=1 reports every row's problems; otherwise all rows or nothing", "multipart",
     None, "certificates"),
    ("get", "/organizations", "Departments, units, teams, contractor firms", None, None,
     "people"),
    ("post", "/organizations", "Add an organization", qs.OrganizationSchema, None, "people"),
    ("get", "/legal-entities", "Legal entities of the group and their sites", None, None,
     "people"),
    ("post", "/legal-entities", "Add a legal entity (admins)", qs.LegalEntitySchema, None,
     "people"),
    ("get", "/access-codes", "Contractor access codes (own firm)", None, None, "contractors"),
    ("post", "/access-codes", "Issue a signed access code (≤ 72 h, explicit scope) with QR",
     qs.AccessCodeRequest, None, "contractors"),
    ("post", "/access-codes/{code_id}/revoke", "Revoke an access code", None, None,
     "contractors"),
    ("get", "/equipment", "Instruments with calibration status", None, None, "equipment"),
    ("post", "/equipment", "Register an instrument", qs.EquipmentSchema, None, "equipment"),
    ("post", "/equipment/{equipment_id}/calibration", "Record a calibration",
     qs.CalibrationSchema, None, "equipment"),
    ("get", "/permits/{id}/holds", "Holds of a permit (fatigue freezes, suspensions)", None,
     None, "permits"),
    ("post", "/permits/{id}/holds/{hold_id}/decide", "Release or reject a frozen application",
     qs.HoldDecision, None, "permits"),
    ("post", "/permits/{id}/watcher-ratings", "Rate the watcher after the job (1–5)",
     qs.RatingSchema, None, "permits"),
    ("get", "/settings/thresholds", "Dynamic thresholds (fatigue, rest, calibration)", None,
     None, "settings"),
    ("put", "/settings/thresholds", "Change thresholds (safety department)",
     qs.ThresholdsUpdate, None, "settings"),
    ("get", "/analytics/capability-matrix", "People × certificate types; composite "
     "qualifications", None, None, "analytics"),
    ("get", "/analytics/compliance/permits", "Compliance recomputed from evidence, grouped by "
     "type, site, month or permit (filters: site, type, from, to)", None, None, "analytics"),
    # analytics (web/api/analytics.py, safety_incidents.py, reports.py)
    ("get", "/analytics/heatmap", "Risk heatmap: by=slot|weekday|hour|area|type|contractor "
     "(one or two); site, start, end, contractor, type, area, kinds; per cell jobs, "
     "incidents, rate, risk ratio with exact Poisson CI, flagged", None, None, "analytics"),
    ("get", "/analytics/heatmap/map", "Area polygons (GeoJSON) with their risk ratios",
     None, None, "analytics"),
    ("get", "/analytics/compliance", "Compliance dashboard: group_by=type|site|month|"
     "contractor, most-skipped nodes, on-time closing, certificate warnings missed", None,
     None, "analytics"),
    ("get", "/analytics/people", "Worker quality scores, capability matrix, equipment "
     "failures vs special-work density (Pearson r)", None, None, "analytics"),
    ("post", "/safety-incidents", "Record an incident, near miss or equipment failure", None,
     None, "analytics"),
    ("get", "/safety-incidents", "Incidents in the caller's scope (site, start, end, kind)",
     None, None, "analytics"),
    ("get", "/safety-incidents/{id}", "One incident", None, None, "analytics"),
    ("post", "/safety-incidents/import", "Import incidents from CSV (multipart 'file'): all "
     "rows or none; errors keyed 'line N: column'", "multipart", None, "analytics"),
    ("get", "/reports/quarterly", "Start the quarterly safety audit report (year, quarter, "
     "site): 202 + job", None, None, "reports"),
    ("get", "/reports/jobs/{id}", "A report job's status and progress", None, None, "reports"),
    ("get", "/reports/jobs/{id}/file", "The finished report (PDF)", None, None, "reports"),
    ("get", "/reports/regulator-export", "The quarter's signed JSON export (format=csv: CSV); "
     "docs/regulator-export.md", None, None, "reports"),
    ("post", "/reports/regulator-export", "Push the signed export to the regulator through "
     "the outbox: 202 + job", None, None, "reports"),
    *supervision.OPENAPI,
    *personal_data.OPENAPI,
    *notifications.OPENAPI,
    *designer.OPENAPI,
]

#: operations that answer 202 Accepted with a job to poll
ACCEPTED = {("get", "/reports/quarterly"), ("post", "/reports/regulator-export")}

#: operations answering 204 No Content
NO_CONTENT = {("delete", "/auth/token")}

#: more POSTs answering 201 Created
CREATED = ("/permits/{id}/sign-ins/challenge", "/permits/{id}/sign-ins",
           "/permits/{id}/watcher-handover", "/permits/{id}/pre-work/{item}",
           "/process-definitions/{key}/versions/{version}/redeploy", "/decisions/{name}",
           "/me/consent")

ERRORS = {
    "400": "malformed request", "401": "not logged in", "403": "not allowed",
    "404": "not found", "409": "conflict: stale revision, task already done, or someone "
    "else's step on the same permit won the race (nothing was saved; reload and retry)",
    "422": "validation failed: field → messages",
    "503": "the database is unavailable just now (nothing was saved; retry)",
}

#: writes a client may retry safely with an Idempotency-Key (web/api/answers.py)
IDEMPOTENT = {("post", "/permits"), ("post", "/tasks/{id}/complete")}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "A new unique key (e.g. a UUID) per intended write. A retry with the same "
    "key and the same request gets the first answer back (same status and body, header "
    "Idempotent-Replayed: true) instead of doing the write again or a 409; the same key "
    "with another request is a 422. Keys are the caller's own and are kept 24 hours "
    "(PERMITFLOW_IDEMPOTENCY_HOURS).",
}


def build_spec() -> dict[str, Any]:
    spec = APISpec(title="permitflow API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "GB 30871-2022 permit-to-work service"},
                   servers=[{"url": "/api/v1"}])
    spec.components.security_scheme("bearer", {
        "type": "http", "scheme": "bearer",
        "description": "A token from POST /auth/token. Pages call the API with their login "
                       "session instead; a write (POST/PUT/PATCH/DELETE) made that way must "
                       "send the page's CSRF token in an X-CSRFToken header, else 403 "
                       "{\"errors\": {\"csrf\": […]}} and nothing changes."})
    spec.components.schema("Errors", {"type": "object", "properties": {
        "errors": {"type": "object", "additionalProperties": True}}})
    registered: set[str] = set()
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, request_schema, response_schema, tag in OPERATIONS:
        op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {}}
        if (method, path) != ("post", "/auth/token"):
            op["security"] = [{"bearer": []}]
        params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
        if params:
            op["parameters"] = [{"name": p, "in": "path", "required": True,
                                 "schema": {"type": "integer" if (p in ("id", "version")
                                                                  or p.endswith("_id"))
                                            and not path.startswith("/tasks") else "string"}}
                                for p in params]
        if (method, path) in IDEMPOTENT:
            op.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
        if request_schema == "multipart":
            op["requestBody"] = {"content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {"files": {"type": "array", "items": {
                    "type": "string", "format": "binary"}}}}}}}
        elif request_schema is not None:
            # a schema nested in an earlier one is registered by the plugin already
            name = request_schema.__name__
            if name not in registered and name not in spec.components.schemas:
                spec.components.schema(name, schema=request_schema)
                registered.add(name)
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{name}"}}}}
        ok = "201" if method == "post" and path in (
            "/permits", "/people", "/areas", "/uploads", "/process-definitions",
            "/access-codes", "/organizations", "/legal-entities", "/equipment",
            "/permits/{id}/watcher-ratings", "/people/{id}/certificates",
            "/permits/{id}/entries", "/safety-incidents", *CREATED) \
            else "202" if (method, path) in ACCEPTED \
            else "204" if (method, path) in NO_CONTENT else "200"
        if response_schema is not None:
            name = response_schema.__name__
            if name not in registered and name not in spec.components.schemas:
                spec.components.schema(name, schema=response_schema)
                registered.add(name)
            op["responses"][ok] = {"description": "OK", "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{name}"}}}}
        else:
            op["responses"][ok] = {"description": "OK"}
        if (method, path) in IDEMPOTENT:
            op["responses"][ok]["headers"] = {"Idempotent-Replayed": {
                "description": "true when this is the stored answer to an earlier request "
                "with the same Idempotency-Key", "schema": {"type": "string"}}}
        for code, text in ERRORS.items():
            op["responses"][code] = {"description": text, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Errors"}}}}
        paths.setdefault(path, {})[method] = op
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(build_spec())
