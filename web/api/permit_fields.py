"""Type-specific application fields (GB 30871 Appendix A forms), one schema per type."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .fields_blind_plate import BlindPlateFields
from .fields_confined_space import ConfinedSpaceFields
from .fields_temporary_power import TemporaryPowerFields


class HotWorkFields(Schema):
    """Form A.1 fields beyond the shared ones."""

    method = fields.String(required=True, validate=validate.OneOf(
        ["electric_welding", "gas_welding", "gas_cutting", "grinding", "drilling",
         "blowtorch", "grit_blasting", "other"]),
        metadata={"description": "动火方式"})
    equipment = fields.String(load_default="", validate=validate.Length(max=200),
                              metadata={"description": "动火部位 / equipment or part"})
    running_equipment = fields.Boolean(load_default=False,
                                       metadata={"description": "在运行的设备、管道上动火"})
    tank_farm_dike = fields.Boolean(load_default=False,
                                    metadata={"description": "在储罐区防火堤内动火"})
    pipe_rack = fields.Boolean(load_default=False, metadata={"description": "在管廊上动火"})
    outdoor = fields.Boolean(load_default=True, metadata={"description": "露天作业"})
    wind_force = fields.Integer(load_default=0, validate=validate.Range(min=0, max=17),
                                metadata={"description": "风力(级)"})
    unavoidable = fields.Boolean(load_default=False, metadata={
        "description": "风力≥5级仍须露天动火（不可推迟，升级管理）"})
    hazard_analysis = fields.String(load_default="", validate=validate.Length(max=2000),
                                    metadata={"description": "风险辨识结果"})
    in_confined_space = fields.Boolean(load_default=False, metadata={
        "description": "在受限空间内动火（须在关联票号中填写受限空间作业票，GB 30871 4.6）"})


TYPE_FIELDS: dict[str, type[Schema]] = {
    "hot_work": HotWorkFields,
    "confined_space": ConfinedSpaceFields,
    "blind_plate": BlindPlateFields,
    "temporary_power": TemporaryPowerFields,
}
