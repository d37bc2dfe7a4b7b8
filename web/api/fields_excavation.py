"""Form A.7 (动土作业) application fields: depth, area, method and machines, buried lines
nearby, and the sketch of the work area (GB 30871 clause 11)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class ExcavationFields(Schema):
    """Form A.7. Validity: a plant setting (GB 30871 sets none)."""

    depth_m = fields.Float(required=True, validate=validate.Range(min=0, max=100),
                           metadata={"description": "动土深度（m）"})
    area_m2 = fields.Float(required=True, validate=validate.Range(
        min=0, min_inclusive=False, max=1_000_000), metadata={"description": "动土面积（m²）"})
    method = fields.String(required=True, validate=validate.OneOf(
        ["digging", "piling", "drilling", "trial_pit", "ground_anchor", "filling_levelling"]),
        metadata={"description": "作业方式：挖土、打桩、钻探、坑探、地锚入土、填土平整"})
    machines = fields.Boolean(load_default=False, metadata={"description": "使用施工机械"})
    near_buried_lines = fields.Boolean(load_default=False, metadata={
        "description": "靠近地下可燃、有毒介质管线或窨井"})
    buried_services = fields.List(fields.String(validate=validate.OneOf(
        ["power_cable", "telecom_cable", "water", "fire_water", "process_pipe", "steam",
         "sewer", "unknown"])), load_default=list,
        metadata={"description": "已知的地下设施"})
    sketch = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "作业范围示意图（上传编号）"})
    hazard_analysis = fields.String(load_default="", validate=validate.Length(max=2000),
                                    metadata={"description": "风险辨识结果"})
