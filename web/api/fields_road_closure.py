"""Form A.8 (断路作业) application fields: the road section, why it is closed, the units it
affects, the sketch of the closure and night work (GB 30871 clause 12)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class RoadClosureFields(Schema):
    """Form A.8. Validity: a plant setting (GB 30871 sets none)."""

    road_section = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                 metadata={"description": "断路地段"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "断路原因"})
    affected_units = fields.List(fields.String(validate=validate.Length(min=1, max=120)),
                                 required=True, validate=validate.Length(min=1, max=30),
                                 metadata={"description": "涉及相关单位（部门）"})
    sketch = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "断路地段示意图（上传编号）"})
    detour = fields.String(load_default="", validate=validate.Length(max=500),
                           metadata={"description": "绕行路线与交通组织方案"})
    night_work = fields.Boolean(load_default=False, metadata={"description": "夜间作业"})
    hazard_analysis = fields.String(load_default="", validate=validate.Length(max=2000),
                                    metadata={"description": "风险辨识结果"})
