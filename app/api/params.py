"""Parsing of compound query parameters (bbox, near). Each failure names its parameter."""

from __future__ import annotations

import math

from app.core.exceptions import InvalidParameter


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


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    min_lon, min_lat, max_lon, max_lat = _floats(raw, 4, "bbox", "minLon,minLat,maxLon,maxLat")
    check_lat_lon(min_lat, min_lon, "bbox")
    check_lat_lon(max_lat, max_lon, "bbox")
    if min_lon > max_lon or min_lat > max_lat:
        raise InvalidParameter("bbox: min must not exceed max (minLon,minLat,maxLon,maxLat)", field="bbox")
    return min_lon, min_lat, max_lon, max_lat


def parse_near(raw: str) -> tuple[float, float]:
    lat, lon = _floats(raw, 2, "near", "lat,lon")
    check_lat_lon(lat, lon, "near")
    return lat, lon
