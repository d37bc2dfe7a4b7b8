"""Sites and areas: where work happens. Areas carry a WGS84 polygon and a hazard class."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine import JsonType, db

#: hazard classes an area may have; the hot-work grade DMN reads them
HAZARD_CLASSES = ("fire_explosion", "toxic", "general")


class Site(db.Model):
    __tablename__ = "site"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Shanghai")
    #: group edition: the legal entity operating this site
    legal_entity_code: Mapped[str | None] = mapped_column(ForeignKey("legal_entity.code"))


class Area(db.Model):
    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("site_code", "code", name="uq_area_site_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_code: Mapped[str] = mapped_column(ForeignKey("site.code"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    hazard_class: Mapped[str] = mapped_column(String(30), default="general")
    #: GeoJSON Polygon, WGS84 lon/lat order
    polygon: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    center_lat: Mapped[float | None] = mapped_column(Float)
    center_lon: Mapped[float | None] = mapped_column(Float)
    #: pipe rack / tank-farm dike areas grade hot work up (GB 30871 5.1.2-5.1.3)
    is_pipe_rack: Mapped[bool] = mapped_column(default=False)
    is_tank_farm_dike: Mapped[bool] = mapped_column(default=False)
