"""/api/v1/locations and /api/v1/films."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from geopy.distance import geodesic

from app.api.caching import GEOJSON, GeoJSONResponse, json_response
from app.api.deps import SessionDep
from app.core.exceptions import InvalidParameter, NotFound
from app.core.geo import parse_bbox, parse_near
from app.db import repository as repo
from app.db.models import Location
from app.schemas.responses import FilmList, LocationCollection, LocationFeature

router = APIRouter(prefix="/api/v1", tags=["locations"])

VISITABLE = ("public", "view_from_street", "gone", "not_in_philadelphia")
MAX_RADIUS_M = 50_000


def _parse_visitable(raw: str | None) -> set[str] | None:
    if not raw:
        return None
    wanted = {v.strip() for v in raw.split(",") if v.strip()}
    bad = sorted(wanted - set(VISITABLE))
    if bad:
        raise InvalidParameter(
            f"visitable: unknown value(s) {bad}; use {', '.join(VISITABLE)}", field="visitable"
        )
    return wanted


def _film_matches(loc: Location, film: str) -> bool:
    f = film.strip().lower()
    return f in (loc.film_title.lower(), repo.film_slug(loc.film_title, loc.film_year))


def _in_bbox(loc: Location, bbox: tuple[float, float, float, float]) -> bool:
    min_lon, min_lat, max_lon, max_lat = bbox
    return min_lon <= loc.lon <= max_lon and min_lat <= loc.lat <= max_lat


def _page_links(request: Request, offset: int, limit: int, matched: int) -> list[dict[str, str]]:
    def href(new_offset: int) -> str:
        params = dict(request.query_params)
        params.update(offset=str(new_offset), limit=str(limit))
        return f"{request.url.path}?{urlencode(params)}"

    links = [{"rel": "self", "type": GEOJSON, "href": href(offset)}]
    if offset + limit < matched:
        links.append({"rel": "next", "type": GEOJSON, "href": href(offset + limit)})
    if offset > 0:
        links.append({"rel": "prev", "type": GEOJSON, "href": href(max(0, offset - limit))})
    return links


@router.get(
    "/locations",
    summary="Filming locations as a GeoJSON FeatureCollection",
    response_class=GeoJSONResponse,
    response_model=LocationCollection,
    responses={304: {"description": "Not modified"}},
)
def list_locations(
    request: Request,
    session: SessionDep,
    film: Annotated[str | None, Query(max_length=100, description="Film id (rocky-1976) or title")] = None,
    visitable: Annotated[
        str | None, Query(max_length=100, description="Comma-separated: " + ", ".join(VISITABLE))
    ] = None,
    bbox: Annotated[str | None, Query(max_length=200, description="minLon,minLat,maxLon,maxLat")] = None,
    near: Annotated[str | None, Query(max_length=100, description="lat,lon; sorts by distance")] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=MAX_RADIUS_M, description="With near")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    wanted = _parse_visitable(visitable)
    box = parse_bbox(bbox) if bbox else None
    point = parse_near(near) if near else None
    if radius_m is not None and point is None:
        raise InvalidParameter("radius_m needs near=lat,lon", field="radius_m")

    rows: list[tuple[Location, float | None]] = []
    for loc in repo.all_locations(session):
        if film and not _film_matches(loc, film):
            continue
        if wanted and loc.visitable not in wanted:
            continue
        if box and not _in_bbox(loc, box):
            continue
        dist = geodesic(point, (loc.lat, loc.lon)).meters if point else None
        if dist is not None and radius_m is not None and dist > radius_m:
            continue
        rows.append((loc, dist))
    if point:
        rows.sort(key=lambda r: r[1] or 0.0)

    page = rows[offset : offset + limit]
    features = []
    for loc, dist in page:
        feat = repo.location_feature(loc)
        if dist is not None:
            feat["properties"]["distance_m"] = round(dist, 1)
        features.append(feat)
    body: dict[str, Any] = repo.feature_collection(
        features,
        numberMatched=len(rows),
        numberReturned=len(features),
        links=_page_links(request, offset, limit, len(rows)),
    )
    return json_response(request, body, media_type=GEOJSON)


@router.get(
    "/locations/{location_id}",
    summary="One filming location as a GeoJSON Feature",
    response_class=GeoJSONResponse,
    response_model=LocationFeature,
    responses={304: {"description": "Not modified"}, 404: {"description": "Unknown id"}},
)
def get_location(
    request: Request, session: SessionDep, location_id: Annotated[str, Path(max_length=120)]
) -> Response:
    loc = repo.get_location(session, location_id)
    if loc is None:
        raise NotFound(f"no location with id {location_id!r}", field="location_id")
    return json_response(request, repo.location_feature(loc), media_type=GEOJSON)


@router.get(
    "/films",
    summary="Films in the dataset with their number of locations",
    response_model=FilmList,
    responses={304: {"description": "Not modified"}},
)
def list_films(request: Request, session: SessionDep) -> Response:
    return json_response(request, {"films": repo.films(session)})
