"""Request shapes of the live-work acts of API v1: entries, overrides, withdrawal, analytics."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from processes.compliance_stats import GROUPS


class EntryRequest(Schema):
    person = fields.Integer(required=True, strict=True,
                            metadata={"description": "person id of the worker"})
    direction = fields.String(required=True, validate=validate.OneOf(["in", "out"]),
                              metadata={"description": "in = 进入, out = 撤出"})
    note = fields.String(load_default=None, validate=validate.Length(max=500))


class SkipRequest(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=1000),
                           metadata={"description": "why the mandatory step is skipped"})
    revision = fields.Integer(load_default=None, strict=True)


class WatcherLeftRequest(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class ComplianceQuery(Schema):
    group_by = fields.String(load_default="type", validate=validate.OneOf(GROUPS))
    site = fields.String(load_default=None)
    type = fields.String(load_default=None)
    since = fields.Date(load_default=None, data_key="from")
    until = fields.Date(load_default=None, data_key="to")

    @validates_schema
    def order(self, data, **kwargs):  # type: ignore[no-untyped-def]
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError("must not be before from", "to")
