"""From a RouteRequest to the planner's stops: location ids, points, a tour's places (with the ones that cannot
be visited set aside, and why), film order, and the start (a point or a geocoded address, kept no more
precisely than app.core.geo.coarse)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.core.exceptions import InvalidParameter
from app.core.geo import coarse
from app.db import repository as repo
from app.db.models import Location
from app.routing.engine import RoutingEngine
from app.routing.planner import (
    Stop,
    snap_distances,
    snap_limit,
)
from app.schemas.routes import AddressIn, PointIn, RouteRequest
from app.services import tours as tours_service
from app.services.geocode import AddressLookup
from app.services.sun import PHILADELPHIA_TZ, civil_dawn

STOP_INFO_KEYS = (
    "scene_order",
    "scene",
    "exercise",
    "status_note",
    "tips",
    "visitable",
    "accessibility",
    "viewpoint",  # where to stand for the shot (dataset format 3), with its compass word and view cone
    "precision_m",  # how precisely the place is pinned: a route may end that far from the pin (snap_limit)
)


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
    skipped = []
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
    engine: RoutingEngine, stops: list[Stop], skipped: list[dict[str, Any]], max_m: float
) -> list[Stop]:
    """A tour's stops further than the snap distance from a walkable way join the skipped list (a tour is data
    and must not fail as a whole for one badly placed point; a user's own stop list is refused instead)."""
    if not stops:
        return stops
    kept = []
    for stop, dist in zip(stops, snap_distances(engine, stops), strict=True):
        limit = snap_limit(stop, max_m)
        if dist is not None and dist <= limit:
            kept.append(stop)
            continue
        how_far = "no walkable way nearby" if dist is None else f"{dist:.0f} m from the nearest walkable way"
        reason = f"too far from the street network: {how_far} (limit {limit:.0f} m)"
        skipped.append({"location_id": stop.location_id, "name": stop.name, "reason": reason})
    return kept


def resolve_start(session: Session, req: RouteRequest, geocoder: AddressLookup | None) -> Stop | None:
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
