"""Application fields of work at height, lifting, excavation and road closure (GB 30871
Appendix A forms A.4, A.5, A.7, A.8): typed, with units in the names.

The shapes are checked here (types, ranges, enumerations); the rules that refuse a job
(under 2 m, weather bans, a missing lift plan, a missing confined-space permit …) are the
permit types' own, in ``processes/types``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from processes.rules import weather
from processes.rules.work_at_height import RISK_FACTORS

WEATHER = validate.OneOf(list(weather.CONDITIONS))
UPLOAD_ID = validate.Length(min=1, max=64)


def _wind() -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=17),
                          metadata={"description": "风力（蒲福风级，0–17级）"})


def _weather() -> fields.String:
    return fields.String(required=True, validate=WEATHER, metadata={
        "description": "天气：" + "、".join(f"{k}={v}" for k, v in weather.CONDITIONS.items())})


def _hazard_analysis() -> fields.String:
    return fields.String(load_default="", validate=validate.Length(max=2000),
                         metadata={"description": "风险辨识结果"})


def _optional_number(description: str, **range_: float) -> fields.Float:
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
    mean_temperature_c = _optional_number("作业环境平均气温（℃），≤5 ℃为危险因素",
                                          min=-60, max=60)
    water_temperature_c = _optional_number("接触的水温（℃），≤12 ℃为危险因素", min=-5, max=100)
    footing_min_mm = _optional_number("立足处最小边长或直径（mm），<500 mm为危险因素", min=0)
    oxygen_percent = _optional_number("作业环境氧含量（%VOL），<19.5%为危险因素", min=0, max=100)
    live_conductor_voltage_kv = _optional_number("附近带电体电压（kV）", min=0, max=1500)
    live_conductor_distance_m = _optional_number("作业活动范围与带电体距离（m）", min=0)
    wind_force = _wind()
    weather = _weather()
    hazard_analysis = _hazard_analysis()

    @validates_schema
    def live_conductor_pair(self, data: dict[str, Any], **kwargs: Any) -> None:
        voltage = data.get("live_conductor_voltage_kv")
        distance = data.get("live_conductor_distance_m")
        if (voltage is None) != (distance is None):
            missing = "live_conductor_distance_m" if distance is None else \
                "live_conductor_voltage_kv"
            raise ValidationError("带电体的电压和距离须同时填写 / give both the voltage and "
                                  "the distance of the live conductor", missing)


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
    wind_force = _wind()
    weather = _weather()
    hazard_analysis = _hazard_analysis()


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
    sketch = fields.String(required=True, validate=UPLOAD_ID,
                           metadata={"description": "作业范围示意图（上传编号）"})
    hazard_analysis = _hazard_analysis()


class RoadClosureFields(Schema):
    """Form A.8. Validity: a plant setting (GB 30871 sets none)."""

    road_section = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                 metadata={"description": "断路地段"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "断路原因"})
    affected_units = fields.List(fields.String(validate=validate.Length(min=1, max=120)),
                                 required=True, validate=validate.Length(min=1, max=30),
                                 metadata={"description": "涉及相关单位（部门）"})
    sketch = fields.String(required=True, validate=UPLOAD_ID,
                           metadata={"description": "断路地段示意图（上传编号）"})
    detour = fields.String(load_default="", validate=validate.Length(max=500),
                           metadata={"description": "绕行路线与交通组织方案"})
    night_work = fields.Boolean(load_default=False, metadata={"description": "夜间作业"})
    hazard_analysis = _hazard_analysis()
