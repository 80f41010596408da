"""Montage workouts and the song cue, added to a planned route document (routes and tours alike).

The exercises, their doses and the film facts behind them live in data/exercises.json (schema beside it); this
module only places them: one station per stop whose scene shows an exercise, and evenly spaced stations on long
legs. Station time shifts every later ETA. The song cue says where to press play on "Gonna Fly Now" so that its
peak lands as you reach the top of the steps (or the last stop). Points along the route are interpolated with
shapely on the route line projected to UTM 18N (metres; pyproj), not by hand."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import shapely
from pyproj import Transformer

from app.core import jsontext
from app.core.config import SHIPPED_DATA

EXERCISES_FILE = SHIPPED_DATA / "exercises.json"
SCHEMA_FILE = SHIPPED_DATA / "exercises.schema.json"
LEVELS = ("beginner", "intermediate", "rocky")
# UTM zone 18N covers Philadelphia; good to well under 0.1 % in distance anywhere in the tour area.
_TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)
_TO_LONLAT = Transformer.from_crs("EPSG:32618", "EPSG:4326", always_xy=True)


@cache
def catalogue(path: Path = EXERCISES_FILE) -> dict[str, Any]:
    """The exercises file, checked against its schema and for ids that point nowhere."""
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
        xs, ys = _TO_METRES.transform(lonlat[:, 0], lonlat[:, 1])  # arrays in, arrays out: no Python loop
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
        lon, lat = _TO_LONLAT.transform(p.x, p.y)
        return round(lat, 6), round(lon, 6)


# --- stations ----------------------------------------------------------------------------------------------


def _exercise(ex_id: str, level: str, step_free: bool) -> dict[str, Any]:
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


def _station(kind: str, seq: int, distance_m: float, point: tuple[float, float], exercises: list) -> dict:
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


def plan_stations(fc: dict[str, Any], level: str, step_free: bool = False) -> list[dict[str, Any]]:
    """Stations in the order they are met: at a stop first, then those on the leg after it."""
    doc = catalogue()
    stops = _stops(fc)
    line = _line(fc)
    stations: list[dict[str, Any]] = []
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


# --- applying to the document ------------------------------------------------------------------------------


def _stops(fc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in fc["features"] if f["properties"].get("kind") == "stop"]


def _route(fc: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in fc["features"] if f["properties"].get("kind") == "route")


def _line(fc: dict[str, Any]) -> RouteLine:
    route = _route(fc)
    return RouteLine(route["geometry"]["coordinates"], route["properties"]["distance_m"])


def _shift_etas(fc: dict[str, Any], stations: list[dict[str, Any]]) -> None:
    """Every stop's ETA includes the stations met before it (a stop's own station comes after arriving)."""
    start = fc["properties"].get("start_time")
    start_time = datetime.fromisoformat(start) if start else None
    for stop in _stops(fc):
        p = stop["properties"]
        before = sum(s["duration_s"] for s in stations if s["after_seq"] < p["seq"])
        p["arrival_elapsed_s"] = round(p["arrival_elapsed_s"] + before, 1)
        if start_time:
            arrival = start_time + timedelta(seconds=p["arrival_elapsed_s"])
            p["arrival_time"] = arrival.isoformat(timespec="seconds")
    # when each station starts: its running time plus the stations before it
    running = _speed(fc)
    done = 0.0
    for s in stations:
        s["elapsed_s"] = round(s["distance_from_start_m"] / running + done, 1)
        done += s["duration_s"]


def _speed(fc: dict[str, Any]) -> float:
    """Metres per second at the route's pace."""
    return 1000.0 / (fc["properties"]["pace_min_per_km"] * 60.0)


def distance_at(elapsed_s: float, fc: dict[str, Any], stations: list[dict[str, Any]]) -> float:
    """How far along the route someone is after ``elapsed_s`` seconds, pausing at each station."""
    speed, total = _speed(fc), fc["properties"]["distance_m"]
    t = d = 0.0
    for s in stations:
        reach = t + (s["distance_from_start_m"] - d) / speed
        if elapsed_s <= reach:
            break
        t, d = reach, s["distance_from_start_m"]
        if elapsed_s <= t + s["duration_s"]:
            return d
        t += s["duration_s"]
    return min(d + (elapsed_s - t) * speed, total)


def song_cue(fc: dict[str, Any], song_s: float, stations: list[dict[str, Any]]) -> dict[str, Any]:
    """Where and when to press play so the song ends (its peak) on arrival at the steps, or the last stop."""
    peak_id = catalogue()["song"]["peak_location_id"]
    stops = _stops(fc)
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


def step_free_notes(fc: dict[str, Any]) -> list[dict[str, Any]]:
    """For a step-free route: each stop's accessibility note, and how the stops with steps differ."""
    differs = catalogue().get("step_free", {})
    out = []
    for stop in _stops(fc):
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


def enrich(
    fc: dict[str, Any],
    *,
    level: str | None = None,
    song_s: float | None = None,
    step_free: bool = False,
    in_place: bool = False,
) -> dict[str, Any]:
    """The route document with the workout (if a level is given) and the song cue: a copy, or ``fc`` itself
    when ``in_place`` (a document nobody else holds, e.g. just planned)."""
    out = fc if in_place else jsontext.copy(fc)
    props = out["properties"]
    stations: list[dict[str, Any]] = []
    if level:
        stations = plan_stations(out, level, step_free)
        _shift_etas(out, stations)
        stations_s = round(sum(s["duration_s"] for s in stations), 1)
        props["workout"] = {
            "level": level,
            "stations": stations,
            "stations_s": stations_s,
            "running_s": props["duration_s"],
            "total_s": round(props["duration_s"] + stations_s, 1),
        }
    props["song_cue"] = song_cue(out, float(song_s or default_song_s()), stations)
    if step_free:
        props["step_free_stops"] = step_free_notes(out)
    return out
