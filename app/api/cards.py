"""Share cards: /cards/{routes|tours|films|places}/{id}.png and /cards/map.png, the pictures link previews show
(app.maps.cards draws them), and the Open Graph / Twitter tags the pages carry (``share_meta``). A card is drawn
once per item, dataset version and basemap version, then kept in memory and sent with an ETag; the dataset's
cards also on disk (app.maps.card_store), so another process or a re-export does not draw them again."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request, Response
from sqlmodel import Session

from app.api.caching import Rendered, etag_for
from app.api.deps import SessionDep, SettingsDep, tour_route
from app.api.state import app_state
from app.core.config import Settings, route_title
from app.db import repository as repo
from app.db.models import Film, Location
from app.maps.basemap import CREDIT, TileArchive
from app.maps.card_content import ROUTE_COLOUR, SIZE, VISIT_COLOUR, Card
from app.maps.card_store import CardStore, card_digest
from app.schemas.route_document import RouteDocument, route_line, stop_features
from app.services import routes as routes_service
from app.services import tours as tours_service

router = APIRouter(tags=["pages"])
PNG = "image/png"
Id = Annotated[str, Path(max_length=120, pattern=r"^[A-Za-z0-9_-]+$")]
Kind = Literal["routes", "tours", "films", "places"]
PNG_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {PNG: {"schema": {"type": "string", "format": "binary"}}},
        "description": "1200×630 PNG",
    },
    304: {"description": "Not modified"},
    404: {"description": "Unknown id"},
}


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km"


def route_card(fc: RouteDocument, title: str) -> Card:
    props = fc["properties"]
    lines = [[(lon, lat) for lon, lat in route_line(fc)["geometry"]["coordinates"]]]
    stops = [(s["geometry"]["coordinates"][0], s["geometry"]["coordinates"][1]) for s in stop_features(fc)]
    activity = "run" if props["activity"] == "run" else "walk"
    subtitle = f"{_km(props['distance_m'] or 0)} {activity} · {len(stops)} stops"
    return Card(title, subtitle, CREDIT, lines, stops)


def film_card(session: Session, film: Film) -> Card:
    places = [loc for loc in repo.film_locations(session, film.id) if loc.in_philadelphia]
    director = film.data.get("director")
    subtitle = f"{film.year}{f' · {director}' if director else ''} · {len(places)} places in Philadelphia"
    return Card(f"{film.title} ({film.year})", subtitle, CREDIT, [], [(p.lon, p.lat) for p in places])


def place_card(session: Session, loc: Location) -> Card:
    """The place's point (in its marker's colour) with our basemap around it."""
    films = repo.film_index(session)
    titles = [f"{films[f].title} ({films[f].year})" for f in repo.film_ids(loc) if f in films]
    subtitle = " · ".join([*titles[:3], *([loc.locality] if loc.locality else [])])
    colour = VISIT_COLOUR.get(loc.visitable, ROUTE_COLOUR)
    return Card(
        loc.name, subtitle, CREDIT, [], [(loc.lon, loc.lat)], numbered=False, colour=colour, radius=16
    )


def card_for(request: Request, session: Session, settings: Settings, kind: str, item_id: str) -> Card:
    if kind == "routes":
        fc = routes_service.load_document(session, item_id, viewed=False)
        return route_card(fc, route_title(fc))
    if kind == "tours":
        tour = tours_service.get_tour(session, item_id)
        return route_card(tour_route(request, session, settings, item_id), tour.name)
    if kind == "films":
        return film_card(session, repo.require(session, Film, item_id, field="film_id"))
    if kind == "places":
        return place_card(session, repo.require(session, Location, item_id, field="place_id"))
    places = [loc for loc in repo.all_locations(session) if loc.in_philadelphia]
    title = "Philadelphia filming locations"
    subtitle = f"{len(places)} places from {len(repo.film_index(session))} films"
    return Card(title, subtitle, CREDIT, [], [(p.lon, p.lat) for p in places], numbered=False)


def _drawn(store: CardStore | None, card: Card, archive: TileArchive | None) -> bytes:
    """The card's PNG: from ``store`` when drawn before (by any process), else drawn (and kept there)."""
    digest = card_digest(card, archive.version if archive else "-")
    png = store.get(digest) if store else None
    if png is None:
        from app.maps.cards import render_card  # Pillow, numpy, the tile decoder: loaded by the first card

        png = render_card(card, archive)
        if store:
            store.put(digest, png)
    return png


def _send(request: Request, session: Session, settings: Settings, kind: str, item_id: str) -> Response:
    state = app_state(request.app)
    archive = state.basemap
    key = f"{kind}/{item_id}|{state.dataset_cache.version(session)}|{archive.version if archive else '-'}"
    rendered = state.cards.get(key)
    if rendered is None or kind == "routes":  # a saved route may be deleted: look it up every time
        card = card_for(request, session, settings, kind, item_id)
    if rendered is None:
        png = _drawn(state.cards.store if kind != "routes" else None, card, archive)
        rendered = Rendered(png, None, etag_for(png))  # a PNG is compressed already: no gzip copy
        state.cards.put(key, rendered)
    max_age = 86400 if kind == "routes" else 3600
    return rendered.response(request, media_type=PNG, max_age=max_age)


@router.get(
    "/cards/map.png",
    summary="Share card of the locations map",
    response_class=Response,
    responses=PNG_RESPONSE,
)
def map_card(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    return _send(request, session, settings, "map", "all")


@router.get(
    "/cards/{kind}/{item_id}.png",
    summary="Share card (1200×630 PNG)",
    response_class=Response,
    responses=PNG_RESPONSE,
)
def item_card(
    kind: Kind, item_id: Id, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    return _send(request, session, settings, kind, item_id)


def share_meta(base: str, path: str, title: str, description: str, card_path: str) -> dict[str, Any]:
    """What templates/_share_meta.html writes into a page's head: canonical URL, Open Graph, Twitter card."""
    return {
        "url": f"{base}{path}",
        "title": title,
        "description": description[:300],
        "image": f"{base}{card_path}",
        "width": SIZE[0],
        "height": SIZE[1],
        "alt": f"Map: {title}",
    }
