"""/api/v1/routes: plan and save a walk or run, read it back in GeoJSON, GPX, KML or as a cue sheet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.caching import GEOJSON, GeoJSONResponse, dumps
from app.api.deps import SessionDep, SettingsDep, base_url, client_key, posted_tour, thread_session
from app.api.formats import (
    FORMATS,
    AcceptHeader,
    FormatQuery,
    choose_format,
    route_response,
    route_responses,
)
from app.api.state import app_state
from app.core.config import Settings
from app.core.exceptions import InvalidParameter
from app.core.ratelimit import storage_key
from app.schemas.responses import CreatedRoute, SavedRoute
from app.schemas.route_document import RouteDocument, RouteLink
from app.schemas.routes import AddressIn, RouteRequest
from app.services import route_document
from app.services import routes as routes_service
from app.services.geocode import AddressLookup, Resolved
from app.services.tour_plans import TourPlans

router = APIRouter(prefix="/api/v1/routes", tags=["routes"])

RouteId = Annotated[str, Path(min_length=8, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


def route_links(base: str, route_id: str) -> list[RouteLink]:
    api = f"{base}/api/v1/routes/{route_id}"
    return [
        {"rel": "self", "type": GEOJSON, "href": api},
        {"rel": "alternate", "type": FORMATS["gpx"], "href": f"{api}?format=gpx"},
        {"rel": "alternate", "type": FORMATS["kml"], "href": f"{api}?format=kml"},
        {"rel": "alternate", "type": "text/plain", "href": f"{api}?format=txt"},
        {"rel": "map", "type": "text/html", "href": f"{base}/routes/{route_id}/map"},
        {"rel": "embed", "type": "text/html", "href": f"{base}/embed/routes/{route_id}"},
    ]


def with_links(fc: RouteDocument, base: str, *, delete_token: str | None = None) -> RouteDocument:
    return route_document.with_links(fc, route_links(base, fc.get("id", "")), delete_token=delete_token)


@router.post(
    "",
    status_code=201,
    summary="Plan a walk or run and save it (or, with save: false, only plan it)",
    response_class=GeoJSONResponse,
    response_model=CreatedRoute,
    responses={
        200: {
            "description": "Planned, not saved (save: false): the route document without id or links",
            "model": RouteDocument,
        },
        422: {"description": "Bad input, named"},
        429: {"description": "Too many route-planning units a minute, or saved routes an hour"},
        503: {"description": "Routing service or geocoder down"},
        507: {"description": "The database's disk is full"},
    },
)
async def create_route(body: RouteRequest, request: Request, settings: SettingsDep) -> Response:
    # Async so that a request waiting on the geocoder holds no server thread and no database connection; the
    # blocking parts (limit counters, planning, saving) run in the thread pool, with a session opened there
    # (a session dependency would cost two more thread hops: one to open it, one to close it).
    state = app_state(request.app)
    if isinstance(body.start, AddressIn):
        await run_in_threadpool(charge_limits, request, body)  # charged before the geocoder is asked
        geocoder = Resolved(await state.geocoder.geocode_async(state.db_engine, body.start.address))
        return await run_in_threadpool(plan_and_save, body, request, settings, geocoder)
    # No address: one thread-pool hop for the limits, the planning and the save.
    return await run_in_threadpool(charge_plan_and_save, body, request, settings, state.geocoder)


def charge_limits(request: Request, body: RouteRequest) -> None:
    """Refuse (422) what can never be served before charging anything, then charge the client's budgets."""
    state = app_state(request.app)
    limiter = state.route_limiter
    routes_service.check_limits(body, state.settings)
    units = routes_service.cost(body)
    if limiter.per_minute and units > limiter.per_minute:
        raise InvalidParameter(
            f"this request costs {units} route-planning units, more than the {limiter.per_minute} a client "
            "may spend in a minute; ask for fewer stops or a shorter loop",
            field="stops" if body.stops else "loop_km",
        )
    client = client_key(request)
    limiter.check(client, "route-planning units", units)
    # Saves per client an hour (IPv6 by /48): behind a shared address, one person can use up at most an
    # hour's saves, never lock the others out for long (docs/saved-routes-quota.md). A plan that is not saved
    # (save: false) stores nothing and uses none of them.
    if body.save:
        state.save_limiter.check(storage_key(client), "saved routes")
    if isinstance(body.start, AddressIn):
        state.geocode_limiter.check(client, "geocoding requests")


def charge_plan_and_save(
    body: RouteRequest, request: Request, settings: Settings, geocoder: AddressLookup
) -> Response:
    charge_limits(request, body)
    return plan_and_save(body, request, settings, geocoder)


def plan_and_save(
    body: RouteRequest, request: Request, settings: Settings, geocoder: AddressLookup
) -> Response:
    client = client_key(request)
    if not body.save:
        with thread_session(request) as session:
            fc = plan_route(session, body, request, settings, geocoder)
        return Response(dumps(fc), media_type=GEOJSON, headers={"Cache-Control": "no-store"})
    with thread_session(request) as session:
        fc = plan_route(session, body, request, settings, geocoder)
        routes_service.make_room(session, settings)
        route_id, saved, token = routes_service.save(
            session, body, fc, client, client_key=app_state(request.app).client_hash_key
        )
    doc = with_links(saved, base_url(request, settings), delete_token=token)
    return Response(
        dumps(doc),
        status_code=201,
        media_type=GEOJSON,
        headers={"Location": f"/api/v1/routes/{route_id}", "Cache-Control": "no-store"},
    )


def plan_route(session, body: RouteRequest, request: Request, settings: Settings, geocoder) -> RouteDocument:
    """A ready-made tour from the process's tour plans (planned once, re-timed for the pace), anything else
    planned now; planning holds one of the process's planning slots. Each pool thread keeps its own actor."""
    state = app_state(request.app)
    if TourPlans.serves(body):
        return posted_tour(request, session, settings, body)
    with state.planning_slots:
        return routes_service.plan(session, body, state.routing, settings, geocoder)


@router.get(
    "/{route_id}",
    summary="A saved route: GeoJSON (default), GPX, KML or a plain-text cue sheet",
    response_class=GeoJSONResponse,
    response_model=SavedRoute,
    responses=route_responses("Unknown id"),
)
def get_route(
    route_id: RouteId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    fmt = choose_format(format, accept)
    fc = routes_service.load_document(session, route_id)
    base = base_url(request, settings)
    # Saved routes never change, but may be deleted by their saver: kept in shared caches 5 minutes, not a day
    # (the ETag makes a revalidation cheap).
    return route_response(
        request, with_links(fc, base), fmt, link=f"{base}/routes/{route_id}/map", name=route_id
    )


@router.delete("/{route_id}", status_code=204, summary="Delete a saved route (needs its delete token)")
def delete_route(
    route_id: RouteId,
    session: SessionDep,
    x_delete_token: Annotated[str | None, Header(max_length=100)] = None,
) -> Response:
    routes_service.delete(session, route_id, x_delete_token)
    return Response(status_code=204)
