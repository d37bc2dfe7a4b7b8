"""Form A.5 (吊装作业) application fields: the load in tonnes that grades the lift, the
cranes with their rated capacities (tandem lifts: each crane's share), the crew, the lift
plan, and the weather that may ban it (GB 30871 clause 9)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .fields_weather import weather_field, wind_force_field

UPLOAD_ID = validate.Length(min=1, max=64)


class CraneFields(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80),
                         metadata={"description": "起重机（型号/编号）"})
    rated_capacity_t = fields.Float(required=True, validate=validate.Range(
        min=0, min_inclusive=False, max=20000), metadata={
        "description": "额定起重量（t），按本次工况（幅度、臂长）"})
    load_share_t = fields.Float(load_default=None, allow_none=True, validate=validate.Range(
        min=0, min_inclusive=False), metadata={
        "description": "多机抬吊时本机分担的质量（t），不超过额定起重量的80%"})


class LiftingFields(Schema):
    """Form A.5. The grade (一/二/三级) follows from the mass; under 10 t only a risk
    analysis. Validity: a plant setting (GB 30871 sets none)."""

    load_t = fields.Float(required=True, validate=validate.Range(
        min=0, min_inclusive=False, max=20000), metadata={"description": "吊物质量（t）"})
    load_description = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                     metadata={"description": "吊物内容"})
    rigging_gear = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                 metadata={"description": "吊具名称"})
    cranes = fields.List(fields.Nested(CraneFields), required=True,
                         validate=validate.Length(min=1, max=4),
                         metadata={"description": "起重机；两台及以上为多机抬吊"})
    riggers = fields.List(fields.Integer(strict=True), required=True,
                          validate=validate.Length(min=1, max=20),
                          metadata={"description": "司索人（人员编号）"})
    signal_person = fields.Integer(required=True, strict=True,
                                   metadata={"description": "吊装指挥人员（人员编号）"})
    lift_plan = fields.String(
        load_default=None, allow_none=True, validate=UPLOAD_ID,
        metadata={"description": "吊装方案（上传编号）；一级、二级及复杂吊物必填"})
    complex_load = fields.Boolean(load_default=False, metadata={
        "description": "吊物形状复杂、刚度小、长径比大、精密贵重或作业条件特殊"})
    outdoor = fields.Boolean(load_default=True, metadata={"description": "露天作业"})
    wind_force = wind_force_field()
    weather = weather_field()
    hazard_analysis = fields.String(load_default="", validate=validate.Length(max=2000),
                                    metadata={"description": "风险辨识结果"})
