"""Bounding boxes and points written as text (the API's ``bbox``/``near``, the CLI's ``--bbox``): one parser,
each failure an InvalidParameter naming its parameter. And distances on the WGS 84 ellipsoid."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyproj import Geod

from app.core.exceptions import InvalidParameter

# pyproj's Geod (Karney's geodesics, as geopy's ``geodesic``): pyproj is loaded anyway, while importing geopy
# loads its geocoders and requests (~45 ms of a server's start) for one formula.
_WGS84 = Geod(ellps="WGS84")


@dataclass(frozen=True)
class BBox:
    """minLon, minLat, maxLon, maxLat (the GeoJSON order)."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, raw: str, field: str = "bbox") -> BBox:
        return cls(*parse_bbox(raw, field))

    @property
    def area_deg2(self) -> float:
        return (self.east - self.west) * (self.north - self.south)


def _floats(raw: str, n: int, field: str, shape: str) -> list[float]:
    parts = raw.split(",")
    if len(parts) != n:
        raise InvalidParameter(f"{field} must be {shape} ({n} comma-separated numbers)", field=field)
    try:
        values = [float(p) for p in parts]
    except ValueError as exc:
        raise InvalidParameter(f"{field} must be {shape}: {raw!r} has a non-number", field=field) from exc
    if not all(math.isfinite(v) for v in values):
        raise InvalidParameter(f"{field} must hold finite numbers", field=field)
    return values


def check_lat_lon(lat: float, lon: float, field: str) -> None:
    if not -90 <= lat <= 90:
        raise InvalidParameter(f"{field}: latitude {lat} is outside -90..90", field=field)
    if not -180 <= lon <= 180:
        raise InvalidParameter(f"{field}: longitude {lon} is outside -180..180", field=field)


def parse_bbox(raw: str, field: str = "bbox") -> tuple[float, float, float, float]:
    min_lon, min_lat, max_lon, max_lat = _floats(raw, 4, field, "minLon,minLat,maxLon,maxLat")
    check_lat_lon(min_lat, min_lon, field)
    check_lat_lon(max_lat, max_lon, field)
    if min_lon > max_lon or min_lat > max_lat:
        raise InvalidParameter(f"{field}: min must not exceed max (minLon,minLat,maxLon,maxLat)", field=field)
    return min_lon, min_lat, max_lon, max_lat


def parse_near(raw: str) -> tuple[float, float]:
    lat, lon = _floats(raw, 2, "near", "lat,lon")
    check_lat_lon(lat, lon, "near")
    return lat, lon


# A person's start (a device position, a clicked point, a geocoded address) is kept no more precisely than
# this: 3 decimals is a grid of ~111 m north-south and ~85 m east-west in Philadelphia, so a saved, shareable
# route shows the neighbourhood, not the house (the route is planned from the coarse point; Valhalla snaps
# it to the nearest street).
START_DECIMALS = 3


def coarse(lat: float, lon: float) -> tuple[float, float]:
    return round(lat, START_DECIMALS), round(lon, START_DECIMALS)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (lat, lon) points along the ellipsoid."""
    return float(_WGS84.inv(a[1], a[0], b[1], b[0])[2])


def destination(lat: float, lon: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    """(lat, lon) ``metres`` from (lat, lon) towards ``bearing_deg`` (clockwise from north)."""
    lon2, lat2, _ = _WGS84.fwd(lon, lat, bearing_deg, metres)
    return float(lat2), float(lon2)
