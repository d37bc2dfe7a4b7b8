"""Exceptions → HTTP: the only place that knows status codes.

API errors are ``{"errors": …}`` (design §4); a user never gets a 500 for what they typed.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from engine import DefinitionNotFound as EngineDefinitionNotFound
from engine import (
    DeployError,
    EngineError,
    FormValidationError,
    IncidentNotFound,
    InstanceNotFound,
    StaleInstance,
    StepRefused,
    TaskNotFound,
    TaskNotReady,
)
from processes.errors import (
    Conflict,
    Expired,
    Gone,
    NotAllowed,
    NotFound,
    TaskClaimed,
    ValidationFailed,
)

from .api_csrf import CsrfRefused
from .auth import Unauthorized


def to_response(exc: Exception) -> tuple[int, Any]:
    """Status and ``errors`` body for a known exception."""
    if isinstance(exc, ValidationError):
        return 422, exc.messages
    if isinstance(exc, Expired):
        return 410, {"fields": exc.errors, "code": exc.code}
    if isinstance(exc, ValidationFailed):
        return 422, {"fields": exc.errors, "code": exc.code, "details": exc.details}
    if isinstance(exc, FormValidationError):
        return 422, {"fields": exc.errors, "code": "form_invalid"}
    if isinstance(exc, StepRefused):
        return 422, {"fields": exc.errors, "code": exc.code, "step": exc.bpmn_id,
                     "operator": exc.operator, "details": exc.details}
    if isinstance(exc, DeployError):
        return 422, {"problems": [p.as_dict() for p in exc.problems]}
    if isinstance(exc, Unauthorized):
        return 401, {"auth": ["log in or send a valid bearer token"]}
    if isinstance(exc, NotAllowed):
        return 403, {"permission": [exc.reason]}
    if isinstance(exc, CsrfRefused):
        return 403, {"csrf": [exc.reason]}
    if isinstance(exc, NotFound | TaskNotFound | InstanceNotFound | IncidentNotFound
                  | EngineDefinitionNotFound):
        return 404, {"not_found": [str(exc)]}
    if isinstance(exc, StaleInstance):
        return 409, {"conflict": ["someone else changed this permit; reload and try again"]}
    if isinstance(exc, TaskNotReady):
        return 409, {"conflict": [f"this task is already {exc.state}"]}
    if isinstance(exc, TaskClaimed):
        return 409, {"conflict": [exc.reason], "claimed_by": [exc.holder_username]}
    if isinstance(exc, Conflict):
        return 409, {"conflict": [exc.reason]}
    if isinstance(exc, Gone):
        return 410, {"gone": [exc.reason]}
    if isinstance(exc, IntegrityError):
        # A last line of defence: the use case should have refused this with a field error.
        return 409, {"conflict": ["this conflicts with data already stored (a reference to "
                                  "something that does not exist, or a duplicate)"]}
    if isinstance(exc, DataError | OverflowError):
        # e.g. an id beyond what the database's integer can hold
        return 400, {"body": ["a value is out of range for its field"]}
    raise exc


HANDLED = (ValidationError, ValidationFailed, FormValidationError, StepRefused, DeployError,
           Unauthorized, NotAllowed, NotFound, TaskNotFound, InstanceNotFound,
           IncidentNotFound, EngineDefinitionNotFound, StaleInstance, TaskNotReady, Conflict,
           Gone, IntegrityError, DataError, OverflowError, CsrfRefused)


def audit_refusal(exc: StepRefused) -> None:
    """A refused step changes nothing, but the refusal itself is evidence: keep it."""
    from engine import audit, clock, db

    from .auth import current_person

    person = current_person()
    from engine import ProcessInstance

    # A refused start leaves no instance behind; a refused later step keeps its timeline.
    instance_id = exc.instance_id if exc.instance_id is not None and db.session.get(
        ProcessInstance, exc.instance_id) is not None else None
    audit.append(db.session, action="step.refused", at=clock.now(),
                 actor=person.username if person else None, instance_id=instance_id,
                 data={"step": exc.bpmn_id, "operator": exc.operator, "code": exc.code,
                       "errors": exc.errors, "path": request.path})
    db.session.commit()


def wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    from engine import db

    def handled(exc: Exception) -> Any:
        db.session.rollback()
        status, body = to_response(exc)
        if isinstance(exc, StepRefused):
            audit_refusal(exc)
        if wants_json():
            return jsonify(errors=body), status
        return render_template("error.html", status=status, errors=body), status

    for exc_class in HANDLED:
        app.register_error_handler(exc_class, handled)

    @app.errorhandler(RateLimitExceeded)
    def throttled(exc: RateLimitExceeded) -> Any:
        # the response was built where the limit broke (web/throttle.py): form or JSON
        return exc.get_response()

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if wants_json():
            return jsonify(errors={"http": [exc.description]}), exc.code
        return render_template("error.html", status=exc.code,
                               errors={"http": [exc.description]}), exc.code

    @app.errorhandler(EngineError)
    def engine_error(exc: EngineError) -> Any:
        db.session.rollback()
        app.logger.exception("engine error")
        if wants_json():
            return jsonify(errors={"engine": [str(exc)]}), 500
        return render_template("error.html", status=500, errors={"engine": [str(exc)]}), 500
