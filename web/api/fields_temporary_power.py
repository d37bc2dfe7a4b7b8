"""Form A.6 (临时用电作业) application fields beyond the shared ones."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from processes.rules import temporary_power as rules


class Equipment(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80),
                         metadata={"description": "用电设备名称"})
    rated_kw = fields.Float(required=True, validate=validate.Range(min=0, max=10_000),
                            metadata={"description": "额定功率 kW"})


class TemporaryPowerFields(Schema):
    """Where the supply comes from, what it feeds, how the cable runs, and for how long."""

    access_point = fields.String(required=True, validate=validate.Length(min=1, max=120),
                                 metadata={"description": "电源接入点"})
    permitted_kw = fields.Float(required=True, validate=validate.Range(min=0.1, max=10_000),
                                metadata={"description": "许可用电功率 kW"})
    voltage_v = fields.Integer(required=True, strict=True,
                               validate=validate.OneOf(list(rules.VOLTAGES)),
                               metadata={"description": "工作电压 V"})
    equipment = fields.List(fields.Nested(Equipment), required=True,
                            validate=validate.Length(min=1, max=30),
                            metadata={"description": "用电设备名称及额定功率"})
    cable_laying = fields.List(fields.String(validate=validate.OneOf(
        ["overhead", "surface", "buried"])), required=True, validate=validate.Length(min=1),
        metadata={"description": "线路敷设方式：架空 overhead、沿墙/地面 surface、直埋 buried"})
    cable_burial_depth_m = fields.Float(load_default=None, allow_none=True,
                                        validate=validate.Range(min=0, max=10),
                                        metadata={"description": "电缆直埋深度 m（≥0.7 m）"})
    overhead_height_m = fields.Float(load_default=None, allow_none=True,
                                     validate=validate.Range(min=0, max=50),
                                     metadata={"description": "架空高度 m（≥2.5 m，跨路≥5 m）"})
    over_road = fields.Boolean(load_default=False, metadata={"description": "架空线路跨越道路"})
    days = fields.Integer(required=True, strict=True,
                          validate=validate.Range(min=1, max=rules.MAX_DAYS_EXCEPTIONAL),
                          metadata={"description": f"用电天数（≤{rules.MAX_DAYS}天，特殊情况"
                                                   f"≤{rules.MAX_DAYS_EXCEPTIONAL}天）"})
    exceptional_reason = fields.String(load_default="", validate=validate.Length(max=500),
                                       metadata={"description": "超过15天的特殊原因"})
    served_permit = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(min=1, max=40),
                                  metadata={"description": "所服务的动火/受限空间作业票号"
                                                           "（有效期随之）"})
    unavoidable = fields.Boolean(load_default=False, metadata={
        "description": "火灾爆炸危险场所内确需临时用电（须气体检测，GB 30871 10.1）"})
    hazard_analysis = fields.String(load_default="", validate=validate.Length(max=2000),
                                    metadata={"description": "风险辨识结果"})
