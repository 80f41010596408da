"""HTML pages: the locations map, route and tour maps, their embeddable versions, and oEmbed discovery."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from app.api.caching import NOT_MODIFIED, cached_response, json_response
from app.api.cards import route_card, share_meta
from app.api.deps import PageLanguage, SessionDep, SettingsDep, WorkoutLevel, base_url, tour_route
from app.api.state import app_state
from app.core.config import ATTRIBUTION, Settings, route_title
from app.core.exceptions import InvalidParameter
from app.db import repository as repo
from app.db.models import Film, Location
from app.maps.i18n import translations
from app.maps.render import (
    EMBED_SIZE,
    embed_snippet,
    page_csp,
    render_film_page,
    render_locations_map,
    render_place_page,
    render_planner,
    render_route_map,
)
from app.schemas.responses import OEmbed
from app.schemas.route_document import RouteDocument
from app.services import routes as routes_service
from app.services import tours as tours_service

router = APIRouter(tags=["pages"], include_in_schema=True)
Id = Annotated[str, Path(max_length=120, pattern=r"^[A-Za-z0-9_-]+$")]


def basemap_version(request: Request) -> str | None:
    archive = app_state(request.app).basemap
    return archive.version if archive else None


def html_page(
    request: Request, page: str, settings: Settings, *, embeddable: bool, lang: str, max_age: int = 300
) -> Response:
    headers = {
        "Content-Security-Policy": page_csp(settings.tile_url, embeddable),
        "Content-Language": lang,
        "Vary": "Accept, Accept-Language",  # the language may come from the header
    }
    return cached_response(
        request, page.encode(), media_type="text/html; charset=utf-8", max_age=max_age, headers=headers
    )


def oembed_link(base: str, page_url: str) -> str:
    return f"{base}/oembed?{urlencode({'url': page_url, 'format': 'json'})}"


def _route_doc(session, route_id: str) -> RouteDocument:
    return routes_service.load_document(session, route_id)


def _route_page(
    request: Request,
    session: Session,
    settings: Settings,
    kind: str,
    item_id: str,
    *,
    embed: bool,
    lang: str,
    workout: str | None = None,
) -> Response:
    """The map page (or its embed) of a saved route (kind "routes") or a tour ("tours", with a workout level
    if one is asked)."""
    if kind == "routes":
        fc = _route_doc(session, item_id)
    else:
        fc = tour_route(request, session, settings, item_id, workout=workout)
    base = base_url(request, settings)
    page_url = f"{base}/{kind}/{item_id}/map"
    title = route_title(fc, translations(lang).gettext)
    about = route_card(fc, title).subtitle
    if kind == "tours":
        about = tours_service.get_tour(session, item_id).description
    card = share_meta(base, f"/{kind}/{item_id}/map", title, about, f"/cards/{kind}/{item_id}.png")
    page = render_route_map(
        fc,
        settings,
        embed=embed,
        page_url=None if embed else page_url,
        oembed_url=None if embed else oembed_link(base, page_url),
        embed_code=None
        if embed
        else embed_snippet(f"{base}/embed/{kind}/{item_id}", route_title(fc, translations(lang).gettext)),
        api_url=f"{base}/api/v1/{kind}/{item_id}",
        basemap_version=basemap_version(request),
        lang=lang,
        card=None if embed else card,
    )
    # Five minutes for every kind: a saved route the person deleted must leave shared caches soon.
    return html_page(request, page, settings, embeddable=embed, lang=lang, max_age=300)


@router.get("/", response_class=HTMLResponse, summary="The route planner")
def planner(request: Request, settings: SettingsDep, lang: PageLanguage) -> Response:
    return html_page(
        request,
        render_planner(settings, basemap_version=basemap_version(request), lang=lang),
        settings,
        embeddable=False,
        lang=lang,
    )


@router.get("/map", response_class=HTMLResponse, summary="Map of every filming location")
def locations_map(
    request: Request, session: SessionDep, settings: SettingsDep, lang: PageLanguage
) -> Response:
    films = repo.film_index(session)
    fc = repo.feature_collection([repo.location_feature(loc, films) for loc in repo.all_locations(session)])
    n_films = len(repo.films(session))
    card = share_meta(
        base_url(request, settings),
        "/map",
        "Philadelphia filming locations",
        f"{len(fc['features'])} places from {n_films} films: where they are, what is there today.",
        "/cards/map.png",
    )
    page = render_locations_map(
        fc, settings, repo.films(session), basemap_version=basemap_version(request), lang=lang, card=card
    )
    return html_page(request, page, settings, embeddable=False, lang=lang)


@router.get("/films/{film_id}", response_class=HTMLResponse, summary="A film's page: its places and tours")
def film_page(
    film_id: Id, request: Request, session: SessionDep, settings: SettingsDep, lang: PageLanguage
) -> Response:
    film = repo.require(session, Film, film_id, field="film_id")
    films = repo.film_index(session)
    places = []
    for loc in repo.film_locations(session, film.id):
        props = repo.location_properties(loc, films)
        scenes = [a for a in props["appearances"] if a["film"] == film.id]
        places.append({**props, "scenes": scenes})
    places.sort(key=lambda p: (min((a["scene_order"] or 10**6) for a in p["scenes"]), p["name"]))
    tours = [t.summary() for t in tours_service.all_tours(session) if film.id in t.films]
    info = {**film.data, "title": film.title, "year": film.year}
    title = f"{film.title} ({film.year})"
    about = film.data.get("summary") or title
    card = share_meta(
        base_url(request, settings), f"/films/{film.id}", title, about, f"/cards/films/{film.id}.png"
    )
    return html_page(
        request, render_film_page(info, places, tours, lang, card), settings, embeddable=False, lang=lang
    )


@router.get("/places/{place_id}", response_class=HTMLResponse, summary="A place's page: map, films, today")
def place_page(
    place_id: Id, request: Request, session: SessionDep, settings: SettingsDep, lang: PageLanguage
) -> Response:
    loc = repo.require(session, Location, place_id, field="place_id")
    feature = repo.location_feature(loc, repo.film_index(session))
    tours = [t.summary() for t in tours_service.all_tours(session) if loc.id in t.stops]
    films = ", ".join(f"{a['film_title'] or a['film']}" for a in feature["properties"]["appearances"])
    about = f"Filmed here: {films}. Today: {loc.properties.get('status_note') or ''}"
    card = share_meta(
        base_url(request, settings), f"/places/{loc.id}", loc.name, about, f"/cards/places/{loc.id}.png"
    )
    page = render_place_page(
        feature, tours, settings, basemap_version=basemap_version(request), lang=lang, card=card
    )
    return html_page(request, page, settings, embeddable=False, lang=lang)


@router.get("/routes/{route_id}/map", response_class=HTMLResponse, summary="Map of a saved route")
def route_map(
    route_id: Id, request: Request, session: SessionDep, settings: SettingsDep, lang: PageLanguage
) -> Response:
    return _route_page(request, session, settings, "routes", route_id, embed=False, lang=lang)


@router.get("/tours/{tour_id}/map", response_class=HTMLResponse, summary="Map of a ready-made tour")
def tour_map(
    tour_id: Id,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    lang: PageLanguage,
    workout: WorkoutLevel = None,
) -> Response:
    return _route_page(request, session, settings, "tours", tour_id, embed=False, lang=lang, workout=workout)


@router.get("/embed/routes/{route_id}", response_class=HTMLResponse, summary="Embeddable route map (iframe)")
def embed_route(
    route_id: Id, request: Request, session: SessionDep, settings: SettingsDep, lang: PageLanguage
) -> Response:
    return _route_page(request, session, settings, "routes", route_id, embed=True, lang=lang)


@router.get("/embed/tours/{tour_id}", response_class=HTMLResponse, summary="Embeddable tour map (iframe)")
def embed_tour(
    tour_id: Id, request: Request, session: SessionDep, settings: SettingsDep, lang: PageLanguage
) -> Response:
    return _route_page(request, session, settings, "tours", tour_id, embed=True, lang=lang)


def _embed_target(url: str, base: str) -> tuple[str, str]:
    """'…/routes/ID/map', '…/embed/tours/ID' etc. on this site → ('routes'|'tours', ID)."""
    parts, site = urlsplit(url), urlsplit(base)
    # (the base may carry a path prefix: public_base_url = https://example.org/filmtour)
    prefix = site.path.rstrip("/")
    if (
        parts.scheme not in ("http", "https")
        or (parts.scheme, parts.netloc) != (site.scheme, site.netloc)
        or not parts.path.startswith(prefix + "/")
    ):
        raise InvalidParameter("url must be a route or tour page on this site", field="url")
    segs = [s for s in parts.path[len(prefix) :].split("/") if s]
    if segs[:1] == ["embed"]:
        segs = segs[1:] + ["map"]
    if len(segs) != 3 or segs[0] not in ("routes", "tours") or segs[2] != "map":
        raise InvalidParameter("url must look like /routes/{id}/map or /tours/{id}/map", field="url")
    return segs[0], segs[1]


@router.get(
    "/oembed",
    summary="oEmbed 1.0 provider for route and tour maps",
    response_model=OEmbed,
    responses=NOT_MODIFIED,
)
def oembed(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    url: Annotated[str, Query(max_length=500)],
    maxwidth: Annotated[int | None, Query(ge=100, le=4000)] = None,
    maxheight: Annotated[int | None, Query(ge=100, le=4000)] = None,
    format: Annotated[Literal["json"], Query(description="Only json is offered")] = "json",
) -> Response:
    base = base_url(request, settings)
    kind, item_id = _embed_target(url, base)
    if kind == "routes":
        title = route_title(_route_doc(session, item_id))
    else:
        title = tours_service.get_tour(session, item_id, field="url").name
    width, height = EMBED_SIZE
    if maxwidth and maxwidth < width:
        width, height = maxwidth, int(maxwidth * height / width)
    if maxheight and maxheight < height:
        width, height = int(maxheight * width / height), maxheight
    src = f"{base}/embed/{kind}/{item_id}"
    body = {
        "version": "1.0",
        "type": "rich",
        "title": title,
        "provider_name": "filmtour",
        "provider_url": base + "/",
        "width": width,
        "height": height,
        "html": embed_snippet(src, title, width, height),
        "license": f"Map data {ATTRIBUTION}",
    }
    return json_response(request, body, max_age=3600)
