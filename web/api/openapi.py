"""The OpenAPI 3 document of API v1, generated from the marshmallow schemas."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from . import bp, notifications, schemas, schemas_work, supervision

#: (method, path, summary, request schema, response schema, tag)
OPERATIONS: list[tuple[str, str, str, Any, Any, str]] = [
    ("post", "/auth/token", "Exchange username and password for a bearer token",
     schemas.TokenRequest, schemas.TokenResponse, "auth"),
    ("get", "/process-definitions", "List process definitions (latest version per key)",
     None, None, "definitions"),
    ("post", "/process-definitions", "Deploy .bpmn/.dmn/.json files (multipart 'files')",
     "multipart", None, "definitions"),
    ("get", "/process-definitions/{key}/versions/{version}", "One version with its BPMN XML",
     None, None, "definitions"),
    ("post", "/permits", "Apply for a permit", schemas.PermitApplication,
     schemas.PermitSummary, "permits"),
    ("get", "/permits", "List permits (filters: status, type, site; page, per_page)", None,
     schemas.PermitSummary, "permits"),
    ("get", "/permits/{id}", "One permit: status, grade, version, open tasks, history, "
     "evidence, compliance", None, schemas.PermitSummary, "permits"),
    ("post", "/permits/{id}/cancel", "Cancel a permit", schemas.CancelRequest,
     schemas.PermitSummary, "permits"),
    ("get", "/tasks", "The caller's inbox", None, schemas.TaskSummary, "tasks"),
    ("get", "/tasks/{id}", "One task with its form (JSON Schema)", None, schemas.TaskSummary,
     "tasks"),
    ("post", "/tasks/{id}/complete", "Complete a task; 422 field errors; 409 already done",
     schemas.TaskCompletion, schemas.PermitSummary, "tasks"),
    ("get", "/areas", "Plant areas", None, schemas.AreaSchema, "plant"),
    ("post", "/areas", "Define an area (GeoJSON polygon, WGS84)", schemas.AreaSchema,
     schemas.AreaSchema, "plant"),
    ("get", "/certificate-types", "The certificate catalogue", None, None, "people"),
    ("get", "/people", "People in the caller's scope", None, schemas.PersonSchema, "people"),
    ("post", "/people", "Register a person", schemas.PersonSchema, schemas.PersonSchema,
     "people"),
    ("get", "/people/{id}", "A person's e-profile with certificate status colours", None,
     schemas.PersonSchema, "people"),
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
    ("get", "/analytics/compliance", "Compliance rate by type, site, month or permit", None,
     None, "analytics"),
    *supervision.OPENAPI,
    *notifications.OPENAPI,
]

#: more POSTs answering 201 Created
CREATED = ("/permits/{id}/sign-ins/challenge", "/permits/{id}/sign-ins",
           "/permits/{id}/watcher-handover", "/permits/{id}/pre-work/{item}")

ERRORS = {
    "400": "malformed request", "401": "not logged in", "403": "not allowed",
    "404": "not found", "409": "conflict: stale revision or task already done",
    "422": "validation failed: field → messages",
}


def build_spec() -> dict[str, Any]:
    spec = APISpec(title="permitflow API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "GB 30871-2022 permit-to-work service"},
                   servers=[{"url": "/api/v1"}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Errors", {"type": "object", "properties": {
        "errors": {"type": "object", "additionalProperties": True}}})
    registered: set[str] = set()
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, request_schema, response_schema, tag in OPERATIONS:
        op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {}}
        if path != "/auth/token":
            op["security"] = [{"bearer": []}]
        params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
        if params:
            op["parameters"] = [{"name": p, "in": "path", "required": True,
                                 "schema": {"type": "integer" if (p in ("id", "version")
                                                                  or p.endswith("_id"))
                                            and not path.startswith("/tasks") else "string"}}
                                for p in params]
        if request_schema == "multipart":
            op["requestBody"] = {"content": {"multipart/form-data": {"schema": {
                "type": "object", "properties": {"files": {"type": "array", "items": {
                    "type": "string", "format": "binary"}}}}}}}
        elif request_schema is not None:
            name = request_schema.__name__
            if name not in registered:
                spec.components.schema(name, schema=request_schema)
                registered.add(name)
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{name}"}}}}
        ok = "201" if method == "post" and path in ("/permits", "/people", "/areas",
                                                   "/uploads", "/process-definitions",
                                                   "/permits/{id}/entries") \
            else "200"
        if response_schema is not None:
            name = response_schema.__name__
            if name not in registered:
                spec.components.schema(name, schema=response_schema)
                registered.add(name)
            op["responses"][ok] = {"description": "OK", "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{name}"}}}}
        else:
            op["responses"][ok] = {"description": "OK"}
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
