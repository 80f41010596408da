"""/api/v1/geocode: Philadelphia addresses, cross streets, landmarks and our film places found offline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.api.caching import GEOJSON, GeoJSONResponse, dumps
from app.api.state import app_state
from app.core.config import CITY_CREDIT
from app.schemas.geocode import GeocodeCollection
from app.services.geocode import MAX_QUERY_CHARS

router = APIRouter(prefix="/api/v1", tags=["geocode"])

PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "Bad `q` or `limit` (named), or text naming a place outside Philadelphia "
        "(`address-outside-city`)",
    }
}


@router.get(
    "/geocode",
    summary="Find a Philadelphia address, cross street, landmark or film place (offline)",
    description="Ranked GeoJSON candidates, best first, for what a person types: a street address ('2313 S "
    "Lambert St', '1 S. Broad Street'), cross streets ('Broad & Tasker', '9th and Christian'), a landmark "
    "('Valley Green Inn') or one of our places ('Rocky steps'); word beginnings are enough for names, so it "
    "serves suggestions as you type. Answered from the City's data shipped with the service, with no outside "
    "request (the optional Nominatim fallback is used only for a route's start address). No match is an empty "
    "collection.",
    response_class=GeoJSONResponse,
    response_model=GeocodeCollection,
    responses=PROBLEMS,
)
async def geocode(
    request: Request,
    q: Annotated[
        str,
        Query(min_length=1, max_length=MAX_QUERY_CHARS, description="The text: address, cross streets, name"),
    ],
    limit: Annotated[int, Query(ge=1, le=10, description="Most candidates returned")] = 5,
) -> Response:
    # The index is awaited (no thread held while a fresh process builds it); the look-up, CPU work of about a
    # millisecond (tens when the City's parser guesses), runs in the thread pool.
    geocoder = app_state(request.app).geocoder
    await geocoder.ready()
    lookup = await run_in_threadpool(geocoder.search, q, limit)
    # Nothing found is an empty collection, not an error: a field that suggests as you type asks for text that
    # matches nothing yet all the time (a route's start address that matches nothing is a 422).
    body: dict[str, Any] = {
        "type": "FeatureCollection",
        "query": lookup.query,
        "numberReturned": len(lookup.candidates),
        "attribution": f"{CITY_CREDIT}; film places: filmtour",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(c.lon, 6), round(c.lat, 6)]},
                "properties": {
                    "label": c.label,
                    "kind": c.kind,
                    "score": round(c.score, 3),
                    "matched": c.matched,
                    "exact": c.exact,
                },
            }
            for c in lookup.candidates
        ],
    }
    # What a person typed is theirs: no shared cache keeps it.
    return Response(dumps(body), media_type=GEOJSON, headers={"Cache-Control": "private, max-age=300"})
