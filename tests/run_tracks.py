"""Synthetic runs for the compare endpoint's tests and benchmark: a GPX 1.1 track (gpxpy) along a route's
line at a steady pace, one point every `step_m`, with seeded GPS-like noise of a few metres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import gpxpy.gpx
import numpy as np
import shapely
from pyproj import Transformer

TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)
TO_LL = Transformer.from_crs("EPSG:32618", "EPSG:4326", always_xy=True)


def track_along(
    fc: dict[str, Any], *, pace_min_per_km: float, step_m: float = 5.0, noise_m: float = 3.0, seed: int = 21
) -> str:
    route = next(f for f in fc["features"] if f["properties"]["kind"] == "route")
    coords = np.asarray(route["geometry"]["coordinates"], dtype=float)
    xs, ys = TO_M.transform(coords[:, 0], coords[:, 1])
    line = shapely.LineString(np.column_stack([xs, ys]))
    scale = route["properties"]["distance_m"] / line.length  # the route's metres, as its ETAs use
    rng = np.random.default_rng(seed)
    mps = 1000 / (pace_min_per_km * 60)
    start = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    seg = gpxpy.gpx.GPXTrackSegment()
    for d in np.arange(0, line.length, step_m / scale):
        p = line.interpolate(d)
        lon, lat = TO_LL.transform(p.x + rng.normal(0, noise_m), p.y + rng.normal(0, noise_m))
        when = start + timedelta(seconds=d * scale / mps)
        seg.points.append(gpxpy.gpx.GPXTrackPoint(round(lat, 6), round(lon, 6), time=when))
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="synthetic run")
    track.segments.append(seg)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")
