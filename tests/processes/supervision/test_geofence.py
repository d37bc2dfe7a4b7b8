"""The geofence: distances on the WGS84 ellipsoid, and an imprecise fix is not "outside"."""

from __future__ import annotations

import math

import pytest

from processes import geo
from processes.supervision import geofence

A, F = 6378137.0, 1 / 298.257223563  # WGS84
E2 = F * (2 - F)
SHANGHAI = (30.7240, 121.3420)  # the demo plant at Jinshan (area W-1)
XINJIANG = (44.3290, 84.8850)  # the demo refinery at Dushanzi (area C-5)


def north_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    """A point ``metres`` due north, from the meridian radius of curvature (not pyproj)."""
    m = A * (1 - E2) / (1 - E2 * math.sin(math.radians(lat)) ** 2) ** 1.5
    return lat + math.degrees(metres / m), lon


def east_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    """A point ``metres`` due east, from the prime-vertical radius of curvature."""
    n = A / math.sqrt(1 - E2 * math.sin(math.radians(lat)) ** 2)
    return lat, lon + math.degrees(metres / (n * math.cos(math.radians(lat))))


def fence(site, point, accuracy=5.0, radius=50.0):
    return geofence.check(site_lat=site[0], site_lon=site[1], radius_m=radius, lat=point[0],
                          lon=point[1], accuracy_m=accuracy)


@pytest.mark.parametrize("site", [SHANGHAI, XINJIANG], ids=["shanghai", "xinjiang"])
@pytest.mark.parametrize("towards", [north_of, east_of], ids=["north", "east"])
def test_distances_are_geodesic_at_both_ends_of_china(site, towards):
    for metres in (1.0, 49.0, 51.0, 500.0):
        point = towards(*site, metres)
        assert geo.distance_m(*site, *point) == pytest.approx(metres, abs=0.01)


@pytest.mark.parametrize("site", [SHANGHAI, XINJIANG], ids=["shanghai", "xinjiang"])
def test_49_m_passes_and_51_m_is_outside(site):
    inside = fence(site, north_of(*site, 49.0))
    assert inside.passed and inside.reason is None
    assert inside.distance_m == pytest.approx(49.0, abs=0.01)
    outside = fence(site, east_of(*site, 51.0))
    assert not outside.passed and outside.reason == "outside_fence"


def test_a_fix_worse_than_the_fence_is_imprecise_not_outside():
    near = fence(SHANGHAI, north_of(*SHANGHAI, 10.0), accuracy=80.0)
    far = fence(SHANGHAI, north_of(*SHANGHAI, 500.0), accuracy=80.0)
    assert (near.passed, near.reason) == (False, "location_imprecise")
    assert (far.passed, far.reason) == (False, "location_imprecise")
    assert fence(SHANGHAI, SHANGHAI, accuracy=50.0).passed  # exactly the fence is good enough
    assert fence(SHANGHAI, SHANGHAI, accuracy=None).reason == "location_imprecise"


def test_no_fix_and_the_area_polygon_is_reported():
    assert geofence.check(site_lat=1, site_lon=1, radius_m=50, lat=None, lon=None,
                          accuracy_m=None).reason == "no_fix"
    from processes.demo import _box

    polygon = _box(*SHANGHAI)
    result = geofence.check(site_lat=SHANGHAI[0], site_lon=SHANGHAI[1], radius_m=50,
                            lat=SHANGHAI[0], lon=SHANGHAI[1], accuracy_m=3, polygon=polygon)
    assert result.in_area is True and result.as_dict()["distance_m"] == 0.0


def test_fence_radius_is_a_setting_per_type_and_area():
    from processes.supervision import settings

    with settings.override(None):
        assert settings.profile("hot_work", "SH1", "W-1").fence_radius_m == 50
        assert settings.profile("hot_work", "SH1", "B-3").fence_radius_m == 30  # tank farm
        assert settings.profile("hot_work").method == "qr_gps_face"
        assert settings.profile("lifting").method == "confirmation"
        items = [i["key"] for i in settings.profile("hot_work").pre_work_items]
        assert items[:3] == ["ppe_checked", "ventilation_on", "escape_route_confirmed"]
        assert len(items) == 4
