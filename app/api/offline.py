"""The pocket tour (issue 11 item 4): the web app manifest, the service worker at the site's root (so its scope
covers every page) and, for a tour or saved route, the list of what "Save for offline" stores
(app.services.offline.offline_pack). The service worker only answers from what a person saved; everything else
passes through to the network."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.api.caching import NOT_MODIFIED
from app.api.deps import ItemId, SettingsDep, base_url, thread_session, tour_route
from app.api.state import app_state
from app.core.config import Settings
from app.maps.assets import STATIC_DIR, own_asset
from app.maps.render import map_config, route_page_assets
from app.maps.run import run_offline_assets
from app.schemas.offline import OfflinePack, WebManifest
from app.schemas.route_document import RouteDocument
from app.services import offline as offline_service
from app.services import routes as routes_service

router = APIRouter(tags=["offline"])
SW_FILE = STATIC_DIR / "filmtour" / "sw.js"
# The worker fetches only from this site; it runs no other script.
SW_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
OFFLINE_MANIFEST: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The URLs the page's offline copy stores, and how many corridor tiles (and bytes)",
        "model": OfflinePack,
    },
    404: {"description": "Unknown tour or route"},
    **NOT_MODIFIED,
}


@router.get(
    "/sw.js",
    summary="The service worker (scope: the whole site)",
    response_class=FileResponse,
    responses={
        200: {
            "content": {"text/javascript": {"schema": {"type": "string"}}},
            "description": "The worker's script",
        }
    },
)
def service_worker() -> FileResponse:
    return FileResponse(
        SW_FILE,
        media_type="text/javascript",
        headers={
            "Cache-Control": "no-cache",
            "Service-Worker-Allowed": "/",
            "Content-Security-Policy": SW_CSP,
        },
    )


class ManifestResponse(JSONResponse):  # JSON, so the OpenAPI schema is the model's (not "type: string")
    media_type = "application/manifest+json"


@router.get(
    "/manifest.webmanifest",
    summary="The web app manifest",
    response_class=ManifestResponse,
    # "model" puts WebManifest (and ManifestIcon, which it refers to) under components/schemas; a schema
    # pasted in from model_json_schema() kept a "#/$defs/ManifestIcon" reference that pointed nowhere.
    responses={200: {"model": WebManifest, "description": "The manifest"}},
)
def web_manifest() -> Response:
    icons = [
        {"src": own_asset("filmtour/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        {"src": own_asset("filmtour/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": own_asset("filmtour/icon-512.png"), "sizes": "512x512", "type": "image/png"},
    ]
    body = {
        "name": "filmtour: the Rocky montage in Philadelphia",
        "short_name": "filmtour",
        "description": "Walk or run the Rocky (1976) training montage; tours saved for offline work without signal.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f3eee2",
        "theme_color": "#b3202b",
        "icons": icons,
    }
    return ManifestResponse(body, headers={"Cache-Control": "public, max-age=3600"})


def _pack(request: Request, settings: Settings, fc: RouteDocument, kind: str, item_id: str) -> dict[str, Any]:
    base = base_url(request, settings)
    archive = app_state(request.app).basemap
    tiles = map_config(settings, archive.version if archive else None)["tiles"]
    return offline_service.offline_pack(
        fc,
        page=f"{base}/{kind}/{item_id}/map",
        api_url=f"{base}/api/v1/{kind}/{item_id}",
        # the run page (/…/run) and its modules ride along: a run needs no signal once saved
        assets=[*route_page_assets(settings), f"{base}/{kind}/{item_id}/run", *run_offline_assets(settings)],
        tile_url=tiles.get("vector", ""),
        get_tile=archive.get if archive is not None and "vector" in tiles else None,
    )


@router.get(
    "/api/v1/{kind}/{item_id}/offline-manifest",
    summary="What 'Save for offline' stores for a tour's or saved route's page: the page, route, GPX, cue "
    "sheet, assets and corridor tiles",
    responses=OFFLINE_MANIFEST,
)
async def offline_manifest(
    kind: Literal["tours", "routes"],
    item_id: ItemId,
    request: Request,
    settings: SettingsDep,
) -> Response:
    # A pack costs ~100-170 ms of CPU (the corridor's tiles looked up in the archive), so it is built once and
    # kept (app.api.caching.DatasetCache: dropped when the dataset changes), keyed by what it depends on: the
    # item, the basemap's version and the links' base. A saved route never changes, but may be deleted: its
    # existence is checked (one primary-key read) before the kept pack is served. If-None-Match is answered
    # from the kept pack's ETag, so a 304 builds nothing.
    state = app_state(request.app)
    if kind == "routes":
        await run_in_threadpool(_route_exists, request, item_id)
    archive = state.basemap
    key = f"offline:{kind}:{item_id}:{archive.version if archive else None}:{base_url(request, settings)}"

    def render(session: Session) -> dict[str, Any]:
        if kind == "tours":
            fc = tour_route(request, session, settings, item_id)
        else:
            fc = routes_service.load_document(session, item_id, viewed=False)
        return _pack(request, settings, fc, kind, item_id)

    return await state.dataset_cache.response(request, key, render)


def _route_exists(request: Request, route_id: str) -> None:
    with thread_session(request) as session:
        routes_service.load(session, route_id)  # NotFound (404) once deleted; a read keeps it from expiring
