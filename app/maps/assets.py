"""Self-hosted map assets. Every script and stylesheet a page loads comes from the app: Leaflet from the
``xstatic-leaflet`` package, two Leaflet controls vendored from npm with their licences (app/static/vendor),
Leaflet.markercluster likewise, and our own small scripts. Nothing is fetched from a CDN, so embeds work where CDNs are blocked and readers'
browsers talk to nobody but this site and the tile server."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import fastapi_offline
import xstatic.pkg.leaflet as xleaflet
from starlette.responses import Response
from starlette.routing import Mount, Router
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_PREFIX = "/static"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
LEAFLET_DIR = Path(xleaflet.BASE_DIR)
LEAFLET_PATH = f"leaflet-{xleaflet.VERSION}"
FULLSCREEN_PATH = "vendor/leaflet.fullscreen-3.0.0"
LOCATE_PATH = "vendor/leaflet.locatecontrol-0.66.2"
CLUSTER_PATH = "vendor/leaflet.markercluster-1.5.3"
# Swagger UI (MIT), as the fastapi-offline package ships it, for /docs (app.api.docs).
APIDOCS_DIR = Path(fastapi_offline.__file__).parent / "static"
APIDOCS_PATH = f"apidocs-{version('fastapi-offline')}"


class CachedStaticFiles(StaticFiles):
    """Static files with a long cache lifetime: every URL we emit is versioned (by path or ?v=hash)."""

    def file_response(self, full_path, stat_result, scope: Scope, status_code: int = 200) -> Response:
        resp = super().file_response(full_path, stat_result, scope, status_code)
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        resp.headers["Access-Control-Allow-Origin"] = "*"
        return resp


def static_files_app() -> Router:
    return Router(
        routes=[
            Mount(f"/{LEAFLET_PATH}", app=CachedStaticFiles(directory=LEAFLET_DIR)),
            Mount(f"/{APIDOCS_PATH}", app=CachedStaticFiles(directory=APIDOCS_DIR)),
            Mount(f"/{run_module_path()}", app=CachedStaticFiles(directory=RUN_DIR)),
            Mount("/", app=CachedStaticFiles(directory=STATIC_DIR)),
        ]
    )


# The run page's ES modules import each other by relative URL, so they are versioned by path (a hash of the
# whole directory) rather than by ?v= (app.maps.run).
RUN_DIR = STATIC_DIR / "filmtour" / "run"


@lru_cache
def run_module_path() -> str:
    """``filmtour-run-<hash of the modules>``: the static path the run page's modules are served under."""
    digest = hashlib.sha256()
    for path in sorted(RUN_DIR.glob("*.js")):
        digest.update(path.name.encode() + path.read_bytes())
    return f"filmtour-run-{digest.hexdigest()[:10]}"


@lru_cache
def _version(relative: str) -> str:
    return hashlib.sha256((STATIC_DIR / relative).read_bytes()).hexdigest()[:10]


def own_asset(relative: str) -> str:
    """URL of one of our files under app/static, with a content hash so caches refresh when it changes."""
    return f"{STATIC_PREFIX}/{relative}?v={_version(relative)}"


LEAFLET_JS = [f"{STATIC_PREFIX}/{LEAFLET_PATH}/leaflet.js"]
LEAFLET_CSS = [f"{STATIC_PREFIX}/{LEAFLET_PATH}/leaflet.css"]
# Optional Leaflet controls: (scripts, stylesheets).
CONTROL_ASSETS = {
    "fullscreen": (
        [f"{STATIC_PREFIX}/{FULLSCREEN_PATH}/Control.FullScreen.js"],
        [f"{STATIC_PREFIX}/{FULLSCREEN_PATH}/Control.FullScreen.css"],
    ),
    "cluster": (
        [f"{STATIC_PREFIX}/{CLUSTER_PATH}/leaflet.markercluster.js"],
        [
            f"{STATIC_PREFIX}/{CLUSTER_PATH}/MarkerCluster.css",
            f"{STATIC_PREFIX}/{CLUSTER_PATH}/MarkerCluster.Default.css",
        ],
    ),
    "locate": (
        [f"{STATIC_PREFIX}/{LOCATE_PATH}/L.Control.Locate.min.js"],
        [f"{STATIC_PREFIX}/{LOCATE_PATH}/L.Control.Locate.min.css"],
    ),
}


PROTOMAPS_PATH = "vendor/protomaps-leaflet-5.1.0"
VECTOR_JS = [f"{STATIC_PREFIX}/{PROTOMAPS_PATH}/protomaps-leaflet.js"]


def page_assets(
    *, controls: tuple[str, ...], scripts: tuple[str, ...], vector: bool = True
) -> dict[str, list[str]]:
    """Script and stylesheet URLs of a map page, in load order: Leaflet, the vector renderer and our basemap
    style (unless a raster provider is configured), the controls, then our scripts."""
    js, css = list(LEAFLET_JS), list(LEAFLET_CSS)
    if vector:
        js += [*VECTOR_JS, own_asset("filmtour/basemap.js")]
    for name in controls:
        control_js, control_css = CONTROL_ASSETS[name]
        js += control_js
        css += control_css
    css.append(own_asset("filmtour/map.css"))
    js += [own_asset(script) for script in scripts]
    return {"js": js, "css": css}
