"""The route document: a planned route (planner.RoutePlan) as the GeoJSON FeatureCollection of
docs/route-format.md: the line first, then one feature per stop with its ETA, scene notes and dawn times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.core.config import ATTRIBUTION
from app.routing.planner import (
    RoutePlan,
    Stop,
)
from app.schemas.routes import RouteRequest
from app.services.stops import STOP_INFO_KEYS
from app.services.sun import dawn_times

# --- the GeoJSON document --------------------------------------------------------------------------------


def _stop_feature(seq: int, role: str, planned: Any, start_time: datetime | None) -> dict[str, Any]:
    stop: Stop = planned.stop
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
        "properties": props,
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
) -> dict[str, Any]:
    coords = result.shape  # already at 6 decimals, as decoded from Valhalla's polyline6 (not rounded again)
    n = len(result.stops)
    legs = [leg.as_dict() for leg in result.legs]
    route = {
        "type": "Feature",
        "id": "route",
        "geometry": {"type": "LineString", "coordinates": coords},
        "properties": {
            "kind": "route",
            "distance_m": round(result.distance_m, 1),
            "duration_s": round(result.duration_s, 1),
            "legs": legs,
        },
    }
    stops = [_stop_feature(i, _role(i, n), p, start_time) for i, p in enumerate(result.stops)]
    properties = {
        "title": req.title,
        "activity": req.activity,
        "pace_min_per_km": req.effective_pace(),
        "order": order,
        "distance_m": round(result.distance_m, 1),
        "duration_s": round(result.duration_s, 1),
        "start_time": start_time.isoformat(timespec="seconds") if start_time else None,
        "dawn": dawn_times(req.start_at_dawn or start_time.date())  # type: ignore[union-attr]
        if (req.start_at_dawn or start_time)
        else None,
        "tour": req.tour,
        "loop_km": req.loop_km,
        "attribution": ATTRIBUTION,
    }
    return {
        "type": "FeatureCollection",
        "bbox": _bbox(coords),
        "properties": properties,
        "skipped": skipped,
        "features": [route, *stops],
    }
