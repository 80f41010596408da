"""The route document: the one module that builds and changes it (its type: app.schemas.route_document).

A planned route (planner.RoutePlan) becomes the GeoJSON FeatureCollection of docs/route-format.md: the line
first, then one feature per stop with its ETA, scene notes and dawn times. The changes after that live here too:
the planning step's own members, the workout stations and song cue (computed by app.services.workout), a tour
plan re-timed for another pace, and the members an answer adds (id, links, delete token, tour). A saved
document of format version 1 is read as version 2 by ``upgrade``. tests/test_route_document.py fails if another
module of app/ assigns into a route document."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from app.core import jsontext
from app.core.config import ATTRIBUTION
from app.routing.planner import PlannedStop, RoutePlan, duration_for
from app.schemas.route_document import (
    FORMAT_VERSION,
    Dawn,
    FirstSteps,
    RouteDocument,
    RouteLeg,
    RouteLine,
    RouteLink,
    RouteProperties,
    SkippedPlace,
    StopFeature,
    StopProperties,
    WorkoutStation,
    route_line,
    stop_features,
)
from app.schemas.routes import RouteRequest
from app.services import workout as workout_service
from app.services.stops import STOP_INFO_KEYS
from app.services.sun import dawn_times

# --- building ----------------------------------------------------------------------------------------------


def _stop_feature(seq: int, role: str, planned: PlannedStop, start_time: datetime | None) -> StopFeature:
    stop = planned.stop
    arrival = start_time + timedelta(seconds=planned.elapsed_s) if start_time else None
    props = {
        "kind": "stop",
        "seq": seq,
        "role": role,
        "location_id": stop.location_id,
        "name": stop.name,
        **{k: stop.info.get(k) for k in STOP_INFO_KEYS},
        "distance_from_start_m": round(planned.distance_from_start_m, 1),
        "arrival_elapsed_s": round(planned.elapsed_s, 1),
        "arrival_time": arrival.isoformat(timespec="seconds") if arrival else None,
    }
    return {
        "type": "Feature",
        "id": f"stop-{seq}",
        "geometry": {"type": "Point", "coordinates": [round(stop.lon, 6), round(stop.lat, 6)]},
        "properties": cast(StopProperties, props),  # the info keys are StopProperties' (STOP_INFO_KEYS)
    }


def _role(i: int, n: int) -> str:
    return "start" if i == 0 else ("finish" if i == n - 1 else "stop")


def _bbox(coords: list[list[float]]) -> list[float]:
    lons, lats = [c[0] for c in coords], [c[1] for c in coords]
    return [min(lons), min(lats), max(lons), max(lats)]


def to_feature_collection(
    result: RoutePlan,
    req: RouteRequest,
    *,
    order: str,
    skipped: list[dict[str, Any]],
    start_time: datetime | None,
) -> RouteDocument:
    coords = result.shape  # already at 6 decimals, as decoded from Valhalla's polyline6 (not rounded again)
    n = len(result.stops)
    route: RouteLine = {
        "type": "Feature",
        "id": "route",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "kind": "route",
            "distance_m": round(result.distance_m, 1),
            "duration_s": round(result.duration_s, 1),
            "legs": cast(
                list[RouteLeg], [leg.as_dict() for leg in result.legs]
            ),  # planner.Leg.as_dict's members
        },
    }
    stops = [_stop_feature(i, _role(i, n), p, start_time) for i, p in enumerate(result.stops)]
    day = req.start_at_dawn or (start_time.date() if start_time else None)
    properties: RouteProperties = {
        "title": req.title,
        "activity": req.activity,
        "pace_min_per_km": req.effective_pace(),
        "order": order,
        "distance_m": round(result.distance_m, 1),
        "duration_s": round(result.duration_s, 1),
        "start_time": start_time.isoformat(timespec="seconds") if start_time else None,
        "dawn": cast(Dawn, dawn_times(day)) if day else None,  # sun.dawn_times's members
        "tour": req.tour,
        "loop_km": req.loop_km,
        "attribution": ATTRIBUTION,
    }
    return {
        "type": "FeatureCollection",
        "format_version": FORMAT_VERSION,
        "bbox": _bbox(coords),
        "properties": properties,
        "skipped": cast(list[SkippedPlace], skipped),
        "features": [route, *stops],
    }


def planned_with(
    doc: RouteDocument, *, language: str, step_free: bool, first_steps: FirstSteps | None = None
) -> RouteDocument:
    """The planning step's own members, on a document it just built (changed in place)."""
    props = doc["properties"]
    props["language"] = language
    props["step_free"] = step_free
    if first_steps is not None:
        props["first_steps"] = first_steps
    return doc


# --- the workout and the song cue ---------------------------------------------------------------------------


def _shift_etas(doc: RouteDocument, stations: list[WorkoutStation]) -> None:
    """Every stop's ETA includes the stations met before it (a stop's own station comes after arriving)."""
    start = doc["properties"].get("start_time")
    start_time = datetime.fromisoformat(start) if start else None
    for stop in stop_features(doc):
        p = stop["properties"]
        before = sum(s["duration_s"] for s in stations if s["after_seq"] < p["seq"])
        p["arrival_elapsed_s"] = round(p["arrival_elapsed_s"] + before, 1)
        if start_time:
            arrival = start_time + timedelta(seconds=p["arrival_elapsed_s"])
            p["arrival_time"] = arrival.isoformat(timespec="seconds")
    # when each station starts: its running time plus the stations before it
    running = workout_service.speed(doc)
    done = 0.0
    for s in stations:
        s["elapsed_s"] = round(s["distance_from_start_m"] / running + done, 1)
        done += s["duration_s"]


def enrich(
    doc: RouteDocument,
    *,
    level: str | None = None,
    song_s: float | None = None,
    step_free: bool = False,
    in_place: bool = False,
) -> RouteDocument:
    """The route document with the workout (if a level is given) and the song cue: a copy, or ``doc`` itself
    when ``in_place`` (a document nobody else holds, e.g. just planned)."""
    out: RouteDocument = doc if in_place else jsontext.copy(doc)
    props = out["properties"]
    stations: list[WorkoutStation] = []
    if level:
        stations = workout_service.plan_stations(out, level, step_free)
        _shift_etas(out, stations)
        stations_s = round(sum(s["duration_s"] for s in stations), 1)
        props["workout"] = {
            "level": level,  # type: ignore[typeddict-item]  # one of LEVELS (the request's WorkoutIn)
            "stations": stations,
            "stations_s": stations_s,
            "running_s": props["duration_s"],
            "total_s": round(props["duration_s"] + stations_s, 1),
        }
    props["song_cue"] = workout_service.song_cue(
        out, float(song_s or workout_service.default_song_s()), stations
    )
    if step_free:
        props["step_free_stops"] = workout_service.step_free_notes(out)
    return out


# --- a tour plan for another pace ---------------------------------------------------------------------------


def retime(doc: RouteDocument, pace: float) -> RouteDocument:
    """A copy of the route with every duration and ETA recomputed for ``pace`` (min/km)."""
    out: RouteDocument = jsontext.copy(doc)
    props = out["properties"]
    props["pace_min_per_km"] = pace
    props["duration_s"] = round(duration_for(props["distance_m"], pace), 1)
    line = route_line(out)["properties"]
    line["duration_s"] = props["duration_s"]
    for leg in line["legs"]:
        leg["duration_s"] = round(duration_for(leg["distance_m"], pace), 1)
        for m in leg["maneuvers"]:
            m["duration_s"] = round(duration_for(m["distance_m"], pace), 1)
    for stop in stop_features(out):
        sp = stop["properties"]
        sp["arrival_elapsed_s"] = round(duration_for(sp["distance_from_start_m"], pace), 1)
    return out


def titled(doc: RouteDocument, title: str | None) -> RouteDocument:
    """``doc`` (a copy nobody else holds) with this title."""
    doc["properties"]["title"] = title
    return doc


# --- members of an answer or a saved route ------------------------------------------------------------------


def with_id(doc: RouteDocument, route_id: str) -> RouteDocument:
    """A shallow copy with the saved route's (or tour's) id."""
    return {**doc, "id": route_id}


def with_links(
    doc: RouteDocument, links: list[RouteLink], *, delete_token: str | None = None
) -> RouteDocument:
    """A shallow copy with the answer's links, and the delete token (a POST's answer only; never stored)."""
    out: RouteDocument = {**doc, "links": links}
    if delete_token is not None:
        out["delete_token"] = delete_token
    return out


def with_tour(doc: RouteDocument, summary: dict[str, Any]) -> RouteDocument:
    """A shallow copy with the tour's summary (GET /api/v1/tours/{id})."""
    return {**doc, "tour": summary}


# --- reading what was saved -----------------------------------------------------------------------------------


def upgrade(stored: dict[str, Any]) -> RouteDocument:
    """A saved document as the current format. Version 1 (no ``format_version``: saved before 2026-12-07) has
    every member of version 2 but that one, so it gains ``format_version`` and loses nothing; the stored row is
    not rewritten (a read costs no write)."""
    if "format_version" in stored:  # this version (or a later one, after a roll-back: served as it is)
        return cast(RouteDocument, stored)
    return cast(RouteDocument, {"type": stored.get("type"), "format_version": FORMAT_VERSION, **stored})
