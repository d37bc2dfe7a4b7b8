"""Form A.2 (受限空间作业) application fields beyond the shared ones."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from processes.rules.errors import UnknownGasError
from processes.rules.gases import resolve_gas


def gas_keys(names: list[str], *, toxic: bool) -> list[str]:
    """Canonical gas-table keys of the named gases; 422 naming the first unknown one."""
    keys: list[str] = []
    for i, name in enumerate(names):
        try:
            gas = resolve_gas(name)
        except UnknownGasError:
            raise ValidationError({str(i): [f"气体表中没有 {name!r} / not in the gas table"]}
                                  ) from None
        if toxic and not gas.is_toxic:
            raise ValidationError({str(i): [f"{name} 没有 GBZ 2.1 限值，不是有毒气体 / has no "
                                            f"GBZ 2.1 limit"]})
        if not toxic and not gas.is_flammable:
            raise ValidationError({str(i): [f"{name} 不是可燃气体 / does not burn"]})
        if gas.key not in keys:
            keys.append(gas.key)
    return keys


class ConfinedSpaceFields(Schema):
    """受限空间名称, 原有介质名称, the gases the test must cover, and how many go in."""

    space_name = fields.String(required=True, validate=validate.Length(min=1, max=120),
                               metadata={"description": "受限空间名称（设备位号）"})
    original_medium = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                    metadata={"description": "原有介质名称"})
    oxygen_enriched = fields.Boolean(load_default=False, metadata={
        "description": "富氧环境（氧含量上限 23.5 %VOL，GB 30871 6.4）"})
    wet_or_cramped = fields.Boolean(load_default=False, metadata={
        "description": "潮湿环境或狭小容器（照明电压不超过 12 V，GB 30871 4.13）"})
    entry_count_planned = fields.Integer(required=True, strict=True,
                                         validate=validate.Range(min=1, max=50),
                                         metadata={"description": "计划同时进入人数"})
    toxic_gases = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                              load_default=list, validate=validate.Length(max=10),
                              metadata={"description": "有毒有害气体名称（气体检测须包括）"})
    flammable_gases = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                                  load_default=list, validate=validate.Length(max=10),
                                  metadata={"description": "可燃气体名称（气体检测须包括）"})
    hazard_analysis = fields.String(load_default="", validate=validate.Length(max=2000),
                                    metadata={"description": "风险辨识结果"})

    @post_load
    def canonical_gases(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        for key, toxic in (("toxic_gases", True), ("flammable_gases", False)):
            try:
                data[key] = gas_keys(data.get(key) or [], toxic=toxic)
            except ValidationError as exc:
                errors[key] = exc.messages
        if errors:
            raise ValidationError(errors)
        return data
