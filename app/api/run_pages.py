"""The run pages, /tours/{id}/run and /routes/{id}/run: the phone companion that follows a runner along a tour
or saved route (app.maps.run, app/static/filmtour/run/). Same CSP and caching as the map pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from app.api.deps import PageLanguage, SessionDep, SettingsDep, WorkoutLevel, tour_route
from app.api.pages import Id, basemap_version, html_page
from app.maps.render import map_config
from app.maps.run import render_run_page, run_language
from app.services import routes as routes_service

router = APIRouter(tags=["pages"])
LangParam = Annotated[str | None, Query(max_length=35, description="Spoken language (en, es)")]


def _run_page(request: Request, settings, fc, kind: str, item_id: str, lang: str, workout=None) -> Response:
    config = map_config(settings, basemap_version(request))
    line = next(f for f in fc["features"] if f["properties"].get("kind") == "route")
    lon, lat = line["geometry"]["coordinates"][0]
    config["center"] = [lat, lon]  # the first tiles are the start's, inside the corridor
    page = render_run_page(
        fc, settings, kind=kind, item_id=item_id, map_config=config, lang=lang, workout=workout
    )
    return html_page(request, page, settings, embeddable=False, lang=lang)


@router.get("/tours/{tour_id}/run", response_class=HTMLResponse, summary="Run a ready-made tour")
def run_tour(
    tour_id: Id,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    page_lang: PageLanguage,
    lang: LangParam = None,
    workout: WorkoutLevel = None,
) -> Response:
    spoken = run_language(lang, None, page_lang)
    options: dict[str, str] = {"workout": workout} if workout else {}
    if spoken != "en":
        options["language"] = spoken  # the tour's turns in the language the page speaks
    fc = tour_route(request, session, settings, tour_id, **options)
    return _run_page(request, settings, fc, "tours", tour_id, spoken, workout)


@router.get("/routes/{route_id}/run", response_class=HTMLResponse, summary="Run a saved route")
def run_route(
    route_id: Id,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    page_lang: PageLanguage,
    lang: LangParam = None,
) -> Response:
    fc = routes_service.load_document(session, route_id)
    spoken = run_language(lang, fc["properties"].get("language"), page_lang)
    return _run_page(request, settings, fc, "routes", route_id, spoken)
