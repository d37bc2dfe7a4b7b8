"""API v1: JSON over HTTP with bearer tokens (design §4)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from marshmallow import Schema, ValidationError

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def load(schema: Schema, data: Any = None) -> Any:
    """Validate a JSON body (or given data) with a schema; 400 when it is not JSON at all."""
    if data is None:
        data = request.get_json(silent=True)
        if data is None:
            raise ValidationError({"body": ["send a JSON object"]})
    if not isinstance(data, dict):
        raise ValidationError({"body": ["send a JSON object"]})
    return schema.load(data)


from . import (  # noqa: E402,F401
    access_codes,
    analytics,
    auth,
    capabilities,
    certificates,
    compliance,
    definitions,
    designer,
    equipment,
    holds,
    incidents,
    instances,
    live_work,
    notifications,
    openapi,
    organizations,
    people,
    permit_types,
    permits,
    personal_data,
    plant,
    reports,
    safety_incidents,
    supervision,
    tasks,
    uploads,
    versions,
    work,
)
