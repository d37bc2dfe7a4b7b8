"""Form A.3 (盲板抽堵作业) application fields: one blind, one action (GB 30871 7.10–7.11)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class BlindPlateFields(Schema):
    """The one blind of this permit, tied to its number on the blind-location drawing."""

    action = fields.String(required=True, validate=validate.OneOf(["insert", "remove"]),
                           metadata={"description": "作业类别：insert = 堵, remove = 抽"})
    equipment = fields.String(required=True, validate=validate.Length(min=1, max=200),
                              metadata={"description": "设备、管道名称"})
    line_id = fields.String(required=True, validate=validate.Length(min=1, max=60),
                            metadata={"description": "管道编号（同一管道同时只允许一处盲板抽堵）"})
    medium = fields.String(required=True, validate=validate.Length(min=1, max=120),
                           metadata={"description": "介质"})
    temperature_c = fields.Float(required=True, validate=validate.Range(min=-273, max=1500),
                                 metadata={"description": "温度 °C"})
    pressure_mpa = fields.Float(required=True, validate=validate.Range(min=-0.1, max=100),
                                metadata={"description": "压力 MPa（表压）"})
    toxic = fields.Boolean(load_default=False, metadata={"description": "有毒介质"})
    corrosive = fields.Boolean(load_default=False, metadata={"description": "酸碱等腐蚀性介质"})
    blind_material = fields.String(required=True, validate=validate.Length(min=1, max=60),
                                   metadata={"description": "盲板材质"})
    blind_spec = fields.String(required=True, validate=validate.Length(min=1, max=60),
                               metadata={"description": "盲板规格（如 DN100 PN2.5）"})
    drawing_id = fields.String(required=True, validate=validate.Length(min=1, max=60),
                               metadata={"description": "盲板位置图图号"})
    blind_number = fields.String(required=True, validate=validate.Length(min=1, max=40),
                                 metadata={"description": "盲板编号（与盲板位置图一致）"})
    drawing_author = fields.String(load_default="", validate=validate.Length(max=60),
                                   metadata={"description": "盲板位置图编制人"})
    hazard_analysis = fields.String(load_default="", validate=validate.Length(max=2000),
                                    metadata={"description": "风险辨识结果"})
