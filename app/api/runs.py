"""/api/v1/runs/compare: a run's GPX against the route it followed (app.services.runs). Stores nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.caching import dumps
from app.api.deps import WorkoutLevel, client_key, thread_session, tour_route
from app.api.state import app_state
from app.core.exceptions import InvalidParameter
from app.schemas.route_document import RouteDocument
from app.schemas.runs import RunComparison
from app.services import routes as routes_service
from app.services import runs as runs_service

router = APIRouter(prefix="/api/v1/runs", tags=["runs"])
COMPARE_PATH = "/api/v1/runs/compare"
GPX_TYPES = ("application/gpx+xml", "application/xml", "text/xml", "application/octet-stream")
IdQuery = Annotated[str | None, Query(max_length=120, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post(
    "/compare",
    summary="Compare a run (GPX 1.1 with times, as the body) with a saved route or a tour",
    responses={
        200: {
            "description": "Distance, moving time, pace, a split at each stop, the song's peak",
            "model": RunComparison,
        },
        404: {"description": "Unknown route or tour"},
        413: {"description": "The GPX is larger than FILMTOUR_MAX_GPX_BYTES"},
        422: {"description": "Bad input, named (route, tour, gpx)"},
        503: {"description": "Routing service down"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/gpx+xml": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def compare_run(
    request: Request, route: IdQuery = None, tour: IdQuery = None, workout: WorkoutLevel = None
) -> Response:
    if (route is None) == (tour is None):
        raise InvalidParameter("give route (a saved route's id) or tour, one of them", field="route")
    kind = request.headers.get("content-type", "application/gpx+xml").split(";")[0].strip().lower()
    if kind not in GPX_TYPES:
        raise InvalidParameter(f"send the GPX as application/gpx+xml, not {kind}", field="gpx")
    body = await request.body()
    if not body:
        raise InvalidParameter("the body must be a GPX document", field="gpx")
    return await run_in_threadpool(_compare, request, body, route, tour, workout)


def _compare(
    request: Request, body: bytes, route: str | None, tour: str | None, workout: str | None
) -> Response:
    track = runs_service.parse_gpx(body)
    state = app_state(request.app)
    # Matching costs about what planning a route does: charged to the same per-client budget.
    state.route_limiter.check(client_key(request), "route-planning units", 1 + len(track.t) // 4000)
    settings = state.settings
    with thread_session(request) as session:
        fc: RouteDocument
        if route is not None:
            fc = routes_service.load_document(session, route)
        else:
            assert tour is not None  # compare_run lets exactly one of route and tour through
            fc = tour_route(request, session, settings, tour, **({"workout": workout} if workout else {}))
    with state.planning_slots:
        result = runs_service.compare(fc, track, state.routing)
    return Response(dumps(result), media_type="application/json", headers={"Cache-Control": "no-store"})
