"""Map pages with folium: the base map, tiles, scale, fullscreen and locate controls come from folium; the
data layers (markers, popups, the route line, summary and legend) are drawn by our own static script from a
JSON block, building the DOM with textContent so no dataset or user text is ever parsed as HTML."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
from folium.plugins import Fullscreen, LocateControl
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.core.config import CITY_CREDIT, Settings
from app.maps import assets

PHILADELPHIA = (39.9526, -75.1652)
DATA_CREDIT = (
    'Route data &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
    f"contributors (ODbL); {html.escape(CITY_CREDIT)}"
)
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(default=True),
)
_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)


def json_for_script(data: Any) -> str:
    """JSON that cannot close its <script> element or open a comment inside it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _without_cdn(element: Any, js: list, css: list) -> Any:
    # folium's classes point at public CDNs; these instance attributes point at our own copies instead.
    element.default_js = js
    element.default_css = css
    return element


def base_map(
    settings: Settings, *, controls: bool = True, locate: bool = True, title: str = "filmtour"
) -> folium.Map:
    m = folium.Map(location=PHILADELPHIA, zoom_start=14, tiles=None, control_scale=True, prefer_canvas=False)
    _without_cdn(
        m, assets.LEAFLET_JS, [*assets.LEAFLET_CSS, ("filmtour_css", assets.own_asset("filmtour/map.css"))]
    )
    folium.TileLayer(
        tiles=settings.tile_url, attr=f"{settings.tile_attribution} | {DATA_CREDIT}", name="map", max_zoom=19
    ).add_to(m)
    if controls:
        _without_cdn(Fullscreen(position="topleft"), assets.FULLSCREEN_JS, assets.FULLSCREEN_CSS).add_to(m)
    if controls and locate:
        _without_cdn(
            LocateControl(icon="ft-locate-icon", flyTo=True, showPopup=False),
            assets.LOCATE_JS,
            assets.LOCATE_CSS,
        ).add_to(m)
    root = m.get_root()
    root.title = html.escape(title)  # branca renders the title unescaped
    return m


def _finish(
    m: folium.Map,
    data: dict[str, Any],
    *,
    head: str = "",
    body: str = "",
    scripts: tuple[str, ...] = ("filmtour/map.js",),
) -> str:
    data = {"map": m.get_name(), **data}
    root = m.get_root()
    if head:
        root.header.add_child(folium.Element(head))
    root.html.add_child(
        folium.Element(f'<script type="application/json" id="ft-data">{json_for_script(data)}</script>{body}')
    )
    for script in scripts:
        root.html.add_child(folium.Element(f'<script src="{assets.own_asset(script)}" defer></script>'))
    return root.render()


def render_locations_map(fc: dict[str, Any], settings: Settings) -> str:
    """Full-page map of every location: numbered montage markers, popups, legend, places filmed elsewhere."""
    m = base_map(settings, title="Rocky (1976) filming locations — filmtour")
    return _finish(m, {"mode": "locations", "features": fc["features"]})


def _route_panel(page_url: str, embed_code: str, api_url: str) -> str:
    """Links and the copy-embed box under a route map (all values escaped; no inline handlers)."""
    e = html.escape
    return (
        '<aside class="ft-page-panel" id="ft-share">'
        f'<a href="{e(api_url)}?format=gpx" download>GPX</a>'
        f'<a href="{e(api_url)}?format=kml" download>KML</a>'
        f'<a href="{e(api_url)}?format=txt">Cue sheet</a>'
        f'<a href="{e(api_url)}">GeoJSON</a>'
        f'<p><label for="ft-share-link">Share link</label>'
        f'<input id="ft-share-link" readonly value="{e(page_url)}" size="40"></p>'
        '<p><label for="ft-embed-code">Embed code</label>'
        f'<textarea id="ft-embed-code" rows="3" readonly>{e(embed_code)}</textarea>'
        '<button type="button" id="ft-copy-embed">Copy embed code</button></p></aside>'
    )


def render_route_map(
    route_fc: dict[str, Any],
    settings: Settings,
    *,
    embed: bool = False,
    page_url: str | None = None,
    oembed_url: str | None = None,
    embed_code: str | None = None,
    api_url: str | None = None,
) -> str:
    """A route or tour: the line, numbered stops with scene notes and ETAs, a summary, skipped places.
    ``embed`` gives the bare iframe version; otherwise share links, downloads and the embed code are shown."""
    title = (route_fc.get("properties") or {}).get("title") or "Rocky (1976) montage route"
    # Embeds skip locate-me: a cross-origin iframe gets no geolocation without allow="geolocation", and the
    # embed should stay small.
    m = base_map(settings, locate=not embed, title=f"{title} — filmtour")
    head = ""
    if oembed_url:
        head = (
            f'<link rel="alternate" type="application/json+oembed" href="{html.escape(oembed_url)}" '
            f'title="{html.escape(title)}">'
        )
    body = ""
    scripts: tuple[str, ...] = ("filmtour/map.js",)
    if not embed and page_url and embed_code:
        body = _route_panel(page_url, embed_code, api_url or "")
        scripts = ("filmtour/map.js", "filmtour/share.js")
    return _finish(m, {"mode": "route", "route": route_fc}, head=head, body=body, scripts=scripts)


def render_planner(settings: Settings) -> str:
    """The planner page: the map with every visitable place and a form that plans through the JSON API."""
    m = base_map(settings, title="Plan your Rocky run — filmtour")
    panel = TEMPLATES.get_template("planner.html").render(max_loop_km=settings.max_loop_km)
    return _finish(m, {"mode": "planner"}, body=panel, scripts=("filmtour/map.js", "filmtour/planner.js"))


def _script_hashes(page: str) -> list[str]:
    hashes = []
    for match in _INLINE_SCRIPT.finditer(page):
        attrs = match.group("attrs").lower()
        if "src=" in attrs or "application/json" in attrs:
            continue
        digest = hashlib.sha256(match.group("body").encode()).digest()
        hashes.append(f"'sha256-{base64.b64encode(digest).decode()}'")
    return sorted(set(hashes))


def _origin_of(template: str) -> str:
    parts = urlsplit(template.replace("{s}", "a"))
    host = parts.netloc
    if "{s}" in template:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}" if parts.scheme else "'self'"


def csp_for_html(page: str, settings: Settings) -> str:
    """A Content-Security-Policy that lets exactly this page's inline scripts run (by hash), loads scripts and
    styles only from this site, and images only from here and the tile server."""
    scripts = " ".join(["'self'", *_script_hashes(page)])
    tiles = _origin_of(settings.tile_url)
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: {tiles}; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'"
    )
