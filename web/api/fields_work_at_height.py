"""Form A.4 (高处作业) application fields: the height above the fall reference plane and
the objective risk factors that grade it (GB 30871 8.1), and the weather that may ban it."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from processes.rules.work_at_height import RISK_FACTORS

from .fields_weather import weather_field, wind_force_field


def _measured(description: str, **range_: float) -> fields.Float:
    """An optional measured value; when given, it may add an objective risk factor."""
    return fields.Float(load_default=None, allow_none=True, validate=validate.Range(**range_),
                        metadata={"description": description})


class WorkAtHeightFields(Schema):
    """Form A.4. The grade (Ⅰ–Ⅳ) follows from the height band and the objective risk
    factors; validity at most 7 days (GB 30871 8.2.11)."""

    working_height_m = fields.Float(required=True, validate=validate.Range(min=0, max=1000),
                                    metadata={"description": "作业高度（m），距坠落基准面"})
    fall_reference = fields.String(
        required=True, validate=validate.Length(min=1, max=200),
        metadata={"description": "坠落基准面（如：地面、EL+12.0 m平台）"})
    work_position = fields.String(load_default="", validate=validate.Length(max=200),
                                  metadata={"description": "作业部位"})
    risk_factors = fields.List(
        fields.String(validate=validate.OneOf(list(RISK_FACTORS))), load_default=list,
        validate=validate.Length(max=len(RISK_FACTORS)),
        metadata={"description": "客观危险因素（GB 30871 8.1.2）：" + "、".join(
            f"{k}={v}" for k, v in RISK_FACTORS.items())})
    mean_temperature_c = _measured("作业环境平均气温（℃），≤5 ℃为危险因素", min=-60, max=60)
    water_temperature_c = _measured("接触的水温（℃），≤12 ℃为危险因素", min=-5, max=100)
    footing_min_mm = _measured("立足处最小边长或直径（mm），<500 mm为危险因素", min=0)
    oxygen_percent = _measured("作业环境氧含量（%VOL），<19.5%为危险因素", min=0, max=100)
    live_conductor_voltage_kv = _measured("附近带电体电压（kV）", min=0, max=1500)
    live_conductor_distance_m = _measured("作业活动范围与带电体距离（m）", min=0)
    wind_force = wind_force_field()
    weather = weather_field()
    hazard_analysis = fields.String(load_default="", validate=validate.Length(max=2000),
                                    metadata={"description": "风险辨识结果"})

    @validates_schema
    def live_conductor_pair(self, data: dict[str, Any], **kwargs: Any) -> None:
        voltage = data.get("live_conductor_voltage_kv")
        distance = data.get("live_conductor_distance_m")
        if (voltage is None) != (distance is None):
            missing = "live_conductor_distance_m" if distance is None else \
                "live_conductor_voltage_kv"
            raise ValidationError("带电体的电压和距离须同时填写 / give both the voltage and "
                                  "the distance of the live conductor", missing)
