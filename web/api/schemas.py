"""Request and response shapes of API v1; the OpenAPI document is generated from them."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .permit_fields import TYPE_FIELDS, HotWorkFields

__all__ = ["TYPE_FIELDS", "HotWorkFields"]  # re-exported for the pages


class TokenRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class TokenResponse(Schema):
    token = fields.String()
    expires_at = fields.DateTime()


class Location(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))





class PermitApplication(Schema):
    type = fields.String(required=True)
    site = fields.String(required=True, validate=validate.Length(min=1, max=20))
    area_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    location = fields.Nested(Location, required=True)
    description = fields.String(required=True, validate=validate.Length(min=4, max=2000))
    planned_start = fields.AwareDateTime(required=True)
    planned_end = fields.AwareDateTime(required=True)
    workers = fields.List(fields.Integer(strict=True), required=True,
                          validate=validate.Length(min=1, max=30))
    watcher = fields.Integer(required=True, strict=True)
    related_permits = fields.List(fields.String(validate=validate.Length(max=40)),
                                  load_default=list)
    fields_ = fields.Dict(data_key="fields", attribute="fields", load_default=dict)

    @validates_schema(pass_original=True)
    def type_fields(self, data, original, **kwargs):  # type: ignore[no-untyped-def]
        kind = data.get("type")
        schema = TYPE_FIELDS.get(kind)
        if kind is not None and schema is None:
            from processes import catalog

            known = ", ".join(catalog.permit_types())
            if catalog.permit_type(kind) is None:
                raise ValidationError(f"unknown permit type; one of {known}", "type")
        if schema is not None:
            try:
                data["fields"] = schema().load(data.get("fields") or {})
            except ValidationError as exc:
                raise ValidationError({"fields": exc.messages}) from None


class PermitSummary(Schema):
    id = fields.Integer()
    number = fields.String()
    type = fields.String()
    type_name = fields.String()
    status = fields.String()
    grade = fields.String(allow_none=True)
    risk = fields.String(allow_none=True)
    site = fields.String(attribute="site_code")
    area_code = fields.String(attribute="area.code")
    description = fields.String()
    planned_start = fields.DateTime()
    planned_end = fields.DateTime()
    valid_until = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class TaskSummary(Schema):
    id = fields.String()
    bpmn_id = fields.String()
    name = fields.String(allow_none=True)
    lane = fields.String(allow_none=True)
    status = fields.String()
    mandatory = fields.Boolean()
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    claimed_by = fields.String(allow_none=True)
    completed_by = fields.String(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)


class TaskCompletion(Schema):
    data = fields.Dict(required=True)
    revision = fields.Integer(load_default=None, strict=True,
                              metadata={"description": "the permit revision the client saw; "
                                                       "a stale one gets 409"})
    location = fields.Nested(Location, load_default=None)


class CancelRequest(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=1000))


class PermitList(Schema):
    status = fields.String(load_default=None)
    type = fields.String(load_default=None)
    site = fields.String(load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AreaSchema(Schema):
    id = fields.Integer(dump_only=True)
    site = fields.String(required=True, attribute="site_code")
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    hazard_class = fields.String(required=True, validate=validate.OneOf(
        ["fire_explosion", "toxic", "general"]))
    polygon = fields.Dict(required=True)
    is_pipe_rack = fields.Boolean(load_default=False)
    is_tank_farm_dike = fields.Boolean(load_default=False)
    center_lat = fields.Float(dump_only=True)
    center_lon = fields.Float(dump_only=True)


class CertificateSchema(Schema):
    id = fields.Integer(dump_only=True)
    type_code = fields.String(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=60))
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)
    review_due_on = fields.Date(load_default=None, allow_none=True)
    last_reviewed_on = fields.Date(load_default=None, allow_none=True)
    in_trade_since = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "continuously in the trade since (≥ 10 years and no violation: "
                       "6-year review interval)"})
    violations = fields.Integer(load_default=0, validate=validate.Range(min=0, max=99))
    scan_id = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=64))
    voided = fields.Boolean(load_default=False)
    voided_reason = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=500))
    status = fields.String(dump_only=True)
    status_reason = fields.String(dump_only=True)

    @validates_schema
    def dates(self, data, **kwargs):  # type: ignore[no-untyped-def]
        if data["expires_on"] <= data["issued_on"]:
            raise ValidationError("must be after issued_on", "expires_on")


class PersonSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    username = fields.String(load_default=None, validate=validate.Length(min=2, max=80))
    roles = fields.List(fields.String(), load_default=list)
    site = fields.String(attribute="site_code", load_default=None)
    organization_id = fields.Integer(load_default=None)
    employee_no = fields.String(load_default=None)
    phone = fields.String(load_default=None)
    photo_id = fields.String(dump_only=True)


class PauseRequest(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class GasReadingIn(Schema):
    gas = fields.String(required=True, validate=validate.Length(min=1, max=40))
    value = fields.Float(required=True, validate=validate.Range(min=0))
    unit = fields.String(required=True, validate=validate.OneOf(["%LEL", "%VOL", "ppm",
                                                                  "mg/m3"]))
    sampled_at = fields.String(required=True)
    point = fields.String(load_default="", validate=validate.Length(max=120))


class GasRetest(Schema):
    readings = fields.List(fields.Nested(GasReadingIn), required=True,
                           validate=validate.Length(min=1, max=20))
    instrument_id = fields.String(required=True, validate=validate.Length(min=1, max=60))
    photo = fields.String(required=True, validate=validate.Length(min=1, max=64))
