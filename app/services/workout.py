"""Montage workouts and the song cue for a planned route document (routes and tours alike); the document is
changed by app.services.route_document.enrich, which calls these.

The exercises, their doses and the film facts behind them live in data/exercises.json (schema beside it); this
module only places them: one station per stop whose scene shows an exercise, and evenly spaced stations on long
legs. Station time shifts every later ETA. The song cue says where to press play on "Gonna Fly Now" so that its
peak lands as you reach the top of the steps (or the last stop). Points along the route are interpolated with
shapely on the route line projected to UTM 18N (metres; pyproj), not by hand."""

from __future__ import annotations

import itertools
import json
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely
from pyproj import Transformer

from app.core.config import SHIPPED_DATA
from app.schemas.route_document import (
    RouteDocument,
    SongCue,
    StepFreeStop,
    WorkoutExercise,
    WorkoutStation,
    route_line,
    stop_features,
)

EXERCISES_FILE = SHIPPED_DATA / "exercises.json"
SCHEMA_FILE = SHIPPED_DATA / "exercises.schema.json"
LEVELS = ("beginner", "intermediate", "rocky")
UTM_18N = "EPSG:32618"  # covers Philadelphia; good to well under 0.1 % in distance anywhere in the tour area


# Built on first use, not at import (each opens proj's database): a server starts without them.
@cache
def to_metres() -> Transformer:
    """lon/lat → UTM 18N metres."""
    return Transformer.from_crs("EPSG:4326", UTM_18N, always_xy=True)


@cache
def to_lonlat() -> Transformer:
    """UTM 18N metres → lon/lat."""
    return Transformer.from_crs(UTM_18N, "EPSG:4326", always_xy=True)


@cache
def catalogue(path: Path = EXERCISES_FILE) -> dict[str, Any]:
    """The exercises file, checked against its schema and for ids that point nowhere."""
    import jsonschema  # here: ~90 ms of imports (attrs, referencing) that only this first read needs

    doc = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    known = doc["exercises"]
    for ref in [*doc["leg_rotation"], *(x for ids in doc["stations_at"].values() for x in ids)]:
        if ref not in known:
            raise ValueError(f"{path.name}: unknown exercise id {ref!r}")
    return doc


def default_song_s() -> float:
    return float(catalogue()["song"]["default_song_s"])


# --- geometry along the route ------------------------------------------------------------------------------


class RouteLine:
    """The route line in metres; positions are given as Valhalla's distance from the start (scaled to the line)."""

    def __init__(self, coords: list[list[float]], distance_m: float) -> None:
        # Flattened first (as app.routing.shape does): np.asarray on a list of [lon, lat] lists took 0.14 ms of
        # the 0.24 ms song cue of a montage (1,016 points).
        flat = itertools.chain.from_iterable(coords)
        lonlat = np.fromiter(flat, dtype=float, count=2 * len(coords)).reshape(-1, 2)
        xs, ys = to_metres().transform(lonlat[:, 0], lonlat[:, 1])  # arrays in, arrays out: no Python loop
        self.line = shapely.linestrings(xs, ys) if len(coords) > 1 else None
        self.coords = coords
        self.distance_m = distance_m

    def point_at(self, distance_m: float) -> tuple[float, float]:
        """(lat, lon) at ``distance_m`` from the start along the route."""
        if self.line is None or self.distance_m <= 0:
            lon, lat = self.coords[0]
            return lat, lon
        fraction = min(max(distance_m / self.distance_m, 0.0), 1.0)
        p = self.line.interpolate(fraction, normalized=True)
        lon, lat = to_lonlat().transform(p.x, p.y)
        return round(lat, 6), round(lon, 6)


# --- stations ----------------------------------------------------------------------------------------------


def _exercise(ex_id: str, level: str, step_free: bool) -> WorkoutExercise:
    ex = catalogue()["exercises"][ex_id]
    dose = ex["dose"][level]
    work_s = dose.get("seconds") or dose["reps"] * ex.get("seconds_per_rep", 2.0)
    how = ex.get("how_step_free") if step_free and ex.get("how_step_free") else ex["how"]
    return {
        "id": ex_id,
        "name": ex["name"],
        "how": how,
        "film_exercise": ex["film_exercise"],
        "scene": ex["scene"],
        "reps": dose.get("reps"),
        "seconds": dose.get("seconds"),
        "duration_s": round(work_s + catalogue()["setup_s"], 1),
        "safety": ex["safety"],
        "sources": [s["url"] for s in ex["sources"]],
    }


def _station(
    kind: Literal["stop", "leg"],
    seq: int,
    distance_m: float,
    point: tuple[float, float],
    exercises: list[WorkoutExercise],
) -> WorkoutStation:
    return {
        "kind": kind,  # "stop": at a stop whose scene shows it; "leg": on the way
        "after_seq": seq,
        "distance_from_start_m": round(distance_m, 1),
        "lat": point[0],
        "lon": point[1],
        "exercises": exercises,
        "scene": "; ".join(dict.fromkeys(e["scene"] for e in exercises)),
        "safety": " ".join(dict.fromkeys(e["safety"] for e in exercises)),
        "duration_s": round(sum(e["duration_s"] for e in exercises), 1),
    }


def plan_stations(fc: RouteDocument, level: str, step_free: bool = False) -> list[WorkoutStation]:
    """Stations in the order they are met: at a stop first, then those on the leg after it."""
    doc = catalogue()
    stops = stop_features(fc)
    line = _line(fc)
    stations: list[WorkoutStation] = []
    rotation = 0
    for i, stop in enumerate(stops):
        p = stop["properties"]
        ids = doc["stations_at"].get(p.get("location_id") or "")
        if ids:
            lon, lat = stop["geometry"]["coordinates"]
            exercises = [_exercise(x, level, step_free) for x in ids]
            stations.append(_station("stop", p["seq"], p["distance_from_start_m"], (lat, lon), exercises))
        if i + 1 == len(stops):
            break
        start_m, end_m = p["distance_from_start_m"], stops[i + 1]["properties"]["distance_from_start_m"]
        leg_m = end_m - start_m
        if leg_m < doc["long_leg_m"]:
            continue
        n = int(leg_m // doc["leg_station_every_m"])
        for k in range(1, n + 1):
            at = start_m + leg_m * k / (n + 1)
            ex_id = doc["leg_rotation"][rotation % len(doc["leg_rotation"])]
            rotation += 1
            stations.append(
                _station("leg", p["seq"], at, line.point_at(at), [_exercise(ex_id, level, step_free)])
            )
    return stations


# --- reading the document ------------------------------------------------------------------------------


def _line(fc: RouteDocument) -> RouteLine:
    route = route_line(fc)
    return RouteLine(route["geometry"]["coordinates"], route["properties"]["distance_m"])


def speed(fc: RouteDocument) -> float:
    """Metres per second at the route's pace."""
    return 1000.0 / (fc["properties"]["pace_min_per_km"] * 60.0)


def distance_at(elapsed_s: float, fc: RouteDocument, stations: list[WorkoutStation]) -> float:
    """How far along the route someone is after ``elapsed_s`` seconds, pausing at each station."""
    mps, total = speed(fc), fc["properties"]["distance_m"]
    t = d = 0.0
    for s in stations:
        reach = t + (s["distance_from_start_m"] - d) / mps
        if elapsed_s <= reach:
            break
        t, d = reach, s["distance_from_start_m"]
        if elapsed_s <= t + s["duration_s"]:
            return d
        t += s["duration_s"]
    return min(d + (elapsed_s - t) * mps, total)


def song_cue(fc: RouteDocument, song_s: float, stations: list[WorkoutStation]) -> SongCue:
    """Where and when to press play so the song ends (its peak) on arrival at the steps, or the last stop."""
    peak_id = catalogue()["song"]["peak_location_id"]
    stops = stop_features(fc)
    target = next((s for s in stops if s["properties"].get("location_id") == peak_id), stops[-1])
    peak_s = target["properties"]["arrival_elapsed_s"]
    press_s = max(peak_s - song_s, 0.0)
    dist = distance_at(press_s, fc, stations)
    lat, lon = _line(fc).point_at(dist)
    return {
        "song": catalogue()["song"]["title"],
        "song_s": song_s,
        "peak_at": {"seq": target["properties"]["seq"], "name": target["properties"]["name"]},
        "peak_elapsed_s": round(peak_s, 1),
        "distance_from_start_m": round(dist, 1),
        "elapsed_s": round(press_s, 1),
        # A route shorter than the song: start at the start, this many seconds into the song.
        "skip_into_song_s": round(max(song_s - peak_s, 0.0), 1),
        "lat": lat,
        "lon": lon,
    }


def step_free_notes(fc: RouteDocument) -> list[StepFreeStop]:
    """For a step-free route: each stop's accessibility note, and how the stops with steps differ."""
    differs = catalogue().get("step_free", {})
    out: list[StepFreeStop] = []
    for stop in stop_features(fc):
        p = stop["properties"]
        lid = p.get("location_id")
        if lid is None or not (p.get("accessibility") or lid in differs):
            continue
        out.append(
            {
                "seq": p["seq"],
                "location_id": lid,
                "name": p["name"],
                "differs": lid in differs,
                "note": differs.get(lid),
                "accessibility": p.get("accessibility"),
            }
        )
    return out
