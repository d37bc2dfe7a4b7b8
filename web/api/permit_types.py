"""The permit types as an apply page needs them: fields, validity and its basis, checklist."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify
from sqlalchemy import select

from engine import ProcessDefinition, db
from processes import catalog
from processes.types import rules_for

from ..auth import api_login_required
from . import bp
from .permit_fields import TYPE_FIELDS


def _field_schemas() -> dict[str, Any]:
    spec = APISpec(title="fields", version="1", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()])
    for schema in TYPE_FIELDS.values():
        spec.components.schema(schema.__name__, schema=schema)
    return spec.to_dict()["components"]["schemas"]


def _checklist(key: str) -> list[dict[str, Any]]:
    found = getattr(rules_for(key).checklist, "CHECKLIST", None) or {}
    return [{"key": item.key, "form_item": item.form_item,
             "step": getattr(item, "step", "safety_measures"), "label_zh": item.label_zh,
             "label_en": item.label_en,
             "na_allowed": getattr(item, "na_allowed", None),
             "required_when": sorted(getattr(item, "required_when", ()) or ())}
            for item in found.values()]


@bp.get("/permit-types")
@api_login_required
def permit_types() -> Any:
    """Every type: names, prefix, form, deployed or not, its validity (and whether that is
    the standard's or a plant setting), its application fields and checklist."""
    deployed = set(db.session.execute(select(ProcessDefinition.key).distinct()).scalars())
    schemas = _field_schemas()
    items = []
    for key, ptype in catalog.permit_types().items():
        fields_schema = TYPE_FIELDS.get(key)
        items.append({
            "key": key, "prefix": ptype.prefix, "name_zh": ptype.name_zh,
            "name_en": ptype.name_en, "form": ptype.form, "deployed": key in deployed,
            "validity": rules_for(key).validity_basis(),
            "fields": fields_schema.__name__ if fields_schema else None,
            "checklist": _checklist(key)})
    return jsonify(items=items, schemas=schemas)
