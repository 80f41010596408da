"""Plan routes: turns a RouteRequest into stops (app.services.stops), asks the planner, and builds the route
document (app.services.route_document); saving and reading them is app.services.saved_routes.

The stored document is the GeoJSON FeatureCollection of docs/route-format.md, so what a runner saved reads back
exactly as it was planned, whatever later happens to the dataset or the street network."""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session

from app.core.config import Settings
from app.core.exceptions import InvalidParameter, Unroutable
from app.core.geo import distance_m
from app.db import repository as repo
from app.maps.i18n import choose_language, translations
from app.routing.engine import RoutingEngine
from app.routing.languages import narrative_language
from app.routing.loops import plan_loop
from app.routing.planner import (
    LOOP_TOLERANCE,
    Profile,
    RoutePlan,
    Stop,
    default_pace,
    plan_route,
)
from app.schemas.route_document import FirstSteps, RouteDocument
from app.schemas.routes import RouteRequest, WorkoutIn
from app.services import route_document
from app.services import tours as tours_service
from app.services.geocode import AddressLookup
from app.services.route_document import to_feature_collection

# Saving and reading live in app.services.saved_routes; these names stay importable from here (__all__) for the
# callers that use ``routes_service.load`` and the like.
from app.services.saved_routes import (
    client_hash,
    delete,
    load,
    load_document,
    make_room,
    prune,
    prune_saved_routes,
    save,
)
from app.services.stops import (
    drop_unsnappable,
    film_order,
    location_stop,
    resolve_start,
    resolve_stops,
    start_time_of,
)

log = logging.getLogger(__name__)


def check_limits(req: RouteRequest, settings: Settings) -> None:
    req.check_coherent()
    if len(req.stops) > settings.max_stops:
        raise InvalidParameter(f"at most {settings.max_stops} stops", field="stops")
    if req.loop_km is not None and req.loop_km > settings.max_loop_km:
        raise InvalidParameter(f"loop_km must be at most {settings.max_loop_km:g}", field="loop_km")


def cost(req: RouteRequest) -> int:
    """What a request costs against the per-client budget, roughly in units of an A→B route's CPU time:
    an optimized order grows with the stops (a matrix), a loop with its length (insertions and padding)."""
    n = len(req.stops) or (7 if req.tour else 0)
    units = 1 + max(n - 2, 0) // 4
    if req.order == "optimized":
        units += n // 3
    if req.loop_km is not None:
        units += 2 + int(req.loop_km // 5)
    if req.first_steps is not None:
        units += 2
    return units


# --- planning ----------------------------------------------------------------------------------------------


def plan(
    session: Session,
    req: RouteRequest,
    engine: RoutingEngine,
    settings: Settings,
    geocoder: AddressLookup | None = None,
) -> RouteDocument:
    """The whole planning step, without saving: returns the route FeatureCollection (with the song cue and,
    when asked, the workout)."""
    req = with_preset(req)
    return with_extras(plan_document(session, req, engine, settings, geocoder), req, in_place=True)


def with_preset(req: RouteRequest) -> RouteRequest:
    """first_steps: an easy run and a beginner workout, unless the request says otherwise."""
    if req.first_steps is None:
        return req
    given = req.model_fields_set
    update: dict[str, Any] = {}
    if "activity" not in given:
        update["activity"] = "run"
    if "pace" not in given and "pace_min_per_km" not in given:
        update["pace"] = "easy"
    if "workout" not in given:
        update["workout"] = WorkoutIn(level="beginner")
    if "title" not in given:
        # Saved with the route, so in the language the route was asked in.
        _ = translations(choose_language(req.language, None)).gettext
        update["title"] = _("First steps: {km} km").format(km=req.first_steps.km)
    return req.model_copy(update=update)


# The direct way along streets runs about 1.3x the straight line (see loops._pad_to_length).
STREET_FACTOR = 1.3
PREFERRED_FINISH = "art-museum-steps"
FIRST_STEPS_CALL = "The hardest part is lacing up your shoes. Start easy: walk when you need to."


def first_steps_finish(session: Session, start: Stop, km: int, shape: str) -> Stop:
    """The montage place the run ends at (one_way) or turns at (loop): the steps if they are in reach, else the
    nearest montage place in reach; InvalidParameter naming first_steps.km when none is."""
    reach_m = km * 1000.0 * (1 + LOOP_TOLERANCE) / STREET_FACTOR / (2 if shape == "loop" else 1)
    places = []
    for loc in repo.all_locations(session):
        if repo.montage_order(loc) is None or tours_service.unroutable_reason(loc) is not None:
            continue
        places.append((distance_m((start.lat, start.lon), (loc.lat, loc.lon)), loc))
    if not places:
        raise InvalidParameter("first_steps: no montage place in the dataset", field="first_steps")
    places.sort(key=lambda p: p[0])
    in_reach = [(d, loc) for d, loc in places if d <= reach_m]
    if not in_reach:
        d, loc = places[0]
        raise InvalidParameter(
            f"first_steps.km: the nearest montage place, {loc.name}, is {d / 1000:.1f} km away in a straight "
            f"line: too far for a {km} km {shape.replace('_', '-')} run (start nearer, or plan a longer loop)",
            field="first_steps.km",
        )
    chosen = next((loc for _, loc in in_reach if loc.id == PREFERRED_FINISH), in_reach[0][1])
    return location_stop(chosen)


def plan_document(
    session: Session,
    req: RouteRequest,
    engine: RoutingEngine,
    settings: Settings,
    geocoder: AddressLookup | None = None,
) -> RouteDocument:
    """The route itself at the request's pace: what a cached tour plan keeps and re-times."""
    check_limits(req, settings)
    profile = Profile(
        step_free=req.step_free,
        language=narrative_language(req.language),
        routing_pace_min_per_km=default_pace(req.activity),  # the same streets at any pace: see Profile
    )
    start = resolve_start(session, req, geocoder)
    pace = req.effective_pace()
    skipped: list[dict[str, Any]]
    if (req.first_steps is not None or req.loop_km is not None) and start is None:
        raise InvalidParameter("a loop or first_steps needs a start", field="start")  # check_coherent says so
    if req.first_steps is not None and start is not None:
        fs = req.first_steps
        place = first_steps_finish(session, start, fs.km, fs.shape)
        result = plan_loop(
            engine,
            start,
            [place] if fs.shape == "loop" else [],
            float(fs.km),
            finish_at=place if fs.shape == "one_way" else None,
            pace_min_per_km=pace,
            max_snap_distance_m=settings.max_snap_distance_m,
            require_place=True,
            profile=profile,
        )
        skipped, order = [], "first_steps"
    elif req.loop_km is not None and start is not None:
        candidates, skipped = _loop_candidates(session, req)
        finish = _finish_stop(session, req.finish_at) if req.finish_at else None
        result = plan_loop(
            engine,
            start,
            candidates,
            req.loop_km,
            finish_at=finish,
            pace_min_per_km=pace,
            max_snap_distance_m=settings.max_snap_distance_m,
            profile=profile,
        )
        skipped = [*skipped, *planner_skipped(result)]  # the answer lists every place left out, and why
        order = "loop"
    else:
        stops, skipped = resolve_stops(session, req)

        def route_through(stops: list[Stop]) -> RoutePlan:
            # A tour lists its stops in its film's order already (Rocky II's run starts at the Lambert Street
            # house, which no 1976 montage scene number would put first); other stop lists go by the montage.
            if req.order == "as_filmed" and not req.tour:
                stops = film_order(stops)
            if start is not None:
                stops = [start, *stops]
            if len(stops) + (1 if req.return_to_start else 0) < 2:
                raise InvalidParameter(
                    "a route needs at least two routable places (after skipping)",
                    field="stops",
                    skipped=skipped,
                )
            return plan_route(
                engine,
                stops,
                order="optimized" if req.order == "optimized" else "as_given",
                pace_min_per_km=pace,
                return_to_start=req.return_to_start,
                max_snap_distance_m=settings.max_snap_distance_m,
                profile=profile,
            )

        try:
            result = route_through(stops)
        except Unroutable:
            # A tour's stop too far from the streets is skipped, not fatal: found (one locate call) only when
            # Valhalla refused the route, so a routable tour costs a single route call.
            kept = (
                drop_unsnappable(engine, stops, skipped, settings.max_snap_distance_m) if req.tour else stops
            )
            if len(kept) == len(stops):
                raise
            result = route_through(kept)
        order = req.order
    fc = to_feature_collection(result, req, order=order, skipped=skipped, start_time=start_time_of(req))
    first_steps: FirstSteps | None = None
    if req.first_steps is not None:
        first_steps = {
            "km": req.first_steps.km,
            "shape": req.first_steps.shape,
            "place": place.location_id,
            "call_to_action": FIRST_STEPS_CALL,
        }
    return route_document.planned_with(
        fc, language=profile.language, step_free=req.step_free, first_steps=first_steps
    )


def with_extras(fc: RouteDocument, req: RouteRequest, *, in_place: bool = False) -> RouteDocument:
    """The workout stations (when asked for) and the song cue, on a planned (or re-timed) route document: a
    copy, or ``fc`` itself when ``in_place`` (just planned, held by nobody else)."""
    return route_document.enrich(
        fc,
        level=req.workout.level if req.workout else None,
        song_s=req.song_s,
        step_free=req.step_free,
        in_place=in_place,
    )


def planner_skipped(result: RoutePlan) -> list[dict[str, Any]]:
    """The places the loop planner left out (RoutePlan.skipped), as the answer's ``skipped`` entries."""
    return [
        {"location_id": stop.location_id, "name": stop.name, "reason": reason}
        for stop, reason in zip(result.skipped, result.skip_reasons, strict=True)
    ]


def _loop_candidates(session: Session, req: RouteRequest) -> tuple[list[Stop], list[dict[str, Any]]]:
    if req.stops or req.tour:
        stops, skipped = resolve_stops(session, req)
        return (film_order(stops) if req.order == "as_filmed" else stops), skipped
    montage = tours_service.get_tour(session, "rocky-1976-montage")
    locs, skipped = tours_service.tour_locations(session, montage)
    return [location_stop(loc) for loc in locs if loc.id != req.finish_at], skipped


def _finish_stop(session: Session, location_id: str) -> Stop:
    loc = repo.get_location(session, location_id)
    if loc is None:
        raise InvalidParameter(f"finish_at: no location with id {location_id!r}", field="finish_at")
    reason = tours_service.unroutable_reason(loc)
    if reason is not None:
        raise InvalidParameter(f"finish_at: {reason}", field="finish_at")
    return location_stop(loc)


__all__ = [
    "check_limits",
    "client_hash",
    "cost",
    "delete",
    "load",
    "load_document",
    "make_room",
    "plan",
    "plan_document",
    "prune",
    "prune_saved_routes",
    "save",
    "with_extras",
]
