"""Compare a run (a GPX track with times: the run page's own download, or a watch's) with the route it
followed: map-matched to the streets with Valhalla's trace_attributes, then placed along the route line.
Answers distance, moving time, average pace, a split at each stop against the plan, and how far from the
song's peak the runner reached the top of the steps. Nothing is stored and no coordinate is logged; the
answer holds no coordinates either."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from pyproj import Geod

from app.core.exceptions import InvalidParameter, Unroutable
from app.routing.engine import EngineError, RoutingEngine
from app.schemas.route_document import RouteDocument, route_line, stop_features
from app.services.workout import to_metres

MAX_POINTS = 100_000  # a day's run at one point a second
MATCH_POINTS = 8_000  # what Valhalla is sent at most (its trace limit is 16,000); longer tracks are thinned
ARRIVE_M = 15.0  # this close to a stop along the route counts as arrived (the run page's ARRIVAL_LEAD_M)
OFF_ROUTE_M = 60.0  # further than this from the line: not progress along the route
LOOK_BEHIND_M, LOOK_AHEAD_M = (
    100.0,
    2000.0,
)  # the part of the line a point may belong to (routes cross themselves)
TIE_M, BEHIND_M = 10.0, 20.0  # see locate() in the page's geo.js, which places fixes the same way
MOVING_MPS = 0.5  # slower than this (over MOVING_WINDOW_S) counts as standing
MOVING_WINDOW_S = 10.0
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Track:
    lat: np.ndarray
    lon: np.ndarray
    t: np.ndarray  # seconds since the first point


def parse_gpx(data: bytes) -> Track:
    """The track points of a GPX 1.0/1.1 document (every track and segment, in order). Each needs a time."""
    import gpxpy  # here: a run's GPX is read rarely; the server starts without the parser
    import gpxpy.gpx

    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise InvalidParameter("the GPX must not declare a DOCTYPE or entities", field="gpx")
    try:
        doc = gpxpy.parse(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidParameter("the GPX is not UTF-8 text", field="gpx") from exc
    except gpxpy.gpx.GPXException as exc:
        raise InvalidParameter(f"not a readable GPX document: {exc}", field="gpx") from exc
    points = [p for trk in doc.tracks for seg in trk.segments for p in seg.points]
    if len(points) < 2:
        raise InvalidParameter("the GPX needs a track (<trk>) of at least two points", field="gpx")
    if len(points) > MAX_POINTS:
        raise InvalidParameter(f"at most {MAX_POINTS} track points", field="gpx")
    missing = next((i for i, p in enumerate(points) if p.time is None), None)
    if missing is not None:
        raise InvalidParameter(f"track point {missing} has no <time>: a run needs times", field="gpx")
    first: datetime = points[0].time  # type: ignore[assignment]
    t = np.array([(p.time - first).total_seconds() for p in points])  # type: ignore[operator]
    if np.any(np.diff(t) < 0):
        raise InvalidParameter("the track's times go backwards", field="gpx")
    return Track(lat=np.array([p.latitude for p in points]), lon=np.array([p.longitude for p in points]), t=t)


def map_match(engine: RoutingEngine, track: Track) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Valhalla's trace_attributes (pedestrian, map_snap): the track's points snapped to the streets (those it
    could not match stay as recorded), their times, and the share matched."""
    step = max(1, math.ceil(len(track.t) / MATCH_POINTS))
    idx = np.arange(0, len(track.t), step)
    if idx[-1] != len(track.t) - 1:
        idx = np.append(idx, len(track.t) - 1)
    shape = [
        {
            "lat": round(float(track.lat[i]), 6),
            "lon": round(float(track.lon[i]), 6),
            "time": float(track.t[i]),
        }
        for i in idx
    ]
    request = {
        "shape": shape,
        "costing": "pedestrian",
        "shape_match": "map_snap",
        "trace_options": {"search_radius": 50, "gps_accuracy": 10},
        "filters": {"attributes": ["matched.point", "matched.type"], "action": "include"},
    }
    try:
        answer = engine.trace_attributes(request)
    except EngineError as exc:
        raise Unroutable(f"the track could not be matched to the streets: {exc}", field="gpx") from exc
    matched = answer.get("matched_points") or []
    lat, lon = track.lat[idx].copy(), track.lon[idx].copy()
    hits = 0
    for k, mp in enumerate(matched[: len(idx)]):
        if mp.get("type") in ("matched", "interpolated") and "lat" in mp:
            lat[k], lon[k] = mp["lat"], mp["lon"]
            hits += 1
    return lat, lon, track.t[idx], hits / len(idx)


class LinePosition:
    """Where points fall along the route line, walked in order: each point is placed on the nearest segment
    of the stretch just behind to well ahead of the last place (so a route crossing itself is read right)."""

    def __init__(self, coords: list[list[float]], distance_m: float) -> None:
        arr = np.asarray(coords, dtype=float)
        x, y = to_metres().transform(arr[:, 0], arr[:, 1])
        self.x0, self.y0, self.dx, self.dy = x[:-1], y[:-1], np.diff(x), np.diff(y)
        seg = np.hypot(self.dx, self.dy)
        self.seg = np.where(seg > 0, seg, 1e-9)
        self.cum = np.concatenate([[0.0], np.cumsum(seg)])
        # stop distances are Valhalla's; the stored line is simplified: scale one to the other
        self.scale = distance_m / self.cum[-1] if self.cum[-1] > 0 else 1.0

    def walk(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Route distance (Valhalla's metres) reached at each point, never going back, and each point's
        distance from the line."""
        xs, ys = to_metres().transform(lon, lat)
        progress = np.empty(len(xs))
        off = np.empty(len(xs))
        at = 0.0
        for i, (px, py) in enumerate(zip(xs, ys, strict=True)):
            lo = int(np.searchsorted(self.cum, at - LOOK_BEHIND_M)) - 1
            hi = int(np.searchsorted(self.cum, at + LOOK_AHEAD_M)) + 1
            lo, hi = max(lo, 0), min(hi, len(self.seg))
            f = ((px - self.x0[lo:hi]) * self.dx[lo:hi] + (py - self.y0[lo:hi]) * self.dy[lo:hi]) / self.seg[
                lo:hi
            ] ** 2
            f = np.clip(f, 0.0, 1.0)
            d = np.hypot(self.x0[lo:hi] + f * self.dx[lo:hi] - px, self.y0[lo:hi] + f * self.dy[lo:hi] - py)
            along = self.cum[lo:hi] + f * self.seg[lo:hi]
            # a route may pass one place twice: of the nearest, the first not behind where the runner was
            ok = (d <= d.min() + TIE_M) & (along >= at - BEHIND_M)
            k = int(np.argmax(ok)) if ok.any() else int(np.argmin(d))
            off[i] = d[k]
            if d[k] <= OFF_ROUTE_M:
                at = max(at, along[k])
            progress[i] = at
        return progress * self.scale, off


def compare(fc: RouteDocument, track: Track, engine: RoutingEngine) -> dict[str, Any]:
    lat, lon, t, matched_share = map_match(engine, track)
    _, _, step = _GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    dt = np.diff(t)
    distance = float(np.sum(step))
    # Moving or standing, by the speed over MOVING_WINDOW_S around each interval: matched points of a moving
    # runner can sit still for a point or two (snapped onto the same spot), which is no stop.
    done = np.concatenate([[0.0], np.cumsum(step)])
    mid = (t[:-1] + t[1:]) / 2
    lo, hi = np.maximum(mid - MOVING_WINDOW_S / 2, t[0]), np.minimum(mid + MOVING_WINDOW_S / 2, t[-1])
    span = np.maximum(hi - lo, 1e-9)
    moving = (np.interp(hi, t, done) - np.interp(lo, t, done)) / span >= MOVING_MPS
    moving_s = float(np.sum(dt[moving]))
    route = route_line(fc)
    line = LinePosition(route["geometry"]["coordinates"], route["properties"]["distance_m"])
    progress, _ = line.walk(lat, lon)
    splits = []
    arrivals: dict[int, float] = {}
    for stop in stop_features(fc)[1:]:
        p = stop["properties"]
        reached = np.nonzero(progress >= p["distance_from_start_m"] - ARRIVE_M)[0]
        elapsed = float(t[reached[0]]) if len(reached) else None
        if elapsed is not None:
            arrivals[p["seq"]] = elapsed
        planned = p["arrival_elapsed_s"]
        splits.append(
            {
                "seq": p["seq"],
                "name": p["name"],
                "planned_elapsed_s": planned,
                "elapsed_s": None if elapsed is None else round(elapsed, 1),
                "difference_s": None if elapsed is None else round(elapsed - planned, 1),
            }
        )
    return {
        "route": fc.get("id"),
        "points": len(track.t),
        "matched_share": round(matched_share, 3),
        "distance_m": round(distance, 1),
        "elapsed_s": round(float(t[-1]), 1),
        "moving_time_s": round(moving_s, 1),
        "average_pace_min_per_km": round(moving_s / 60 / (distance / 1000), 2) if distance > 0 else None,
        "route_done_m": round(float(progress[-1]), 1),
        "route_distance_m": route["properties"]["distance_m"],
        "splits": splits,
        "song_peak": song_peak(fc, t, progress, arrivals),
    }


def song_peak(
    fc: RouteDocument, t: np.ndarray, progress: np.ndarray, arrivals: dict[int, float]
) -> dict[str, Any] | None:
    """Pressed play on passing the song cue, the song peaked song_s - skip later: how far from the top of the
    steps was the runner then (metres along the route; negative = short of it), and how many seconds
    after the peak the runner reached it (negative = before)."""
    cue = fc["properties"].get("song_cue")
    if not cue:
        return None
    passed = np.nonzero(progress >= cue["distance_from_start_m"])[0]
    peak_seq = cue["peak_at"]["seq"]
    if not len(passed) or peak_seq not in arrivals:
        return None
    play_at = float(t[passed[0]])
    peak_at = play_at + cue["song_s"] - cue.get("skip_into_song_s", 0.0)
    steps_m = next(
        s["properties"]["distance_from_start_m"]
        for s in stop_features(fc)
        if s["properties"]["seq"] == peak_seq
    )
    where = float(np.interp(peak_at, t, progress))
    return {
        "name": cue["peak_at"]["name"],
        "played_at_elapsed_s": round(play_at, 1),
        "peak_elapsed_s": round(peak_at, 1),
        "reached_elapsed_s": round(arrivals[peak_seq], 1),
        "seconds_from_peak": round(arrivals[peak_seq] - peak_at, 1),
        "metres_from_steps_at_peak": round(where - steps_m, 1),
    }
