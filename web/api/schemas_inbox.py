"""Request and response shapes of the inbox endpoints: filters, claims, bulk approval."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import Location, PermitSummary, TaskSummary

URGENCIES = ("overdue", "due_soon", "normal")


class InboxQuery(Schema):
    type = fields.String(load_default=None, metadata={"description": "permit type key"})
    area = fields.String(load_default=None, metadata={"description": "area code"})
    urgency = fields.String(load_default=None, validate=validate.OneOf(URGENCIES))
    grade = fields.String(load_default=None)


class InboxTask(TaskSummary):
    claimed_by = fields.String(allow_none=True, metadata={
        "description": "username of whoever claimed the task; nobody else may complete it"})
    claimed_by_name = fields.String(allow_none=True)
    urgency = fields.String(validate=validate.OneOf(URGENCIES))
    #: claimed by the caller, or bound to them as the permit's applicant or watcher
    mine = fields.Boolean()
    bulk_approvable = fields.Boolean(metadata={
        "description": "in the low-risk lane: may go into POST /tasks/bulk-approve"})
    bulk_refusal = fields.String(allow_none=True)
    permit = fields.Nested(PermitSummary)


class InboxGroup(Schema):
    lane = fields.String()
    tasks = fields.List(fields.String())


class InboxResponse(Schema):
    items = fields.List(fields.Nested(InboxTask))
    mine = fields.List(fields.String(), metadata={"description": "task ids in 'my tasks'"})
    groups = fields.List(fields.Nested(InboxGroup))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    facets = fields.Dict()


class UnclaimRequest(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(max=500))


class DelegateRequest(Schema):
    to = fields.Integer(required=True, strict=True,
                        metadata={"description": "id of the person who takes the task"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class BulkApproveRequest(Schema):
    task_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)),
                           required=True, validate=validate.Length(min=1, max=50))
    comment = fields.String(load_default=None, validate=validate.Length(max=2000))
    location = fields.Nested(Location, load_default=None)


class BulkOutcome(Schema):
    task_id = fields.String()
    approved = fields.Boolean()
    reason = fields.String(allow_none=True)
    permit_id = fields.Integer(allow_none=True)
    permit_number = fields.String(allow_none=True)
    step = fields.String(allow_none=True)
    permit_status = fields.String(allow_none=True)


class BulkApproveResponse(Schema):
    approved = fields.Integer()
    refused = fields.Integer()
    results = fields.List(fields.Nested(BulkOutcome))
