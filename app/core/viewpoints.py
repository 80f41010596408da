"""Where to stand for a scene (a dataset appearance's ``viewpoint``): the 16-point compass word for the camera's
bearing and a small view cone for the maps, on the WGS 84 ellipsoid with pyproj's Geod. The API, the map pages,
routes and GPX all derive these from the same function, so they agree."""

from __future__ import annotations

from typing import Any

from pyproj import Geod

# Clockwise from north, 22.5° each; the interface translates them (app/maps/i18n.py lists them for the catalog).
COMPASS_16 = (
    "N",
    "NNE",
    "NE",
    "ENE",
    "E",
    "ESE",
    "SE",
    "SSE",
    "S",
    "SSW",
    "SW",
    "WSW",
    "W",
    "WNW",
    "NW",
    "NNW",
)
CONE_LENGTH_M = 45.0  # long enough to see at street zoom, short enough not to claim what the frame shows
CONE_HALF_ANGLE_DEG = 22.0  # about a normal lens's half field of view
_GEOD = Geod(ellps="WGS84")


def compass_point(bearing_deg: float) -> str:
    """The 16-point compass name of a bearing: 0 → N, 225 → SW, 349 → N (each sector centred on its name)."""
    return COMPASS_16[int(((bearing_deg % 360) + 11.25) // 22.5) % 16]


def view_cone(
    lon: float,
    lat: float,
    bearing_deg: float,
    length_m: float = CONE_LENGTH_M,
    half_angle_deg: float = CONE_HALF_ANGLE_DEG,
    arc_points: int = 5,
) -> list[list[float]]:
    """A closed GeoJSON ring [[lon, lat], ...]: the camera, then an arc ``length_m`` away from
    ``bearing - half_angle`` to ``bearing + half_angle``, back to the camera."""
    step = 2 * half_angle_deg / (arc_points - 1)
    azimuths = [bearing_deg - half_angle_deg + i * step for i in range(arc_points)]
    lons, lats, _ = _GEOD.fwd([lon] * arc_points, [lat] * arc_points, azimuths, [length_m] * arc_points)
    apex = [round(lon, 6), round(lat, 6)]
    return [apex, *([round(x, 6), round(y, 6)] for x, y in zip(lons, lats, strict=True)), apex]


def with_view(viewpoint: dict[str, Any]) -> dict[str, Any]:
    """A dataset viewpoint plus what clients draw: ``compass`` (16-point) and ``cone`` (a closed ring)."""
    lon, lat = viewpoint["coordinates"]
    bearing = viewpoint["bearing_deg"]
    return {**viewpoint, "compass": compass_point(bearing), "cone": view_cone(lon, lat, bearing)}
