"""Map pages from Jinja templates (app/templates). A page is markup plus two JSON blocks (the map's
configuration and the page's data); our static scripts build the map from them with Leaflet and put every
dataset or user text into the DOM with textContent. No page has an inline script, so one fixed
Content-Security-Policy, computed from the settings alone, serves them all.

folium used to build these pages; it was dropped for them because its output needs inline scripts with a
random map id (a per-page CSP hash), took ~21 ms per page against ~0.3 ms here, and has no vector-tile layer."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from markupsafe import Markup

from app.core.config import ATTRIBUTION, OSM_COPYRIGHT_URL, Settings, route_title
from app.core.viewpoints import COMPASS_16
from app.maps import assets
from app.maps.basemap import CREDIT as BASEMAP_DATA_CREDIT
from app.maps.basemap import MAX_ZOOM
from app.maps.i18n import DEFAULT_LANGUAGE, N_, js_messages, translations

if TYPE_CHECKING:
    from jinja2 import Environment

PHILADELPHIA = (39.9526, -75.1652)


def credit_html(credit: str) -> str:
    """A plain-text credit (the one routes, exports and the basemap archive carry) for a map's attribution
    control: escaped, with OpenStreetMap linked to its copyright page."""
    link = f'<a href="{OSM_COPYRIGHT_URL}">OpenStreetMap</a>'
    return html.escape(credit).replace("OpenStreetMap", link, 1)


DATA_CREDIT = f"Route data {credit_html(ATTRIBUTION)}"
BASEMAP_CREDIT = f"Map {credit_html(BASEMAP_DATA_CREDIT)}"
EMBED_SIZE = (800, 600)


def json_for_script(data: Any) -> str:
    """JSON that cannot close its <script> element or open a comment inside it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=4)
def templates(lang: str = DEFAULT_LANGUAGE) -> Environment:
    """The pages' templates in one interface language (Jinja's i18n extension with that gettext catalog), made
    when a page first asks: a server's start and its first API answers need neither Jinja nor a catalog."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.filters["script_json"] = lambda data: Markup(json_for_script(data))
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    # Dataset text is English: on a page in another language it is marked lang="en".
    env.globals["lang"] = lang
    # Named in every page's head, so a browser does not ask for /favicon.ico (a 404 in its console).
    env.globals["icon"] = assets.own_asset("filmtour/icon.svg")
    env.globals["en"] = Markup("") if lang == DEFAULT_LANGUAGE else Markup(' lang="en"')
    return env


FILMED = {
    "exterior_only": N_("exteriors shot here"),
    "set_here_shot_elsewhere": N_("set here, shot elsewhere"),
    "disputed": N_("disputed"),
}
CONTROL_TEXT = {
    "zoomIn": N_("Zoom in"),
    "zoomOut": N_("Zoom out"),
    "fullscreen": N_("Full screen"),
    "exitFullscreen": N_("Exit full screen"),
    "locate": N_("Show me where I am"),
}


# A route or tour page (not its embed): share links, downloads, the embed code and "Save for offline".
ROUTE_PAGE_SCRIPTS = ("filmtour/share.js", "filmtour/offline.js")
ROUTE_PAGE_CONTROLS = ("fullscreen", "locate")


def embed_snippet(src: str, title: str, width: int = EMBED_SIZE[0], height: int = EMBED_SIZE[1]) -> str:
    """The iframe a blogger pastes: the same markup in the page's embed box, the planner and oEmbed."""
    macro = templates().get_template("_embed_snippet.html").module.embed_snippet  # type: ignore[attr-defined]
    return str(macro(src, title, width, height))


def map_config(settings: Settings, basemap_version: str | None) -> dict[str, Any]:
    """What map.js needs to draw the base map: our vector basemap, or the raster provider in settings."""
    if settings.tile_url:
        credits = [settings.tile_attribution, DATA_CREDIT] if settings.tile_attribution else [DATA_CREDIT]
        tiles: dict[str, Any] = {"raster": settings.tile_url, "attribution": " | ".join(credits)}
    else:
        tiles = {
            "vector": f"/tiles/{{z}}/{{x}}/{{y}}.mvt?v={basemap_version or ''}",
            "maxDataZoom": MAX_ZOOM,
            "attribution": BASEMAP_CREDIT,
        }
    return {"center": PHILADELPHIA, "zoom": 14, "tiles": tiles}


def _page(
    template: str,
    settings: Settings,
    *,
    title: str,
    data: dict[str, Any],
    scripts: tuple[str, ...] = (),
    controls: tuple[str, ...] = ("fullscreen", "locate"),
    embed: bool = False,
    basemap_version: str | None = None,
    lang: str = DEFAULT_LANGUAGE,
    **context: Any,
) -> str:
    page_assets = assets.page_assets(
        controls=controls, scripts=("filmtour/map.js", *scripts), vector=not settings.tile_url
    )
    config = {**map_config(settings, basemap_version), "controls": list(controls)}
    if lang != DEFAULT_LANGUAGE:
        gettext = translations(lang).gettext
        config["i18n"] = js_messages(lang)
        config["controlText"] = {k: gettext(v) for k, v in CONTROL_TEXT.items()}
    return (
        templates(lang)
        .get_template(template)
        .render(title=title, assets=page_assets, config=config, data=data, embed=embed, **context)
    )


def render_locations_map(
    fc: dict[str, Any],
    settings: Settings,
    films: list[dict[str, Any]] | tuple = (),
    *,
    basemap_version: str | None = None,
    lang: str = DEFAULT_LANGUAGE,
    card: dict[str, Any] | None = None,
) -> str:
    """Full-page map of every place: a film chooser (or all), clustered markers saying which films, popups
    listing every appearance, a legend and the places filmed elsewhere."""
    return _page(
        "locations.html",
        settings,
        title=translations(lang).gettext("Philadelphia filming locations — filmtour"),
        lang=lang,
        data={
            "mode": "locations",
            "features": fc["features"],
            "films": [{"id": f["id"], "title": f["title"], "year": f["year"]} for f in films],
        },
        controls=("fullscreen", "locate", "cluster"),
        basemap_version=basemap_version,
        card=card,
    )


def render_film_page(
    film: dict[str, Any],
    places: list[dict[str, Any]],
    tours: list[dict[str, Any]],
    lang: str = DEFAULT_LANGUAGE,
    card: dict[str, Any] | None = None,
) -> str:
    """A film's page: its places with the scene notes and what is there today, and its tours' maps."""
    gettext = translations(lang).gettext
    return (
        templates(lang)
        .get_template("film.html")
        .render(
            title=f"{film['title']} ({film['year']}) — filmtour",
            filmed={k: gettext(v) for k, v in FILMED.items()},
            film=film,
            places=places,
            tours=tours,
            assets={"css": [assets.own_asset("filmtour/map.css")]},
            card=card,
        )
    )


VISITING = {
    "public": N_("Open to the public"),
    "view_from_street": N_("View from the street (private property)"),
    "gone": N_("Gone: the filming site no longer exists"),
    "not_in_philadelphia": N_("Not in Philadelphia: filmed elsewhere"),
}
PLACE_FILMED = {"shot_here": N_("shot here"), **FILMED}
CONFIDENCE = (N_("high"), N_("medium"), N_("low"))


def render_place_page(
    feature: dict[str, Any],
    tours: list[dict[str, Any]],
    settings: Settings,
    *,
    basemap_version: str | None = None,
    lang: str = DEFAULT_LANGUAGE,
    card: dict[str, Any] | None = None,
) -> str:
    """A place's page: the place on our map (marker, popup, view cones) and, as text, its appearances, what is
    there today, visiting, where to stand, its sources and the tours that include it."""
    gettext = translations(lang).gettext
    place = feature["properties"]
    urls = [*(place.get("sources") or []), *(u for a in place["appearances"] for u in a.get("sources") or [])]
    sources = [{"url": u, "link": urlsplit(u).scheme in ("http", "https")} for u in dict.fromkeys(urls)]
    face = gettext("Stand here, face {dir}")
    return _page(
        "place.html",
        settings,
        title=f"{place['name']} — filmtour",
        lang=lang,
        data={"mode": "place", "feature": feature},
        controls=("fullscreen",),
        basemap_version=basemap_version,
        card=card,
        place=place,
        tours=tours,
        sources=sources,
        filmed={k: gettext(v) for k, v in PLACE_FILMED.items()},
        visiting={k: gettext(v) for k, v in VISITING.items()},
        confidence={k: gettext(k) for k in CONFIDENCE},
        faces={c: face.replace("{dir}", gettext(c)) for c in COMPASS_16},
    )


def render_route_map(
    route_fc: Mapping[str, Any],
    settings: Settings,
    *,
    embed: bool = False,
    page_url: str | None = None,
    oembed_url: str | None = None,
    embed_code: str | None = None,
    api_url: str | None = None,
    basemap_version: str | None = None,
    lang: str = DEFAULT_LANGUAGE,
    card: dict[str, Any] | None = None,
) -> str:
    """A route or tour: the line, numbered stops with scene notes and ETAs, a summary, skipped places.
    ``embed`` gives the bare iframe version; otherwise share links, downloads and the embed code are shown."""
    title = route_title(route_fc, translations(lang).gettext)
    share = None
    if not embed and page_url and embed_code:
        share = {
            "page_url": page_url,
            "embed_code": embed_code,
            "api_url": api_url or "",
            "offline_url": f"{api_url or ''}/offline-manifest",
            "run_url": page_url.removesuffix("/map") + "/run",
        }
    # Embeds skip locate-me: a cross-origin iframe gets no geolocation without allow="geolocation", and the
    # embed should stay small.
    return _page(
        "route.html",
        settings,
        title=f"{title} — filmtour",
        data={"mode": "route", "route": route_fc, "title": title},
        scripts=ROUTE_PAGE_SCRIPTS if share else (),
        controls=("fullscreen",) if embed else ROUTE_PAGE_CONTROLS,
        embed=embed,
        route_title=title,
        oembed_url=None if embed else oembed_url,
        share=share,
        basemap_version=basemap_version,
        lang=lang,
        card=card,
    )


def route_page_assets(settings: Settings) -> list[str]:
    """The stylesheets and scripts a (non-embed) route or tour page loads: what its offline pack stores."""
    page = assets.page_assets(
        controls=ROUTE_PAGE_CONTROLS,
        scripts=("filmtour/map.js", *ROUTE_PAGE_SCRIPTS),
        vector=not settings.tile_url,
    )
    return [*page["css"], *page["js"]]


def render_planner(
    settings: Settings, *, basemap_version: str | None = None, lang: str = DEFAULT_LANGUAGE
) -> str:
    """The planner page: the map with every visitable place and a form that plans through the JSON API."""
    return _page(
        "planner.html",
        settings,
        title=translations(lang).gettext("Plan your Rocky run — filmtour"),
        lang=lang,
        data={"mode": "planner"},
        scripts=("filmtour/address.js", "filmtour/planner.js"),
        controls=("fullscreen", "locate", "cluster"),
        max_loop_km=settings.max_loop_km,
        basemap_version=basemap_version,
    )


def _origin_of(template: str) -> str:
    parts = urlsplit(template.replace("{s}", "a"))
    host = parts.netloc
    if "{s}" in template:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}" if parts.scheme else ""


@lru_cache(maxsize=8)
def page_csp(tile_url: str, embeddable: bool) -> str:
    """The one Content-Security-Policy of every map page: scripts and styles only from this site (no inline
    script anywhere), images from here and a raster tile server if one is configured."""
    images = " ".join(x for x in ("'self'", "data:", "blob:", _origin_of(tile_url)) if x)
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; "
        + ("frame-ancestors *" if embeddable else "frame-ancestors 'none'")
    )
