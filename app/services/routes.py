"""Plan, save and read routes: turns a RouteRequest into stops, asks the planner, and stores the result.

The stored document is the GeoJSON FeatureCollection of docs/route-format.md, so what a runner saved reads back
exactly as it was planned, whatever later happens to the dataset or the street network."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from geopy.distance import geodesic
from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, func, select

from app.core.config import ATTRIBUTION, Settings
from app.core.exceptions import Forbidden, InvalidParameter, NotFound, Unroutable
from app.core.geo import coarse
from app.db import repository as repo
from app.db.models import Location, SavedRoute, utcnow
from app.maps.i18n import choose_language, translations
from app.routing.languages import narrative_language
from app.routing.planner import (
    LOOP_TOLERANCE,
    Profile,
    RoutePlan,
    Stop,
    default_pace,
    plan_loop,
    plan_route,
    snap_distances,
)
from app.schemas.routes import AddressIn, PointIn, RouteRequest, WorkoutIn
from app.services import tours as tours_service
from app.services import workout as workout_service
from app.services.geocode import Geocoder
from app.services.sun import PHILADELPHIA_TZ, civil_dawn, dawn_times

log = logging.getLogger(__name__)

STOP_INFO_KEYS = ("scene_order", "scene", "exercise", "status_note", "tips", "visitable", "accessibility")


# --- building the stop list ------------------------------------------------------------------------------


def location_stop(loc: Location) -> Stop:
    props = repo.location_properties(
        loc, {}
    )  # v1 scene_order/scene/exercise come from the primary appearance
    info = {k: props.get(k) for k in STOP_INFO_KEYS}
    return Stop(lat=loc.lat, lon=loc.lon, name=loc.name, location_id=loc.id, info=info)


def point_stop(p: PointIn, default_name: str, field: str | None = None) -> Stop:
    info = {"field": field} if field else {}
    return Stop(lat=p.lat, lon=p.lon, name=p.name or default_name, location_id=None, info=info)


def resolve_stops(session: Session, req: RouteRequest) -> tuple[list[Stop], list[dict[str, Any]]]:
    """Location ids and points → stops; places that cannot be visited go to the skipped list."""
    if req.tour:
        tour = tours_service.get_tour(session, req.tour, field="tour")
        locs, skipped = tours_service.tour_locations(session, tour)
        return [location_stop(loc) for loc in locs], skipped
    stops: list[Stop] = []
    skipped: list[dict[str, Any]] = []
    named = [item for item in req.stops if not isinstance(item, PointIn)]
    places = {loc.id: loc for loc in repo.locations_by_ids(session, named)} if named else {}  # one query
    for i, item in enumerate(req.stops):
        if isinstance(item, PointIn):
            stops.append(point_stop(item, f"Point {i + 1}", f"stops[{i}]"))
            continue
        loc = places.get(item)
        if loc is None:
            raise InvalidParameter(f"stops[{i}]: no location with id {item!r}", field=f"stops[{i}]")
        if tours_service.unroutable_reason(loc) is not None:
            skipped.append(tours_service.skipped_entry(loc))
            continue
        stop = location_stop(loc)
        stop.info["field"] = f"stops[{i}]"  # errors name what the client sent, whatever the visiting order
        stops.append(stop)
    return stops, skipped


def film_order(stops: list[Stop]) -> list[Stop]:
    """Montage places in film order; other places and points keep their relative position after them."""
    key = [
        (s.info.get("scene_order") is None, s.info.get("scene_order") or 0, i) for i, s in enumerate(stops)
    ]
    return [stops[i] for *_, i in sorted(key)]


def drop_unsnappable(
    engine: Any, stops: list[Stop], skipped: list[dict[str, Any]], max_m: float
) -> list[Stop]:
    """A tour's stops further than the snap distance from a walkable way join the skipped list (a tour is data
    and must not fail as a whole for one badly placed point; a user's own stop list is refused instead)."""
    if not stops:
        return stops
    kept = []
    for stop, dist in zip(stops, snap_distances(engine, stops), strict=True):
        if dist is not None and dist <= max_m:
            kept.append(stop)
            continue
        how_far = "no walkable way nearby" if dist is None else f"{dist:.0f} m from the nearest walkable way"
        reason = f"too far from the street network: {how_far} (limit {max_m:.0f} m)"
        skipped.append({"location_id": stop.location_id, "name": stop.name, "reason": reason})
    return kept


def resolve_start(session: Session, req: RouteRequest, geocoder: Geocoder | None) -> Stop | None:
    if req.start is None:
        return None
    if isinstance(req.start, AddressIn):
        if geocoder is None:
            raise InvalidParameter("addresses cannot be geocoded here; give lat/lon", field="start.address")
        place = geocoder.geocode(session, req.start.address)
        # The address itself stays out of the stored route's public name: only where it geocoded to.
        info = {"geocoded": True, "field": "start.address"}
        lat, lon = coarse(place.lat, place.lon)
        return Stop(lat=lat, lon=lon, name="Start", location_id=None, info=info)
    lat, lon = coarse(req.start.lat, req.start.lon)  # a device position: never kept more precisely
    return point_stop(req.start.model_copy(update={"lat": lat, "lon": lon}), "Start", "start")


def start_time_of(req: RouteRequest) -> datetime | None:
    if req.start_at_dawn:
        return civil_dawn(req.start_at_dawn)
    if req.start_time and req.start_time.tzinfo is None:
        return req.start_time.replace(tzinfo=PHILADELPHIA_TZ)
    return req.start_time


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
    session: Session, req: RouteRequest, engine: Any, settings: Settings, geocoder: Geocoder | None = None
) -> dict[str, Any]:
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


# The direct way along streets runs about 1.3x the straight line (see planner._pad_to_length).
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
        places.append((geodesic((start.lat, start.lon), (loc.lat, loc.lon)).m, loc))
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
    session: Session, req: RouteRequest, engine: Any, settings: Settings, geocoder: Geocoder | None = None
) -> dict[str, Any]:
    """The route itself at the request's pace: what a cached tour plan keeps and re-times."""
    check_limits(req, settings)
    profile = Profile(
        step_free=req.step_free,
        language=narrative_language(req.language),
        routing_pace_min_per_km=default_pace(req.activity),  # the same streets at any pace: see Profile
    )
    start = resolve_start(session, req, geocoder)
    pace = req.effective_pace()
    if req.first_steps is not None:
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
    elif req.loop_km is not None:
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
            if req.order == "as_filmed":
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
    fc["properties"]["language"] = profile.language
    fc["properties"]["step_free"] = req.step_free
    if req.first_steps is not None:
        fc["properties"]["first_steps"] = {
            "km": req.first_steps.km,
            "shape": req.first_steps.shape,
            "place": place.location_id,
            "call_to_action": FIRST_STEPS_CALL,
        }
    return fc


def with_extras(fc: dict[str, Any], req: RouteRequest, *, in_place: bool = False) -> dict[str, Any]:
    """The workout stations (when asked for) and the song cue, on a planned (or re-timed) route document: a
    copy, or ``fc`` itself when ``in_place`` (just planned, held by nobody else)."""
    return workout_service.enrich(
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
        "dawn": dawn_times(req.start_at_dawn or start_time.date())
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


# --- saving and reading ------------------------------------------------------------------------------------


def new_route_id() -> str:
    return secrets.token_urlsafe(12)  # 96 random bits


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Parameters bound at execution, so SQLAlchemy compiles this statement once (a .values() copy is re-keyed each time).
INSERT_ROUTE = insert(SavedRoute.__table__)  # type: ignore[attr-defined]


def save(
    session: Session,
    req: RouteRequest,
    fc: dict[str, Any],
    client: str | None = None,
    *,
    client_key: bytes = b"",
) -> tuple[str, dict[str, Any], str]:
    """Store the route in one transaction; returns its id, the stored document and the delete token (shown
    once, stored hashed). ``client`` (the rate-limit key) is kept as an HMAC under the deployment's
    ``client_key`` (app.core.keyfile), so an operator can find one abuser's routes, and a dump of the table
    cannot be reversed to addresses. The caller answers from these, not from the row: reading the row's
    attributes after the commit would load it again."""
    token = secrets.token_urlsafe(24)
    request_doc = req.model_dump(mode="json", exclude_none=True)
    if isinstance(req.start, AddressIn):
        request_doc["start"] = {"address": "(geocoded; not stored)"}
    elif req.start is not None:
        request_doc["start"]["lat"], request_doc["start"]["lon"] = coarse(req.start.lat, req.start.lon)
    now = utcnow()
    for _ in range(3):  # a collision of 96 random bits will not happen; a retry costs nothing to write
        route_id = new_route_id()
        fc_saved = {**fc, "id": route_id}
        row = {
            "id": route_id,
            "created_at": now,
            "last_viewed_at": now,
            "tour_id": req.tour,
            "distance_m": fc["properties"]["distance_m"],
            "duration_s": fc["properties"]["duration_s"],
            "request": request_doc,
            "result": fc_saved,
            "delete_token_hash": hash_token(token),
            "client_hash": client_hash(client, client_key) if client else None,
        }
        try:
            # One Core INSERT on the session's connection: the ORM's unit of work (identity map, flush, refresh)
            # cost ~1 ms for one row, and Session.execute's ORM layers a third of what is left.
            session.connection().execute(INSERT_ROUTE, row)
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        return route_id, fc_saved, token
    raise RuntimeError("could not allocate a route id")


def load(session: Session, route_id: str, *, viewed: bool = True) -> SavedRoute:
    """The saved route; ``viewed``: a read that keeps it from expiring (see mark_viewed)."""
    row = session.get(SavedRoute, route_id) if len(route_id) <= 40 else None
    if row is None:
        raise NotFound(f"no saved route with id {route_id!r}", field="route_id")
    if viewed:
        mark_viewed(session, row)
    return row


# --- bounded storage: a rate of saves per client, a global budget, the retention of unread routes ----------

VIEW_WRITE_EVERY = timedelta(days=1)  # a read is written down at most this often per route


def client_hash(client: str, key: bytes) -> str:
    """HMAC-SHA-256 of the client key: an unsalted hash of an IPv4 address is reversed in minutes."""
    return hmac.new(key, client.encode(), hashlib.sha256).hexdigest()


def make_room(session: Session, settings: Settings) -> int:
    """Keep the saved routes within ``max_saved_routes`` (0: no budget): when one more would pass it, delete
    the routes read longest ago. Returns how many were deleted. Called before each save; nobody is refused."""
    budget = settings.max_saved_routes
    if not budget:
        return 0
    held = session.exec(select(func.count()).select_from(SavedRoute)).one()
    excess = held - budget + 1
    if excess <= 0:
        return 0
    oldest = select(SavedRoute.id).order_by(SavedRoute.last_viewed_at).limit(excess)  # type: ignore[arg-type]
    gone = session.connection().execute(sql_delete(SavedRoute).where(SavedRoute.id.in_(oldest))).rowcount  # type: ignore[attr-defined]
    session.commit()
    log.info("storage budget of %d saved routes reached: deleted the %d read longest ago", budget, gone)
    return int(gone or 0)


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)  # SQLite hands back naive UTC


def mark_viewed(session: Session, row: SavedRoute) -> None:
    """Note that the route was read, at most once a day (a read costs no write otherwise). A failing write (a
    full disk) is logged and the read still succeeds."""
    now = utcnow()
    if now - _aware(row.last_viewed_at) < VIEW_WRITE_EVERY:
        return
    try:
        session.connection().execute(
            update(SavedRoute).where(SavedRoute.id == row.id).values(last_viewed_at=now)
        )
        session.commit()
    except OperationalError as exc:
        session.rollback()
        log.warning("could not note a read of a saved route: %s", type(exc.orig).__name__)


def prune(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Delete the saved routes nobody has read for ``retention_days`` days (0: none); returns how many."""
    if retention_days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    gone = (
        session.connection()
        .execute(sql_delete(SavedRoute).where(SavedRoute.last_viewed_at < cutoff))
        .rowcount
    )
    session.commit()
    return int(gone or 0)


def prune_saved_routes(settings: Settings, engine: Any) -> int:
    """Delete the saved routes unread for ``saved_route_retention_days``; logs and returns how many."""
    with Session(engine) as session:
        gone = prune(session, settings.saved_route_retention_days)
    if gone:
        log.info("pruned %d saved routes unread for %d days", gone, settings.saved_route_retention_days)
    return gone


def delete(session: Session, route_id: str, token: str | None) -> None:
    row = load(session, route_id, viewed=False)
    if not token or not hmac.compare_digest(hash_token(token), row.delete_token_hash):
        raise Forbidden(
            "a valid delete token is needed (returned when the route was created)", field="X-Delete-Token"
        )
    session.delete(row)
    session.commit()
