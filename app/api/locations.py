"""/api/v1/locations and /api/v1/films."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from app.api.caching import GEOJSON, NOT_MODIFIED, GeoJSONResponse, json_response, one_item
from app.api.deps import ItemId, SessionDep
from app.api.state import app_state
from app.core.exceptions import InvalidParameter
from app.core.geo import distance_m, parse_bbox, parse_near
from app.db import repository as repo
from app.db import search
from app.db.models import Film, Location
from app.schemas.responses import FilmDetail, FilmList, LocationCollection, LocationFeature
from app.services import tours as tours_service

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
    responses=NOT_MODIFIED,
)
async def list_locations(
    request: Request,
    film: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Film id (rocky-ii-1979); a title or title-year slug is accepted too (v1)",
        ),
    ] = None,
    visitable: Annotated[
        str | None, Query(max_length=100, description="Comma-separated: " + ", ".join(VISITABLE))
    ] = None,
    bbox: Annotated[str | None, Query(max_length=200, description="minLon,minLat,maxLon,maxLat")] = None,
    near: Annotated[str | None, Query(max_length=100, description="lat,lon; sorts by distance")] = None,
    radius_m: Annotated[float | None, Query(gt=0, le=MAX_RADIUS_M, description="With near")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Full-text search over names, scenes, films and addresses (word prefixes, all words "
            "must match); results are ranked best first unless `near` sorts them by distance",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    # Served from memory while the dataset is unchanged (app.api.caching.DatasetCache): a busy server
    # answers it without a thread or a database connection. The key is the exact query (the links echo it).
    key = f"locations?{request.url.query}"

    def render(session: Session) -> dict[str, Any]:
        return _locations_body(request, session, film, visitable, bbox, near, radius_m, q, limit, offset)

    return await app_state(request.app).dataset_cache.response(request, key, render, media_type=GEOJSON)


def _locations_body(
    request: Request,
    session: Session,
    film: str | None,
    visitable: str | None,
    bbox: str | None,
    near: str | None,
    radius_m: float | None,
    q: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    wanted = _parse_visitable(visitable)
    box = parse_bbox(bbox) if bbox else None
    point = parse_near(near) if near else None
    if radius_m is not None and point is None:
        raise InvalidParameter("radius_m needs near=lat,lon", field="radius_m")

    film_row = repo.resolve_film(session, film) if film else None
    words = search.terms(q) if q is not None else None
    if words == []:
        raise InvalidParameter("q: give at least one word to search for", field="q")
    if film and film_row is None:
        candidates: list[Location] = []  # an unknown film matches nothing (an empty collection, as in v1)
    elif words:
        candidates = repo.locations_by_ids(session, [i for i, _score in search.search(session, words)])
    else:
        candidates = repo.all_locations(session)
    rows: list[tuple[Location, float | None]] = []
    for loc in candidates:
        if film_row and film_row.id not in repo.film_ids(loc):
            continue
        if wanted and loc.visitable not in wanted:
            continue
        if box and not _in_bbox(loc, box):
            continue
        dist = distance_m(point, (loc.lat, loc.lon)) if point else None
        if dist is not None and radius_m is not None and dist > radius_m:
            continue
        rows.append((loc, dist))
    if point:
        rows.sort(key=lambda r: r[1] or 0.0)

    page = rows[offset : offset + limit]
    films = repo.film_index(session)
    features = []
    for loc, dist in page:
        feat = repo.location_feature(loc, films)
        if dist is not None:
            feat["properties"]["distance_m"] = round(dist, 1)
        features.append(feat)
    body: dict[str, Any] = repo.feature_collection(
        features,
        numberMatched=len(rows),
        numberReturned=len(features),
        links=_page_links(request, offset, limit, len(rows)),
    )
    return body


@router.get(
    "/locations/{location_id}",
    summary="One filming location as a GeoJSON Feature",
    response_class=GeoJSONResponse,
    response_model=LocationFeature,
    responses=one_item(),
)
def get_location(request: Request, session: SessionDep, location_id: ItemId) -> Response:
    loc = repo.require(session, Location, location_id, field="location_id")
    return json_response(request, repo.location_feature(loc, repo.film_index(session)), media_type=GEOJSON)


@router.get(
    "/films",
    summary="Films in the dataset with their number of locations",
    response_model=FilmList,
    responses=NOT_MODIFIED,
)
def list_films(request: Request, session: SessionDep) -> Response:
    return json_response(request, {"films": repo.films(session)})


@router.get(
    "/films/{film_id}",
    summary="One film: its record from films.json, its number of places and its tours",
    response_model=FilmDetail,
    responses=one_item(),
)
def get_film(request: Request, session: SessionDep, film_id: ItemId) -> Response:
    film = repo.require(session, Film, film_id, field="film_id")
    places = repo.film_locations(session, film.id)
    tours = [t.summary() for t in tours_service.all_tours(session) if film.id in t.films]
    body = {**film.data, **repo.film_summary(film, len(places)), "tours": tours}
    return json_response(request, body)
