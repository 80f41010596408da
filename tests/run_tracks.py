"""Synthetic runs for the compare endpoint's tests and benchmark: a GPX 1.1 track (gpxpy) along a route's
line at a steady pace, one point every `step_m`, with seeded GPS-like noise of a few metres.

The noise is correlated in time (a first-order Gauss-Markov process, as GNSS position error is: it drifts over
tens of seconds rather than jumping at each fix). Independent noise at every fix zig-zags across the street
every couple of seconds; on the whole-city network the matcher then strays onto nearby alleys and service
roads (558 matched edges instead of 454) and leaves isolated fixes unmatched at their raw, zig-zagging places,
so a run at the plan's pace read 2.7 % long (5.74 min/km for 6.00)."""

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
    fc: dict[str, Any],
    *,
    pace_min_per_km: float,
    step_m: float = 5.0,
    noise_m: float = 3.0,
    noise_corr_s: float = 30.0,
    seed: int = 21,
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
    rho = np.exp(-step_m / mps / noise_corr_s)  # correlation from one fix to the next
    err = rng.normal(0, noise_m, 2)
    for d in np.arange(0, line.length, step_m / scale):
        p = line.interpolate(d)
        lon, lat = TO_LL.transform(p.x + err[0], p.y + err[1])
        err = rho * err + np.sqrt(1 - rho**2) * rng.normal(0, noise_m, 2)
        when = start + timedelta(seconds=d * scale / mps)
        seg.points.append(gpxpy.gpx.GPXTrackPoint(round(lat, 6), round(lon, 6), time=when))
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="synthetic run")
    track.segments.append(seg)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")
