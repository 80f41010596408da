"""Route planning on top of a routing engine: snapping checks, pace, visiting order and legs (loops of a
given length: app.routing.loops).

ETAs come from the runner's pace (distance / pace), not from Valhalla's own time estimate: the runner sets the
pace, and Valhalla's walking_speed only shapes which ways it prefers (set from the activity's reference pace
when Profile.routing_pace_min_per_km is given, as the service does).

Paces (min/km): walking 12:00 (5 km/h, Valhalla's own pedestrian default, an unhurried sightseeing walk);
running easy 7:00, steady 6:00, tempo 5:00. Every pace maps to pedestrian costing (runners use sidewalks and
footpaths, not roads) with ``walking_speed = 60 / pace`` km/h, clamped to Valhalla's accepted 0.5–25 km/h."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pypolyline.cutil import decode_polyline

from app.core.exceptions import InvalidParameter, Unroutable
from app.core.geo import distance_m
from app.core.paces import PACE_PRESETS
from app.routing.engine import EngineError, RoutingEngine
from app.routing.shape import simplify as simplify_shape

COSTING = "pedestrian"
MIN_WALKING_SPEED_KMH, MAX_WALKING_SPEED_KMH = 0.5, 25.0  # Valhalla's accepted range
LOOP_TOLERANCE = 0.10
PLACE_SNAP_MAX_M = (
    250.0  # a place pinned less precisely than the snap limit may snap up to this far (snap_limit)
)
DEFAULT_PACE = {"walk": PACE_PRESETS["walk"], "run": PACE_PRESETS["steady"]}


@dataclass(frozen=True)
class Profile:
    """What else shapes the route besides the pace: no steps, and the language of the maneuvers."""

    step_free: bool = False
    language: str = "en-US"
    # The pace Valhalla's walking_speed is set from, when given (the service gives the activity's reference
    # pace): the streets chosen then depend on walk or run, not on the exact pace, so one plan serves every pace
    # (re-timed: ETAs are distance / pace). Valhalla's fixed penalties (crossings, turns) weigh differently
    # against faster edges, so planning at each exact pace moved a montage leg by a few metres.
    routing_pace_min_per_km: float | None = None


DEFAULT_PROFILE = Profile()


@dataclass(frozen=True)
class Stop:
    lat: float
    lon: float
    name: str
    location_id: str | None = None
    info: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class PlannedStop:
    stop: Stop
    distance_from_start_m: float
    elapsed_s: float


@dataclass(frozen=True)
class Leg:
    index: int
    distance_m: float
    duration_s: float
    maneuvers: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "from_seq": self.index,
            "to_seq": self.index + 1,
            "distance_m": round(self.distance_m, 1),
            "duration_s": round(self.duration_s, 1),
            "maneuvers": self.maneuvers,
        }


@dataclass(frozen=True)
class RoutePlan:
    stops: list[PlannedStop]
    shape: list[list[float]]  # [lon, lat]
    legs: list[Leg]
    distance_m: float
    duration_s: float
    engine_duration_s: float
    skipped: list[Stop] = field(default_factory=list)
    # Why each of ``skipped`` was left out, in the same order ("does not fit", "cannot be reached").
    skip_reasons: list[str] = field(default_factory=list)
    # For order="optimized": visit_order[k] is the index, in the stops given, of the k-th stop visited.
    visit_order: list[int] = field(default_factory=list)


def pace_to_walking_speed(pace_min_per_km: float) -> float:
    """Pace (min/km) → Valhalla pedestrian ``walking_speed`` (km/h), clamped to what Valhalla accepts."""
    if pace_min_per_km <= 0:
        raise InvalidParameter("pace must be a positive number of minutes per km", field="pace_min_per_km")
    return max(MIN_WALKING_SPEED_KMH, min(MAX_WALKING_SPEED_KMH, 60.0 / pace_min_per_km))


def default_pace(activity: str) -> float:
    """The pace used when none is given: 12:00 min/km walking, 6:00 ("steady") running."""
    return DEFAULT_PACE.get(activity, DEFAULT_PACE["walk"])


def duration_for(distance_m: float, pace_min_per_km: float) -> float:
    return distance_m / 1000.0 * pace_min_per_km * 60.0


def costing_options(pace_min_per_km: float, profile: Profile = DEFAULT_PROFILE) -> dict[str, Any]:
    options: dict[str, Any] = {"walking_speed": round(pace_to_walking_speed(pace_min_per_km), 3)}
    if profile.step_free:
        # Valhalla's wheelchair type refuses highway=steps and ways without wheelchair access; the hiking
        # limit (1 = sac_scale "hiking" at most) keeps it off rough trails too.
        options.update({"type": "wheelchair", "max_hiking_difficulty": 1})
    return {COSTING: options}


def _location(stop: Stop, kind: str = "break", cutoff_m: float | None = None) -> dict[str, Any]:
    loc: dict[str, Any] = {"lat": stop.lat, "lon": stop.lon, "type": kind}
    if cutoff_m:
        loc["search_cutoff"] = cutoff_m
    return loc


def _field(i: int, stop: Stop) -> str:
    """The request member the stop came from (``info["field"]``: ``start``, ``stops[3]``, set by the service,
    whatever order the route visits them in), else its position."""
    return stop.info.get("field") or f"stops[{i}]"


def _describe(i: int, stop: Stop) -> str:
    field = stop.info.get("field")
    return (
        f"{field} ({stop.location_id or stop.name})"
        if field
        else f"stop {i + 1} ({stop.location_id or stop.name})"
    )


# --- snapping ---------------------------------------------------------------------------------------------


def snap_distances(
    engine: RoutingEngine, stops: list[Stop], profile: Profile = DEFAULT_PROFILE
) -> list[float | None]:
    """Geodesic distance from each stop to the nearest walkable way Valhalla finds (None: none at all)."""
    req: dict[str, Any] = {"locations": [_location(s) for s in stops], "costing": COSTING, "verbose": False}
    if profile.step_free:
        req["costing_options"] = costing_options(DEFAULT_PACE["walk"], profile)
    answer = engine.locate(req)
    out: list[float | None] = []
    for stop, found in zip(stops, answer, strict=True):
        edges = found.get("edges") or []
        out.append(
            min(
                (distance_m((stop.lat, stop.lon), (e["correlated_lat"], e["correlated_lon"])) for e in edges),
                default=None,
            )
        )
    return out


def snap_limit(stop: Stop, default_m: float) -> float:
    """How far from a walkable way a stop may lie: ``default_m`` (the setting), or for a dataset place pinned
    less precisely than that (a stadium pinned at its centre, ±200 m) its ``precision_m``, up to
    PLACE_SNAP_MAX_M: the route then ends at the street nearest the pin, which lies within the place's own
    uncertainty. The answer carries the place's ``precision_m`` (why the route ends where it does)."""
    precision = stop.info.get("precision_m") if stop.location_id else None
    return max(default_m, min(float(precision), PLACE_SNAP_MAX_M)) if precision else default_m


def check_snapping(
    engine: RoutingEngine,
    stops: list[Stop],
    max_snap_m: float,
    field_of: Any = None,
    profile: Profile = DEFAULT_PROFILE,
) -> None:
    """Refuse, naming the stop, any stop further than its snap limit (``max_snap_m``, see snap_limit) from a
    walkable way."""
    for i, (stop, dist) in enumerate(zip(stops, snap_distances(engine, stops, profile), strict=True)):
        limit = snap_limit(stop, max_snap_m)
        if dist is None or dist > limit:
            how_far = (
                "no walkable way nearby" if dist is None else f"the nearest walkable way is {dist:.0f} m away"
            )
            raise Unroutable(
                f"{_describe(i, stop)} cannot be reached on foot: {how_far} (limit {limit:.0f} m)",
                field=field_of(i) if field_of else _field(i, stop),
            )


# --- routing ----------------------------------------------------------------------------------------------


def _request(locations: list[dict[str, Any]], pace: float, profile: Profile) -> dict[str, Any]:
    return {
        "locations": locations,
        "costing": COSTING,
        "costing_options": costing_options(profile.routing_pace_min_per_km or pace, profile),
        "units": "kilometers",
        "directions_options": {"units": "kilometers", "language": profile.language},
    }


def _engine_route(
    engine: RoutingEngine,
    locations: list[dict[str, Any]],
    pace: float,
    optimized: bool = False,
    stops: list[tuple[int, Stop]] | None = None,
    profile: Profile = DEFAULT_PROFILE,
    on_unroutable: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Valhalla's trip; an unroutable answer becomes Unroutable naming the first stop that cannot be reached
    (when ``stops`` gives (caller's index, stop) for each location), else naming the stops as a whole.
    ``on_unroutable`` runs first in that case (the snapping check: it names a stop too far from any way)."""
    req = _request(locations, pace, profile)
    try:
        return (engine.optimized_route(req) if optimized else engine.route(req))["trip"]
    except EngineError as exc:
        if exc.over_limit:
            raise InvalidParameter(f"the routing engine refused the request: {exc}", field="stops") from exc
        if not exc.unroutable:
            raise
        if on_unroutable is not None:
            on_unroutable()
        culprit = (
            _first_unreachable(engine, locations, pace, profile)
            if stops and len(stops) == len(locations)
            else None
        )
        if culprit is None or stops is None:
            raise Unroutable(f"no walking route between the stops: {exc}", field="stops") from exc
        i, stop = stops[culprit]
        raise Unroutable(
            f"{_describe(i, stop)} cannot be reached on foot from the stop before it "
            f"(it may be on a separate, unconnected set of paths): {exc}",
            field=_field(i, stop),
        ) from exc


def _first_unreachable(
    engine: RoutingEngine, locations: list[dict[str, Any]], pace: float, profile: Profile
) -> int | None:
    """Route leg by leg to find the first location that cannot be reached from the one before it."""
    for i in range(1, len(locations)):
        try:
            engine.route(_request([locations[i - 1], locations[i]], pace, profile))
        except EngineError as exc:
            if exc.unroutable:
                return i
            raise
    return None


def _maneuver(m: dict[str, Any], pace: float, shape_offset: int) -> dict[str, Any]:
    dist = m.get("length", 0.0) * 1000.0
    return {
        "instruction": m.get("instruction", ""),
        "distance_m": round(dist, 1),
        "duration_s": round(duration_for(dist, pace), 1),
        "street_names": m.get("street_names", []),
        "type": m.get("type"),
        "begin_shape_index": m.get("begin_shape_index", 0) + shape_offset,
    }


def _assemble(trip: dict[str, Any], ordered: list[Stop], pace: float) -> RoutePlan:
    shape: list[list[float]] = []
    legs: list[Leg] = []
    planned = [PlannedStop(ordered[0], 0.0, 0.0)]
    total = 0.0
    for i, raw in enumerate(trip["legs"]):
        # Valhalla's polyline6, decoded by pypolyline (Rust: ~12x the pure-Python decoder) into [lon, lat] pairs.
        points = decode_polyline(raw["shape"].encode(), 6)
        offset = max(len(shape) - 1, 0)
        shape.extend(points if not shape else points[1:])  # legs share their joining point
        dist = raw["summary"]["length"] * 1000.0
        legs.append(
            Leg(i, dist, duration_for(dist, pace), [_maneuver(m, pace, offset) for m in raw["maneuvers"]])
        )
        total += dist
        planned.append(PlannedStop(ordered[i + 1], total, duration_for(total, pace)))
    shape, legs = _simplified(shape, legs)
    return RoutePlan(planned, shape, legs, total, duration_for(total, pace), trip["summary"]["time"])


def _simplified(shape: list[list[float]], legs: list[Leg]) -> tuple[list[list[float]], list[Leg]]:
    """The line kept to what a map and a GPX need (app.routing.shape), every turn where it was."""
    turns = [m["begin_shape_index"] for leg in legs for m in leg.maneuvers]
    shape, moved = simplify_shape(shape, turns)
    for leg in legs:
        for m in leg.maneuvers:
            m["begin_shape_index"] = moved[m["begin_shape_index"]]
    return shape, legs


def plan_route(
    engine: RoutingEngine,
    stops: list[Stop],
    *,
    order: str = "as_given",
    pace_min_per_km: float = 12.0,
    return_to_start: bool = False,
    max_snap_distance_m: float = 150.0,
    profile: Profile = DEFAULT_PROFILE,
) -> RoutePlan:
    """A route through ``stops``; ``order="optimized"`` lets Valhalla choose the visiting order (first and last
    stay fixed). ``return_to_start`` closes the route at the first stop."""
    if len(stops) + int(return_to_start) < 2:
        raise InvalidParameter("a route needs at least two stops", field="stops")
    if order not in ("as_given", "optimized"):
        raise InvalidParameter("order must be as_given or optimized", field="order")
    # No snapping check up front (a locate call per route): each location's search_cutoff is the snap limit,
    # so Valhalla itself refuses a stop too far from a walkable way; only then does locate name which one.
    indexes = [*range(len(stops)), 0] if return_to_start else list(range(len(stops)))
    ordered = [stops[i] for i in indexes]
    locations = [_location(s, cutoff_m=snap_limit(s, max_snap_distance_m)) for s in ordered]
    optimize = (
        order == "optimized" and len(ordered) > 3
    )  # with 3 or fewer, first and last fixed: nothing to do
    # (locations are sent in the given order even when optimizing, so a failing leg names a given stop)
    trip = _engine_route(
        engine,
        locations,
        pace_min_per_km,
        optimized=optimize,
        stops=list(zip(indexes, ordered, strict=True)),
        profile=profile,
        on_unroutable=lambda: check_snapping(engine, stops, max_snap_distance_m, profile=profile),
    )
    if optimize:
        indexes = [indexes[loc["original_index"]] for loc in trip["locations"]]
        ordered = [stops[i] for i in indexes]
    plan = _assemble(trip, ordered, pace_min_per_km)
    return replace(plan, visit_order=indexes)
