"""Supervision settings as data: per permit type and per area, over plant defaults.

The plant decides how a watcher proves presence (``processes/data/supervision.json``): a
type or an area overrides only the keys it names. Tests and tools may lay an override on
top (:func:`override`) instead of editing the file.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "data"
METHODS = ("confirmation", "qr_gps", "qr_gps_face")

_override: dict[str, Any] | None = None
_forced_method: str | None = None


def force_method(method: str | None) -> None:
    """Make every permit use one sign-in method (``PERMITFLOW_SUPERVISION_METHOD``).

    For a demo or a training plant away from the sites: the geofence cannot be met from a
    desk, so ``confirmation`` there. ``None`` restores the data file's methods.
    """
    global _forced_method
    if method is not None and method not in METHODS:
        raise ValueError(f"unknown sign-in method {method!r}; one of {', '.join(METHODS)}")
    _forced_method = method


@cache
def _file(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def raw() -> dict[str, Any]:
    """The settings in force: the data file with the active override laid over it."""
    base = _file("supervision.json")
    if _override is None and _forced_method is None:
        return base
    merged = copy.deepcopy(base)
    merged.update(copy.deepcopy(_override or {}))
    if _forced_method is not None:
        merged["default"] = {**merged["default"], "method": _forced_method}
        merged["by_type"] = {k: {kk: vv for kk, vv in v.items() if kk != "method"}
                             for k, v in merged.get("by_type", {}).items()}
        merged["by_area"] = {k: {kk: vv for kk, vv in v.items() if kk != "method"}
                             for k, v in merged.get("by_area", {}).items()}
    return merged


def liveness() -> dict[str, Any]:
    """Liveness thresholds (``processes/data/liveness.json``)."""
    return _file("liveness.json")


@contextlib.contextmanager
def override(values: dict[str, Any] | None) -> Iterator[None]:
    """Replace top-level keys (e.g. ``{"by_type": {}}``) for the duration of the block."""
    global _override
    before = _override
    _override = values
    try:
        yield
    finally:
        _override = before


@dataclass(frozen=True)
class Profile:
    """How presence is proven on one permit."""

    method: str
    fence_radius_m: float
    reconfirm_minutes: float | None
    reconfirm_grace_minutes: float
    reconfirm_on_gas_retest: bool
    pre_work_items: list[dict[str, str]] = field(default_factory=list)

    @property
    def needs_qr(self) -> bool:
        return self.method in ("qr_gps", "qr_gps_face")

    @property
    def needs_fix(self) -> bool:
        return self.method in ("qr_gps", "qr_gps_face")

    @property
    def needs_face(self) -> bool:
        return self.method == "qr_gps_face"


def profile(permit_type: str, site_code: str | None = None,
            area_code: str | None = None) -> Profile:
    """The profile of a permit of ``permit_type`` in ``site_code/area_code``."""
    data = raw()
    merged: dict[str, Any] = dict(data["default"])
    merged.update(data.get("by_type", {}).get(permit_type, {}))
    if site_code and area_code:
        merged.update(data.get("by_area", {}).get(f"{site_code}/{area_code}", {}))
    if merged["method"] not in METHODS:
        raise ValueError(f"supervision method {merged['method']!r} is not one of {METHODS}")
    common = data.get("common_pre_work_items", [])
    return Profile(method=merged["method"], fence_radius_m=float(merged["fence_radius_m"]),
                   reconfirm_minutes=merged.get("reconfirm_minutes"),
                   reconfirm_grace_minutes=float(merged.get("reconfirm_grace_minutes", 10)),
                   reconfirm_on_gas_retest=bool(merged.get("reconfirm_on_gas_retest")),
                   pre_work_items=[*common, *merged.get("pre_work_items", [])])


def of_permit(permit: Any) -> Profile:
    return profile(permit.type, permit.site_code, permit.area.code if permit.area else None)
