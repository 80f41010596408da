"""Where to stand: the 16-point compass word of a bearing and the view cone drawn on the maps."""

from __future__ import annotations

import pytest
from pyproj import Geod

from app.core.viewpoints import CONE_HALF_ANGLE_DEG, CONE_LENGTH_M, compass_point, view_cone, with_view

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize(
    ("bearing", "word"),
    [
        (0, "N"),
        (11.2, "N"),
        (11.3, "NNE"),
        (45, "NE"),
        (90, "E"),
        (135, "SE"),
        (180, "S"),
        (202.5, "SSW"),
        (225, "SW"),
        (247.4, "WSW"),
        (270, "W"),
        (315, "NW"),
        (348.7, "NNW"),
        (348.8, "N"),
        (359.9, "N"),
    ],
)
def test_compass_point_has_sixteen_sectors_centred_on_their_names(bearing, word):
    assert compass_point(bearing) == word


def test_view_cone_opens_from_the_camera_in_the_bearing():
    lon, lat, bearing = -75.18045, 39.96515, 118.0
    ring = view_cone(lon, lat, bearing)
    assert ring[0] == ring[-1] == [lon, lat]  # closed, apex at the camera
    arc = ring[1:-1]
    assert len(arc) == 5
    azimuths, distances = [], []
    for x, y in arc:
        az, _, dist = GEOD.inv(lon, lat, x, y)
        azimuths.append(az % 360)
        distances.append(dist)
    assert distances == pytest.approx([CONE_LENGTH_M] * 5, abs=0.2)
    assert azimuths[0] == pytest.approx(bearing - CONE_HALF_ANGLE_DEG, abs=0.2)
    assert azimuths[2] == pytest.approx(bearing, abs=0.2)
    assert azimuths[-1] == pytest.approx(bearing + CONE_HALF_ANGLE_DEG, abs=0.2)


def test_view_cone_across_north():
    ring = view_cone(-75.16, 39.95, 350.0)
    azimuths = [GEOD.inv(-75.16, 39.95, x, y)[0] % 360 for x, y in ring[1:-1]]
    assert azimuths[0] == pytest.approx(328.0, abs=0.2) and azimuths[-1] == pytest.approx(12.0, abs=0.2)


def test_with_view_keeps_the_dataset_fields():
    vp = {"coordinates": [-75.16, 39.95], "bearing_deg": 225, "note": "n", "basis": "b", "confidence": "low"}
    out = with_view(vp)
    assert {k: out[k] for k in vp} == vp and out["compass"] == "SW" and len(out["cone"]) == 7
