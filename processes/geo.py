"""Geometry on WGS84 with pyproj: distances on the ellipsoid, containment in a local plane.

Transformers are cached per area centre: building one costs far more than using it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pyproj import Geod, Transformer

WGS84 = Geod(ellps="WGS84")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres."""
    _, _, dist = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(dist)


@lru_cache(maxsize=512)
def _local(lat0: float, lon0: float) -> Transformer:
    # Azimuthal equidistant around the area: metres, negligible distortion at plant scale.
    return Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} "
                                "+datum=WGS84 +units=m", always_xy=True)


def _ring(polygon: dict[str, Any]) -> list[tuple[float, float]]:
    if polygon.get("type") != "Polygon" or not polygon.get("coordinates"):
        raise ValueError("expected a GeoJSON Polygon")
    return [(float(x), float(y)) for x, y, *_ in polygon["coordinates"][0]]


def polygon_center(polygon: dict[str, Any]) -> tuple[float, float]:
    """(lat, lon) of the vertex mean: good enough as a projection origin and map marker."""
    ring = _ring(polygon)[:-1] or _ring(polygon)
    return (sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring))


def contains(polygon: dict[str, Any], lat: float, lon: float) -> bool:
    """Point-in-polygon (outer ring) in a local metric projection."""
    ring = _ring(polygon)
    lat0, lon0 = polygon_center(polygon)
    fwd = _local(round(lat0, 4), round(lon0, 4))
    pts = [fwd.transform(x, y) for x, y in ring]
    px, py = fwd.transform(lon, lat)
    inside = False
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1], strict=True):
        if (y1 > py) != (y2 > py) and px < (x2 - x1) * (py - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def validate_polygon(polygon: Any) -> list[str]:
    """Problems with a GeoJSON polygon given by a user; empty if usable."""
    if not isinstance(polygon, dict) or polygon.get("type") != "Polygon":
        return ["must be a GeoJSON Polygon"]
    coords = polygon.get("coordinates")
    if not isinstance(coords, list) or not coords or not isinstance(coords[0], list):
        return ["coordinates must be a list of rings"]
    ring = coords[0]
    if len(ring) < 4:
        return ["the outer ring needs at least 4 positions (closed)"]
    problems = []
    for i, pos in enumerate(ring):
        if (not isinstance(pos, list | tuple) or len(pos) < 2
                or not all(isinstance(v, int | float) for v in pos[:2])):
            problems.append(f"position {i} must be [lon, lat]")
        elif not (-180 <= pos[0] <= 180 and -90 <= pos[1] <= 90):
            problems.append(f"position {i} is outside WGS84 range")
    if not problems and list(ring[0][:2]) != list(ring[-1][:2]):
        problems.append("the outer ring must be closed (first position = last)")
    return problems


def polygon_area_m2(polygon: dict[str, Any]) -> float:
    """Geodesic area of the outer ring in square metres (analytics: work density)."""
    ring = _ring(polygon)
    area, _ = WGS84.polygon_area_perimeter([p[0] for p in ring], [p[1] for p in ring])
    return abs(float(area))
