"""Weather fields shared by the forms whose work GB 30871 bans in bad weather (work at
height, lifting): the wind force and the condition, as the applicant states them."""

from __future__ import annotations

from marshmallow import fields, validate

from processes.rules import weather


def wind_force_field() -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=17),
                          metadata={"description": "风力（蒲福风级，0–17级）"})


def weather_field() -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(list(weather.CONDITIONS)),
                         metadata={"description": "天气：" + "、".join(
                             f"{k}={v}" for k, v in weather.CONDITIONS.items())})
