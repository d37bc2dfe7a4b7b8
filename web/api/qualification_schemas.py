"""Request shapes of the certificate engine's API: ledger filters, reviews, access codes,
organizations, equipment, ratings, holds and thresholds."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

COLOURS = ["green", "yellow", "red"]


class CertificateLedgerQuery(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(COLOURS))
    type = fields.String(load_default=None)
    family = fields.String(load_default=None)
    organization_id = fields.Integer(load_default=None)
    site = fields.String(load_default=None)
    person_id = fields.Integer(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=80))
    due_within_days = fields.Integer(load_default=None, validate=validate.Range(min=0))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class AlertQuery(Schema):
    level = fields.String(load_default=None, validate=validate.OneOf(["yellow", "red"]))
    acknowledged = fields.Boolean(load_default=None, allow_none=True)
    person_id = fields.Integer(load_default=None)
    type = fields.String(load_default=None)
    site = fields.String(load_default=None)


class ReviewRequest(Schema):
    applied_on = fields.Date(required=True, metadata={
        "description": "the day the review was applied for (within the review window)"})
    reviewed_on = fields.Date(load_default=None)
    passed = fields.Boolean(load_default=True)


class VoidRequest(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class VerifyRequest(Schema):
    force = fields.Boolean(load_default=False)


class ImportQuery(Schema):
    dry_run = fields.Boolean(load_default=False, truthy={"1", "true", "yes", "True"},
                             falsy={"0", "false", "no", "False", ""})


class PersonUpdate(Schema):
    photo_id = fields.String(allow_none=True, validate=validate.Length(max=64))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    employee_no = fields.String(allow_none=True, validate=validate.Length(max=40))
    organization_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    roles = fields.List(fields.String(validate=validate.Length(max=40)),
                        validate=validate.Length(max=30),
                        metadata={"description": "admins only; ends the person's sessions"})


class PasswordReset(Schema):
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=200))


class AccessCodeRequest(Schema):
    person_id = fields.Integer(required=True, strict=True)
    scope = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                          metadata={"description": "explicit scope, e.g. "
                                                   "常压储罐打磨，不得带压堵漏"})
    permit_types = fields.List(fields.String(), required=True,
                               validate=validate.Length(min=1, max=8))
    hours = fields.Float(load_default=72, metadata={"description": "at most 72"})


class OrganizationSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(required=True, validate=validate.OneOf(
        ["department", "unit", "team", "contractor"]))
    site = fields.String(load_default=None)
    parent_id = fields.Integer(load_default=None)
    legal_entity = fields.String(load_default=None)
    credit_code = fields.String(load_default=None, validate=validate.Length(max=40))


class LegalEntitySchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=20))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    credit_code = fields.String(load_default=None, validate=validate.Length(max=40))
    sites = fields.List(fields.String(), load_default=list)


class EquipmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    code = fields.String(required=True, validate=validate.Length(min=1, max=60),
                         metadata={"description": "what gas readings call instrument_id"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(load_default="gas_detector", validate=validate.OneOf(
        ["gas_detector", "welding_machine", "harness", "crane", "other"]))
    site = fields.String(load_default=None)
    last_calibrated_on = fields.Date(load_default=None)
    calibration_due_on = fields.Date(load_default=None)


class CalibrationSchema(Schema):
    last_calibrated_on = fields.Date(required=True)
    calibration_due_on = fields.Date(required=True)


class RatingSchema(Schema):
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, validate=validate.Length(max=2000))


class HoldDecision(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["release", "reject"]))
    comment = fields.String(required=True, validate=validate.Length(min=2, max=2000))


class ThresholdsUpdate(Schema):
    fatigue = fields.Raw()
    rest = fields.Raw()
    calibration_warning_days = fields.Raw()


class CapabilityQuery(Schema):
    site = fields.String(load_default=None)
    organization_id = fields.Integer(load_default=None)
