"""Exceptions → HTTP: the only place that knows status codes.

API errors are ``{"errors": …}`` (design §4); a user never gets a 500 for what they typed.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from marshmallow import ValidationError
from sqlalchemy.exc import (
    DataError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
)
from sqlalchemy.orm.exc import StaleDataError
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
from engine.conflicts import is_conflict
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

STALE_MESSAGE = ("其他人刚刚办理或修改了这张作业票，本次操作未生效；请刷新后重试 / someone else "
                 "changed this permit just now and nothing was saved; reload and try again")
STATE_ZH = {"completed": "完成", "cancelled": "取消", "skipped": "跳过", "running": "在办理中",
            "not waiting": "不在等待此事件", "missing": "不存在"}
UNAVAILABLE_MESSAGE = ("数据库暂时不可用，本次操作未生效；请稍后重试 / the database is unavailable "
                       "just now and nothing was saved; try again shortly")


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
    if isinstance(exc, StaleInstance) or is_conflict(exc):
        return 409, {"conflict": [STALE_MESSAGE], "code": "stale"}
    if isinstance(exc, TaskNotReady):
        state = STATE_ZH.get(exc.state, exc.state)
        return 409, {"conflict": [f"此任务或作业票已{state}，不能再办理 / this task is "
                                  f"already {exc.state}"], "code": "not_ready"}
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
    if isinstance(exc, OperationalError | InterfaceError | PendingRollbackError):
        # the connection dropped (or a session still holds the failed transaction of one),
        # the server restarts: nothing was committed, and saying so (503) lets a client
        # retry, with its Idempotency-Key if it sent one
        return 503, {"database": [UNAVAILABLE_MESSAGE]}
    raise exc


HANDLED = (ValidationError, ValidationFailed, FormValidationError, StepRefused, DeployError,
           Unauthorized, NotAllowed, NotFound, TaskNotFound, InstanceNotFound,
           IncidentNotFound, EngineDefinitionNotFound, StaleInstance, TaskNotReady, Conflict,
           Gone, IntegrityError, DataError, OverflowError, CsrfRefused,
           # a stale write or deadlock met outside an engine step (a route's own commit)
           StaleDataError, OperationalError, InterfaceError, PendingRollbackError)


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
        if status >= 500:
            app.logger.error("database unavailable on %s %s", request.method, request.path,
                             exc_info=exc)
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
