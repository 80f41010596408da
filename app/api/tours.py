"""/api/v1/tours: ready-made montage tours, routed on demand and cached per pace."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from app.api.caching import NOT_MODIFIED, GeoJSONResponse, json_response
from app.api.deps import ItemId, SessionDep, SettingsDep, WorkoutLevel, base_url, tour_route
from app.api.formats import (
    FORMATS,
    AcceptHeader,
    FormatQuery,
    attachment_headers,
    choose_format,
    route_responses,
)
from app.api.formats import render as render_route
from app.api.state import app_state
from app.core.config import Settings
from app.core.exceptions import InvalidParameter, ServiceUnavailable, Unroutable
from app.core.paces import Activity, Pace
from app.schemas.responses import TourList, TourRoute
from app.services import route_document
from app.services import tours as tours_service

router = APIRouter(prefix="/api/v1/tours", tags=["tours"])


@router.get(
    "",
    summary="The ready-made tours",
    response_model=TourList,
    responses=NOT_MODIFIED,
)
def list_tours(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Each tour with its distance at its default activity and pace. Routing happens here, lazily, on the first
    request after start-up (or after the dataset changed) and is cached per process with the tours' maps, so
    start-up stays fast; a tour that cannot be routed shows distance_m null and why."""
    return json_response(
        request, {"tours": [_listed(request, session, settings, t) for t in tours_service.all_tours(session)]}
    )


def _listed(
    request: Request, session: Session, settings: Settings, tour: tours_service.Tour
) -> dict[str, Any]:
    entry = tour.summary()
    try:
        fc = tour_route(request, session, settings, tour.id)
    except (InvalidParameter, Unroutable, ServiceUnavailable) as exc:
        return {**entry, "distance_m": None, "duration_s": None, "unroutable": str(exc), "skipped": []}
    props = fc.get("properties") or {}
    return {
        **entry,
        "distance_m": props.get("distance_m"),
        "duration_s": props.get("duration_s"),
        "skipped": fc.get("skipped", []),
    }


@router.get(
    "/{tour_id}",
    summary="A tour, routed: GeoJSON FeatureCollection with stops, ETAs and turn-by-turn legs",
    response_class=GeoJSONResponse,
    response_model=TourRoute,
    responses=route_responses("Unknown tour"),
)
async def get_tour(
    tour_id: ItemId,
    request: Request,
    settings: SettingsDep,
    activity: Activity | None = None,
    pace: Pace | None = None,
    pace_min_per_km: Annotated[float | None, Query(ge=2.5, le=30)] = None,
    workout: WorkoutLevel = None,
    song_s: Annotated[
        float | None, Query(ge=30, le=1200, description="Length of your version of the song")
    ] = None,
    step_free: Annotated[bool, Query(description="No steps (wheelchair pedestrian costing)")] = False,
    language: Annotated[
        str | None, Query(min_length=2, max_length=20, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
    ] = None,
    format: FormatQuery = None,
    accept: AcceptHeader = None,
) -> Response:
    # Served from memory while the dataset is unchanged (app.api.caching.DatasetCache), as the location list:
    # a repeated tour answer costs no thread, no database connection and no re-encoding. Keyed by what was
    # asked (the validated options), the format and the base of its links.
    fmt = choose_format(format, accept)
    base = base_url(request, settings)
    options = {
        "activity": activity,
        "pace": pace,
        "pace_min_per_km": pace_min_per_km,
        "workout": workout,
        "song_s": song_s,
        "step_free": step_free,
        "language": language,
    }
    key = f"tour:{tour_id}:{fmt}:{base}:{sorted(options.items())}"

    def render(session: Session) -> bytes:
        fc = tour_route(request, session, settings, tour_id, **options)
        body = route_document.with_tour(fc, tours_service.get_tour(session, tour_id).summary())
        return render_route(body, fmt, link=f"{base}/tours/{tour_id}/map")

    return await app_state(request.app).dataset_cache.response(
        request, key, render, media_type=FORMATS[fmt], headers=attachment_headers(fmt, tour_id)
    )
