"""Loops of about a given length (a runner's loop from the hotel, or a run that ends at the steps): the places
that fit are inserted where they add least, the rest are skipped with their reason, and a route still short of
the length is padded by a detour through an extra point."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.core.exceptions import InvalidParameter, Unroutable
from app.core.geo import destination, distance_m
from app.routing.engine import RoutingEngine
from app.routing.planner import (
    DEFAULT_PROFILE,
    LOOP_TOLERANCE,
    Profile,
    RoutePlan,
    Stop,
    _assemble,
    _engine_route,
    _location,
    check_snapping,
)

# --- loops ------------------------------------------------------------------------------------------------


def _route_length(
    engine: RoutingEngine,
    seq: list[Stop],
    pace: float,
    pad: Stop | None = None,
    pad_after: int = 0,
    profile: Profile = DEFAULT_PROFILE,
) -> tuple[float, dict[str, Any]]:
    locations = [_location(s) for s in seq]
    if pad is not None:
        locations.insert(pad_after + 1, _location(pad, kind="through"))
    trip = _engine_route(engine, locations, pace, profile=profile)
    return trip["summary"]["length"] * 1000.0, trip


def _best_insertion(seq: list[Stop], stop: Stop) -> list[Stop]:
    """Insert ``stop`` where it adds the least straight-line distance (ends of ``seq`` stay fixed)."""

    def added(i: int) -> float:
        a, b = seq[i], seq[i + 1]
        return (
            distance_m((a.lat, a.lon), (stop.lat, stop.lon))
            + distance_m((stop.lat, stop.lon), (b.lat, b.lon))
            - distance_m((a.lat, a.lon), (b.lat, b.lon))
        )

    best = min(range(len(seq) - 1), key=added)
    return [*seq[: best + 1], stop, *seq[best + 1 :]]


def _pad_to_length(
    engine: RoutingEngine,
    seq: list[Stop],
    target_m: float,
    pace: float,
    length: float,
    trip: dict[str, Any] | None,
    profile: Profile = DEFAULT_PROFILE,
) -> dict[str, Any]:
    """Bring a loop to length with a detour through an extra 'through' point: try bearings from the longest
    leg's start (the start itself when ``trip`` is None: a bare out-and-back) and rescale the detour radius
    until the total is within half the tolerance; else the closest found."""
    best: tuple[float, dict[str, Any] | None] = (abs(length - target_m) if trip else float("inf"), trip)
    anchor_idx = (
        0 if trip is None else max(range(len(seq) - 1), key=lambda i: trip["legs"][i]["summary"]["length"])
    )
    anchor = seq[anchor_idx]
    for bearing in (0, 45, 90, 135, 180, 225, 270, 315):
        radius = (target_m - length) / 2.6  # out and back along streets runs ~1.3× the straight line each way
        for _ in range(4):
            lat, lon = destination(anchor.lat, anchor.lon, bearing, max(radius, 50))
            try:
                got, padded = _route_length(engine, seq, pace, Stop(lat, lon, "detour"), anchor_idx, profile)
            except Unroutable:  # e.g. the point fell in the river: try the next bearing
                break
            if abs(got - target_m) < best[0]:
                best = (abs(got - target_m), padded)
            if abs(got - target_m) <= LOOP_TOLERANCE * target_m / 2:
                return padded
            radius *= max(0.3, min(3.0, (target_m - length) / max(got - length, 1.0)))
    if best[1] is None:
        raise Unroutable(f"no loop of {target_m / 1000:g} km could be made from {seq[0].name}", field="start")
    return best[1]


def plan_loop(
    engine: RoutingEngine,
    start: Stop,
    candidates: list[Stop],
    loop_km: float,
    *,
    finish_at: Stop | None = None,
    pace_min_per_km: float = 6.0,
    max_snap_distance_m: float = 150.0,
    require_place: bool = False,
    profile: Profile = DEFAULT_PROFILE,
) -> RoutePlan:
    """About ``loop_km`` (±10%) from ``start`` through as many ``candidates`` (in priority order) as fit.

    Without ``finish_at`` the route returns to the start (a runner's loop from the hotel). With ``finish_at``
    (e.g. the Art Museum steps) it ends there instead and does not come back: the finish is the climax, and
    ``loop_km`` is the whole distance from start to finish. Each candidate goes where it adds least; one that
    would push the total past +10% (or that no path reaches) is skipped and listed in ``RoutePlan.skipped``.
    A route shorter than -10% is lengthened by a detour through an extra point. When not even one place fits,
    the result is a plain loop of the asked length through a turn-around point, or, with ``require_place``,
    InvalidParameter naming ``loop_km``. A ``finish_at`` further than loop_km +10% is InvalidParameter too."""
    if not loop_km > 0:
        raise InvalidParameter("loop_km must be a positive number of kilometres", field="loop_km")
    target = loop_km * 1000.0
    end = finish_at or start
    candidates = [c for c in candidates if finish_at is None or c != finish_at]
    check_snapping(
        engine,
        [start, *candidates, *([finish_at] if finish_at else [])],
        max_snap_distance_m,
        field_of=lambda i: "start" if i == 0 else ("finish_at" if i > len(candidates) else f"stops[{i - 1}]"),
        profile=profile,
    )
    seq = [start, end]
    length, trip = _route_length(engine, seq, pace_min_per_km, profile=profile) if finish_at else (0.0, None)
    if length > target * (1 + LOOP_TOLERANCE):
        raise InvalidParameter(
            f"loop_km: the direct way from the start to {end.name} is already {length / 1000:.1f} km",
            field="loop_km",
        )
    skipped: list[Stop] = []
    reasons: list[str] = []
    for cand in candidates:
        trial = _best_insertion(seq, cand)
        try:
            got, got_trip = _route_length(engine, trial, pace_min_per_km, profile=profile)
        except Unroutable:  # a place cut off from the others' paths: skip it, as one that does not fit
            skipped.append(cand)
            reasons.append("cannot be reached from the route's other places on foot")
            continue
        if got <= target * (1 + LOOP_TOLERANCE):
            seq, length, trip = trial, got, got_trip
        else:
            skipped.append(cand)
            reasons.append(f"does not fit a {loop_km:g} km route (it would make it {got / 1000:.1f} km)")
    if trip is None and require_place and candidates:
        raise InvalidParameter(
            f"loop_km: {loop_km:g} km is too short to visit even one of the places from the "
            f"start (the nearest needs more than {target * (1 + LOOP_TOLERANCE) / 1000:.1f} km)",
            field="loop_km",
        )
    # (no place fits: trip is None, and the padding makes a loop of the asked length through a turn-around point)
    if trip is None or not (1 - LOOP_TOLERANCE) * target <= length <= (1 + LOOP_TOLERANCE) * target:
        trip = _pad_to_length(engine, seq, target, pace_min_per_km, length, trip, profile)
    return replace(_assemble(trip, seq, pace_min_per_km), skipped=skipped, skip_reasons=reasons)
