"""Is the watcher at the work point? Geodesic distance on WGS84, and how sure the fix is.

A phone reports a position and the radius of its uncertainty. If that radius is larger
than the fence, the fix cannot prove presence either way: it is refused as
``location_imprecise`` (try again in the open, wait for the GPS to settle), never as
``outside_fence``, which suspends live work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import geo


@dataclass
class FenceCheck:
    passed: bool
    #: None | location_imprecise | outside_fence | no_fix
    reason: str | None
    radius_m: float
    distance_m: float | None = None
    accuracy_m: float | None = None
    #: inside the permit's area polygon (shown, not judged: the fence is the work point)
    in_area: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "reason": self.reason, "radius_m": self.radius_m,
                "distance_m": None if self.distance_m is None else round(self.distance_m, 1),
                "accuracy_m": self.accuracy_m, "in_area": self.in_area}


def check(*, site_lat: float, site_lon: float, radius_m: float, lat: float | None,
          lon: float | None, accuracy_m: float | None,
          polygon: dict[str, Any] | None = None) -> FenceCheck:
    if lat is None or lon is None:
        return FenceCheck(False, "no_fix", radius_m)
    distance = geo.distance_m(site_lat, site_lon, lat, lon)
    in_area = geo.contains(polygon, lat, lon) if polygon else None
    if accuracy_m is None or accuracy_m > radius_m:
        return FenceCheck(False, "location_imprecise", radius_m, distance, accuracy_m, in_area)
    if distance > radius_m:
        return FenceCheck(False, "outside_fence", radius_m, distance, accuracy_m, in_area)
    return FenceCheck(True, None, radius_m, distance, accuracy_m, in_area)
