"""``filmtour export-site DIR [--base-url URL]``: the atlas's read side as static files for any web server or CDN.

Every page and document is rendered by the app itself (in-process requests through Starlette's TestClient), so
there is one way to render each page; this module only decides which URLs to fetch, where each is written, and
rewrites links so they work as files:

- a page ``/tours/ID/map`` (or ``/tours/ID/run``) becomes ``tours/ID/map/index.html`` (static servers answer the directory with it);
- a query cannot select a file, so ``/api/v1/tours/ID?format=gpx`` becomes ``/api/v1/tours/ID.gpx`` (``.kml``,
  ``.txt``, and ``.geojson`` for the GeoJSON), ``/oembed?url=…/tours/ID/map`` becomes ``/oembed/tours/ID.json``
  and a film's places ``/api/v1/locations?film=ID`` become ``/api/v1/films/ID/locations.geojson``;
- root-relative links get the base URL's path (``--base-url https://example.org/films`` → ``/films/static/…``);
- the basemap's vector tiles are written uncompressed as ``tiles/Z/X/Y.mvt`` (a plain server sends no
  Content-Encoding), read by the same protomaps-leaflet layer as from the service.

The planner needs the service (it plans routes on the server): the exported home page lists the maps and says
so. "Save for offline" registers the service worker at the export's root (``<base path>/sw.js``, the page's
``data-sw`` link rewritten like every other) with that directory as its scope, so it works under a sub-path too."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import typer

from app.cli.common import cli, console, err, fail, progress_bar

PLACEHOLDER = (
    "https://filmtour-export.invalid"  # the origin pages are rendered with when no --base-url is given
)
ROOTS = r"static|tiles|api|map|films|places|tours|embed|cards|oembed|sw\.js|manifest\.webmanifest|favicon"
_ROOT_LINK = re.compile(rf"(?<=[\"'(])/(?=(?:{ROOTS})\b)")
_FORMAT = re.compile(r"(/api/v1/(?:tours|routes)/[A-Za-z0-9_-]+)\?format=(gpx|kml|txt)")
_GEOJSON = re.compile(r"(/api/v1/(?:tours|routes|locations)/[A-Za-z0-9_-]+)(?=[\"'])")
_FILM_PLACES = re.compile(r"/api/v1/locations\?film=([A-Za-z0-9_-]+)[^\"']*")
_OEMBED = re.compile(r"/oembed\?url=[^\"']*?%2F(tours|routes)%2F([A-Za-z0-9_-]+)%2Fmap[^\"']*")


def rewrite(text: str, origin: str, prefix: str) -> str:
    """Links of a rendered page or document, made to work as static files under ``prefix``."""
    text = _OEMBED.sub(r"/oembed/\1/\2.json", text)
    text = _FILM_PLACES.sub(r"/api/v1/films/\1/locations.geojson", text)
    text = _FORMAT.sub(r"\1.\2", text)
    text = _GEOJSON.sub(r"\1.geojson", text)
    if origin == PLACEHOLDER:
        text = text.replace(
            PLACEHOLDER, prefix
        )  # no public URL: links stay on whatever site serves the files
    return _ROOT_LINK.sub(prefix + "/", text)


def file_for(path: str, query: str = "") -> str:
    """Where the answer for ``path?query`` is written, relative to the export's root."""
    fmt = re.search(r"format=(gpx|kml|txt)", query)
    if path.startswith("/oembed"):
        kind, item = re.findall(r"%2F(tours|routes)%2F([A-Za-z0-9_-]+)%2Fmap", query)[0]
        return f"oembed/{kind}/{item}.json"
    if path == "/api/v1/locations" and (film := re.search(r"film=([A-Za-z0-9_-]+)", query)):
        return f"api/v1/films/{film.group(1)}/locations.geojson"
    if path.endswith("/offline-manifest"):
        return path.lstrip("/")  # a file: offline.js reads it as JSON whatever its type
    if re.fullmatch(r"/api/v1/(tours|routes|locations)/[A-Za-z0-9_-]+", path):
        return path.lstrip("/") + (f".{fmt.group(1)}" if fmt else ".geojson")
    name = path.strip("/")
    dirs = ("/films/", "/places/", "/embed/")
    if not name or not Path(name).suffix or path.endswith("/map") or path.startswith(dirs):
        return f"{name}/index.html" if name else "index.html"
    return name


TEXT_SUFFIXES = (
    ".html",
    ".json",
    ".geojson",
    ".webmanifest",
    ".css",
    ".txt",
    ".kml",
    ".gpx",
    "offline-manifest",
)


class Exporter:
    """Fetches URLs through the app and writes them under ``root``, rewriting links in text answers."""

    def __init__(self, client: Any, root: Path, origin: str, prefix: str) -> None:
        self.client, self.root, self.origin, self.prefix = client, root, origin, prefix
        self.written: set[str] = set()
        self.bytes = 0

    def fetch(self, url: str, target: str | None = None, **headers: str) -> tuple[str, bytes]:
        parts = urlsplit(url)
        target = target or file_for(parts.path, parts.query)
        if target in self.written:
            return target, b""
        # identity: the files are written as they are; a gzip answer would be compressed only to be unpacked
        # again (~0.3-0.6 ms of the ~1.5-4 ms each of the ~1,000 requests)
        asked = {"accept-language": "en", "accept-encoding": "identity", **headers}
        resp = self.client.get(url, headers=asked)
        if resp.status_code != 200:
            fail(f"{url} answered {resp.status_code}: {resp.text[:300]}")
        body = resp.content
        if target.endswith(TEXT_SUFFIXES):
            body = rewrite(body.decode("utf-8"), self.origin, self.prefix).encode("utf-8")
        self.write(target, body)
        return target, resp.content

    def write(self, target: str, body: bytes) -> None:
        path = self.root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        self.written.add(target)
        self.bytes += len(body)

    def assets_of(self, html: str) -> list[str]:
        """The /static files a page links (stylesheets, scripts, icons)."""
        return sorted(set(re.findall(r"(?:href|src)=\"(/static/[^\"]+)\"", html)))

    def css_images(self, css_url: str, css: str) -> list[str]:
        """Images a stylesheet refers to by a relative url(…) (Leaflet's marker and layer icons)."""
        base = css_url.split("?")[0].rsplit("/", 1)[0]
        found = re.findall(r"url\(['\"]?([^'\")]+)['\"]?\)", css)
        return [f"{base}/{u}" for u in found if not u.startswith(("data:", "/", "http", "#"))]


def _home(exporter: Exporter, tours: list[Any], films: list[Any], service_url: str | None) -> None:
    """The static home: the maps, films and tours, and where planning happens (the service)."""
    from app.maps import assets
    from app.maps.render import templates

    page = (
        templates()
        .get_template("export_home.html")
        .render(
            title="filmtour — Philadelphia filming locations",
            tours=tours,
            films=films,
            service_url=service_url,
            assets={"css": [assets.own_asset("filmtour/map.css")]},
        )
    )
    exporter.write("index.html", rewrite(page, exporter.origin, exporter.prefix).encode())


def _tiles(exporter: Exporter, archive: Any) -> int:
    """Every tile of the basemap archive, uncompressed, as tiles/Z/X/Y.mvt."""
    import gzip

    from pmtiles.reader import MmapSource, all_tiles

    count = 0
    with archive.basemap.archive.open("rb") as f:
        for (z, x, y), data in all_tiles(MmapSource(f)):
            exporter.write(f"tiles/{z}/{x}/{y}.mvt", gzip.decompress(data))
            count += 1
    return count


@cli.command("export-site")
def export_site(
    directory: Annotated[
        Path, typer.Argument(help="Where to write the site (created; must be empty or absent).")
    ],
    base_url: Annotated[
        str | None,
        typer.Option(
            help="Where the files will be served, e.g. https://example.org/films (links and share cards)."
        ),
    ] = None,
    service_url: Annotated[
        str | None, typer.Option(help="A filmtour service whose planner the home page links to.")
    ] = None,
) -> None:
    """Write the atlas's read side as static files: home, /map, film pages, tour maps and embeds with their
    GeoJSON, GPX, KML and cue sheets, oEmbed answers, share cards, the basemap tiles and the offline pack."""
    from app.core.config import get_settings
    from app.core.exceptions import ServiceUnavailable
    from app.main import create_app

    if directory.exists() and any(directory.iterdir()):
        fail(f"{directory} is not empty: give a new or empty directory")
    origin = (base_url or PLACEHOLDER).rstrip("/")
    if urlsplit(origin).scheme not in ("http", "https"):
        fail("--base-url must be an http(s) URL, e.g. https://example.org/films")
    if service_url and urlsplit(service_url).scheme not in ("http", "https"):
        fail("--service-url must be an http(s) URL, e.g. https://filmtour.example.org")
    prefix = "" if origin == PLACEHOLDER else urlsplit(origin).path.rstrip("/")
    # The export is the operator rendering its own pages in-process, all from one "client": the per-client limits
    # meant for the public (60 route-planning units a minute; each of 33 tour maps costs 2) would refuse it.
    no_limits = {"rate_limit_routes_per_minute": 0, "rate_limit_geocode_per_minute": 0}
    settings = get_settings().model_copy(update={"public_base_url": origin, **no_limits})
    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        ex, n_tiles = _export(create_app(settings), directory, origin, prefix, service_url)
    except ServiceUnavailable as exc:  # the database is down, the routing tiles cannot be built, ...
        fail(exc.detail)
    seconds = time.perf_counter() - started
    if not n_tiles:
        err.print("warning: no basemap archive (run `filmtour network build`): the maps have no streets")
    console.print(
        f"exported {len(ex.written)} files ({ex.bytes / 1e6:.1f} MB, {n_tiles} basemap tiles) to {directory} "
        f"in {seconds:.1f} s" + (f" for {origin}" if base_url else "")
    )


def _export(
    app: Any, directory: Path, origin: str, prefix: str, service_url: str | None
) -> tuple[Exporter, int]:
    import warnings

    from sqlmodel import Session
    from starlette.exceptions import StarletteDeprecationWarning

    with warnings.catch_warnings():
        # Starlette 1.10 warns on import that its TestClient should move to httpx2; FastAPI's TestClient still
        # wraps httpx and works. Our in-process renderer is not a test, and a user of export-site should not see
        # a library's migration notice: silenced for this one import and message only.
        warnings.filterwarnings(
            "ignore", "Using `httpx` with `starlette.testclient`", StarletteDeprecationWarning
        )
        from fastapi.testclient import TestClient

    from app.api.state import app_state
    from app.db import repository as repo
    from app.services import tours as tours_service

    with TestClient(app, base_url="http://localhost") as client, progress_bar() as progress:
        ex = Exporter(client, directory, origin, prefix)
        state = app_state(app)
        with Session(state.db_engine) as session:
            tour_rows = tours_service.all_tours(session)
            film_rows = repo.films(session)
            place_ids = [loc.id for loc in repo.all_locations(session)]
        urls = ["/map", "/cards/map.png"]
        for f in film_rows:
            urls += [f"/films/{f['id']}", f"/cards/films/{f['id']}.png"]
            urls += [f"/api/v1/locations?film={f['id']}&limit=500"]  # the film page's "dataset" link
        for place in place_ids:  # its page, card and feature (the page's "dataset" link)
            urls += [f"/places/{place}", f"/cards/places/{place}.png", f"/api/v1/locations/{place}"]
        for t in (tour.id for tour in tour_rows):
            api = f"/api/v1/tours/{t}"
            page_url = quote(f"{origin}/tours/{t}/map", safe="")
            urls += [f"/tours/{t}/map", f"/embed/tours/{t}", api, f"{api}?format=gpx", f"{api}?format=kml"]
            urls += [f"{api}?format=txt", f"/oembed?url={page_url}&format=json", f"/cards/tours/{t}.png"]
            # the run page carries its route in the page; only a detour's new way needs the service
            urls += [f"{api}/offline-manifest", f"/tours/{t}/run"]
        urls += ["/sw.js", "/manifest.webmanifest"]
        task = progress.add_task("pages and documents", total=len(urls))
        pages: list[str] = []
        for url in urls:
            written, body = ex.fetch(url)
            if written.endswith(".html"):
                pages.append(body.decode())
            progress.advance(task)
        _home(ex, tour_rows, film_rows, service_url)
        _web_manifest_at(directory / "manifest.webmanifest", prefix)
        assets = sorted({a for html in pages for a in ex.assets_of(html)})
        for manifest in directory.glob("api/v1/tours/*/offline-manifest"):
            assets += [u for u in _manifest_urls(manifest) if u.startswith(prefix + "/static/")]
        task = progress.add_task("scripts, styles, icons", total=len(assets))
        for asset in assets:
            asset = asset.removeprefix(prefix)
            _, body = ex.fetch(asset, asset.split("?")[0].lstrip("/"))
            if asset.split("?")[0].endswith(".css"):
                for image in ex.css_images(asset, body.decode()):
                    ex.fetch(image, image.split("?")[0].lstrip("/"))
            progress.advance(task)
        archive = state.basemap
        n_tiles = _tiles(ex, archive) if archive is not None else 0
        if n_tiles:
            _empty_tiles(ex, directory)
        return ex, n_tiles


def _empty_tiles(exporter: Exporter, directory: Path) -> None:
    """A tile an offline pack lists but the archive lacks (nothing drawn there) is answered "no content" (204)
    by the service; a static server would answer 404 and the pack could not be saved, so it is written as an
    empty file (an empty vector tile)."""
    for manifest in directory.glob("api/v1/tours/*/offline-manifest"):
        for url in _manifest_urls(manifest):
            tile = re.search(r"/(tiles/\d+/\d+/\d+\.mvt)", url)
            if tile and not (directory / tile.group(1)).exists():
                exporter.write(tile.group(1), b"")


def _web_manifest_at(path: Path, prefix: str) -> None:
    """The web app manifest's start URL and scope: the export's root (the service's is "/")."""
    import json

    manifest = json.loads(path.read_text())
    manifest.update(start_url=prefix + "/", scope=prefix + "/")
    path.write_text(json.dumps(manifest))


def _manifest_urls(path: Path) -> list[str]:
    import json

    return list(json.loads(path.read_text())["urls"])
