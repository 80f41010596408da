"""Map pages as HTML, without a browser: only self-hosted assets (served with long cache lifetimes), hostile
text kept out of markup, no inline scripts or handlers, one fixed CSP for every page, and the page weight."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from app.core.config import Settings
from app.core.middleware import GZIP_LEVEL
from app.maps import assets
from app.maps.render import (
    embed_snippet,
    json_for_script,
    page_csp,
    render_locations_map,
    render_planner,
    render_route_map,
)
from tests.conftest import SAMPLE_LOCATIONS

SCRIPT_TAG = "<script>alert(1)</script>"
ATTR_BREAK = '"><img src=x onerror=alert(1)>'
HOSTILE = f"{SCRIPT_TAG}{ATTR_BREAK}</title><!--"
THIRD_PARTY = (
    "cdn",
    "unpkg",
    "jsdelivr",
    "googleapis",
    "jquery",
    "bootstrap",
    "font-awesome",
    "fontawesome",
    "awesome-markers",
    "awesome_markers",
)


class Page(HTMLParser):
    """Tags with their attributes, and the text of every <script> element, as a browser's tokenizer sees them."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self.title = ""
        self._in_title = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._script = None if tag == "script" else self._script
        self._in_title = False

    def handle_data(self, data):
        if self._script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        if self._in_title:
            self.title += data

    def asset_urls(self) -> list[str]:
        urls = [a["src"] for t, a in self.tags if t == "script" and a.get("src")]
        return urls + [a["href"] for t, a in self.tags if t == "link" and a.get("rel") == "stylesheet"]

    def inline_scripts(self) -> list[str]:
        return [
            body
            for attrs, body in self.scripts
            if not attrs.get("src") and attrs.get("type") != "application/json"
        ]

    def data_block(self, block: str = "ft-data") -> dict:
        return json.loads(next(body for attrs, body in self.scripts if attrs.get("id") == block))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        tile_url="https://{s}.tiles.example.net/{z}/{x}/{y}.png",
        tile_attribution='&copy; <a href="https://example.net">Example tiles</a>',
    )


@pytest.fixture
def locations() -> dict:
    return json.loads(SAMPLE_LOCATIONS.read_text())


@pytest.fixture
def static_client() -> TestClient:
    return TestClient(Starlette(routes=[Mount(assets.STATIC_PREFIX, app=assets.static_files_app())]))


def sample_route(title: str = "Rocky's run") -> dict:
    """A small saved-route document in the format of docs/route-format.md."""

    def stop(seq: int, role: str, name: str, lon: float, lat: float, scene: str) -> dict:
        return {
            "type": "Feature",
            "id": f"stop-{seq}",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "kind": "stop",
                "seq": seq,
                "role": role,
                "location_id": None,
                "name": name,
                "scene_order": None,
                "scene": scene,
                "exercise": "runs",
                "status_note": "Open",
                "tips": "Go early",
                "visitable": "public",
                "distance_from_start_m": 900.0 * seq,
                "arrival_elapsed_s": 300.0 * seq,
                "arrival_time": None,
            },
        }

    line = [[-75.1579, 39.9387], [-75.1600, 39.9450], [-75.1700, 39.9600], [-75.1800, 39.9651]]
    return {
        "type": "FeatureCollection",
        "id": "abc123",
        "bbox": [-75.18, 39.9387, -75.1579, 39.9651],
        "properties": {
            "title": title,
            "activity": "run",
            "pace_min_per_km": 6.0,
            "order": "as_given",
            "distance_m": 2700.0,
            "duration_s": 900.0,
            "start_time": None,
            "dawn": None,
        },
        "skipped": [
            {
                "location_id": "meat-plant",
                "name": "Meat plant",
                "visitable": "not_in_philadelphia",
                "reason": "filmed in Los Angeles",
            }
        ],
        "features": [
            {
                "type": "Feature",
                "id": "route",
                "geometry": {"type": "LineString", "coordinates": line},
                "properties": {"kind": "route", "distance_m": 2700.0, "duration_s": 900.0, "legs": []},
            },
            stop(0, "start", "Italian Market", -75.1579, 39.9387, "Runs past the stalls"),
            stop(1, "stop", "Parkway", -75.1700, 39.9600, "Jogs along"),
            stop(2, "finish", "Museum steps", -75.1800, 39.9651, "Runs up the steps"),
        ],
    }


def all_pages(locations: dict, settings: Settings) -> dict[str, str]:
    embed_code = '<iframe src="https://filmtour.example/embed/routes/abc123"></iframe>'
    return {
        "locations": render_locations_map(locations, settings),
        "route": render_route_map(
            sample_route(),
            settings,
            page_url="https://filmtour.example/routes/abc123/map",
            oembed_url="https://filmtour.example/oembed?url=x&format=json",
            embed_code=embed_code,
            api_url="https://filmtour.example/api/v1/routes/abc123",
        ),
        "embed": render_route_map(sample_route(), settings, embed=True),
        "planner": render_planner(settings),
    }


def test_pages_load_only_self_hosted_assets(locations, settings):
    for name, text in all_pages(locations, settings).items():
        page = Page(text)
        urls = page.asset_urls()
        assert any("leaflet.js" in u for u in urls), name
        assert urls and all(u.startswith(assets.STATIC_PREFIX + "/") for u in urls), (name, urls)
        lowered = text.lower()
        assert not [word for word in THIRD_PARTY if word in lowered], name
        # Nothing that loads (scripts, styles, images, frames) points anywhere but this site.
        loads = [
            a.get("src") or a.get("href")
            for t, a in page.tags
            if t in ("script", "link", "img", "iframe") and a.get("rel") != "alternate"
        ]
        assert not [u for u in loads if u and re.match(r"(?:[a-z]+:)?//", u)], name


def test_embed_loads_less_than_the_full_route_page(locations, settings):
    pages = all_pages(locations, settings)
    embed, full = Page(pages["embed"]).asset_urls(), Page(pages["route"]).asset_urls()
    assert not any("Locate" in u or "share.js" in u for u in embed)
    assert any("Locate" in u for u in full) and any("share.js" in u for u in full)
    assert any("FullScreen" in u for u in embed)  # fullscreen works inside an iframe with allowfullscreen


def test_every_referenced_asset_is_served_with_a_long_cache_lifetime(locations, settings, static_client):
    urls = {u for text in all_pages(locations, settings).values() for u in Page(text).asset_urls()}
    for url in urls:
        resp = static_client.get(url)
        assert resp.status_code == 200, url
        assert (
            "max-age=31536000" in resp.headers["cache-control"]
            and "immutable" in resp.headers["cache-control"]
        )
        kind = "javascript" if url.split("?")[0].endswith(".js") else "css"
        assert kind in resp.headers["content-type"], url
    assert static_client.get(f"{assets.STATIC_PREFIX}/filmtour/missing.js").status_code == 404
    assert static_client.get(f"{assets.STATIC_PREFIX}/../app/core/config.py").status_code == 404


def test_our_asset_urls_change_when_the_file_changes():
    url = assets.own_asset("filmtour/map.js")
    digest = hashlib.sha256((assets.STATIC_DIR / "filmtour/map.js").read_bytes()).hexdigest()
    assert url == f"{assets.STATIC_PREFIX}/filmtour/map.js?v={digest[:10]}"


def test_vendored_renderer_ships_with_its_licence():
    licence = (assets.STATIC_DIR / assets.PROTOMAPS_PATH / "LICENSE").read_text()
    assert "Protomaps" in licence and "Redistribution and use in source and binary forms" in licence  # BSD-3


def test_vendored_controls_ship_with_their_licences():
    for path in (assets.FULLSCREEN_PATH, assets.LOCATE_PATH):
        folder = assets.STATIC_DIR / path
        licence = (folder / "LICENSE").read_text()
        assert "Permission is hereby granted" in licence  # both are MIT
        assert {p.suffix for p in folder.iterdir()} <= {"", ".js", ".css", ".svg"}
    # Icons the stylesheets point at must be shipped too.
    css = (assets.STATIC_DIR / assets.FULLSCREEN_PATH / "Control.FullScreen.css").read_text()
    for ref in re.findall(r"url\(([^)]+)\)", css):
        ref = ref.strip("'\"")
        assert ref.startswith("data:") or (assets.STATIC_DIR / assets.FULLSCREEN_PATH / ref).exists(), ref


def test_hostile_text_never_reaches_markup(locations, settings):
    route = sample_route(title=HOSTILE)
    route["features"][1]["properties"].update(name=HOSTILE, scene=ATTR_BREAK, tips=SCRIPT_TAG)
    route["skipped"][0]["reason"] = HOSTILE
    pages = {
        "locations": render_locations_map(locations, settings),
        "route": render_route_map(
            route,
            settings,
            page_url=f"https://x.example/{ATTR_BREAK}",
            oembed_url=f"https://x.example/oembed?u={ATTR_BREAK}",
            embed_code=f'<iframe title="{HOSTILE}"></iframe>',
            api_url="/api/v1/routes/x",
        ),
        "embed": render_route_map(route, settings, embed=True),
    }
    for name, text in pages.items():
        assert SCRIPT_TAG not in text and ATTR_BREAK not in text, name
        page = Page(text)
        assert not [a for t, a in page.tags if t == "img"], name
        assert page.inline_scripts() == [], name
    # The text survives intact as data, to be shown with textContent by map.js.
    assert Page(pages["locations"]).data_block()["features"] == locations["features"]
    assert Page(pages["route"]).data_block()["route"] == route
    full = Page(pages["route"])
    assert full.title == f"{HOSTILE} — filmtour"
    textarea = re.search(
        r'<textarea id="ft-embed-code"[^>]*>(.*?)</textarea>', pages["route"], re.DOTALL
    ).group(1)
    assert "<" not in textarea and "&lt;iframe" in textarea
    oembed = next(a for t, a in full.tags if t == "link" and a.get("type") == "application/json+oembed")
    assert oembed["href"] == f"https://x.example/oembed?u={ATTR_BREAK}" and oembed["title"] == HOSTILE


@pytest.mark.parametrize(
    "text",
    [
        "</script><script>alert(1)</script>",
        "<!--<script>",
        "a & b > c",
        "\u2028\u2029 line separators",
        "</SCRIPT >",
    ],
)
def test_json_for_script_cannot_end_its_element(text):
    encoded = json_for_script({"name": text})
    assert "<" not in encoded and ">" not in encoded
    assert json.loads(encoded) == {"name": text}


def test_no_inline_event_handlers_or_javascript_urls(locations, settings):
    for name, text in all_pages(locations, settings).items():
        for tag, attrs in Page(text).tags:
            assert not [k for k in attrs if k.startswith("on")], (name, tag, attrs)
            assert not [v for v in attrs.values() if v and v.strip().lower().startswith("javascript:")], (
                name,
                tag,
            )


def test_no_inline_script_and_one_fixed_csp(locations, settings):
    for name, text in all_pages(locations, settings).items():
        page = Page(text)
        assert page.inline_scripts() == [], name
        assert not [a for t, a in page.tags if t == "style"], name
        assert {a.get("type") for a, _ in page.scripts if not a.get("src")} == {"application/json"}, name
    csp = page_csp(settings.tile_url, False)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["img-src"].split() == ["'self'", "data:", "blob:", "https://*.tiles.example.net"]
    assert directives["object-src"] == "'none'" and directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert page_csp(settings.tile_url, True).endswith("frame-ancestors *")


def test_csp_allows_a_local_tile_server_with_its_port():
    csp = page_csp("http://127.0.0.1:8765/{z}/{x}/{y}.png", False)
    assert "img-src 'self' data: blob: http://127.0.0.1:8765;" in csp


def test_tiles_and_attribution_come_from_settings(locations, settings):
    config = Page(render_locations_map(locations, settings)).data_block("ft-config")
    assert config["tiles"]["raster"] == settings.tile_url
    assert config["tiles"]["attribution"].startswith(settings.tile_attribution)
    assert "OpenStreetMap</a> contributors" in config["tiles"]["attribution"]
    assert "City of Philadelphia" in config["tiles"]["attribution"]


def test_own_vector_basemap_by_default(locations, tmp_path, static_client):
    own = Settings(data_dir=tmp_path)
    page = Page(render_locations_map(locations, own, basemap_version="abc123"))
    tiles = page.data_block("ft-config")["tiles"]
    assert tiles["vector"] == "/tiles/{z}/{x}/{y}.mvt?v=abc123" and tiles["maxDataZoom"] == 16
    assert all(x in tiles["attribution"] for x in ("OpenStreetMap", "City of Philadelphia", "DVRPC"))
    # Every map page and the embed credit the neighbourhood names the basemap draws (CC BY 4.0 asks it).
    for name, text in all_pages(locations, own).items():
        credit = Page(text).data_block("ft-config")["tiles"]["attribution"]
        assert "Neighbourhoods: Abaca Labs (CC BY 4.0)" in credit and "City of Philadelphia" in credit, name
    assert any("protomaps-leaflet.js" in u for u in page.asset_urls())
    assert page_csp(own.tile_url, False).split("img-src ")[1].startswith("'self' data: blob:;")
    # With a raster provider configured, the vector renderer is not even loaded.
    raster = Page(
        render_locations_map(
            locations, Settings(data_dir=tmp_path, tile_url="https://t.example/{z}/{x}/{y}.png")
        )
    )
    assert not any("protomaps" in u for u in raster.asset_urls())


def test_one_embed_snippet_escapes_its_values():
    snippet = embed_snippet('https://x.example/embed/routes/a"b', HOSTILE, 640, 480)
    tag, attrs = Page(snippet).tags[0]
    assert (
        tag == "iframe" and attrs["src"] == 'https://x.example/embed/routes/a"b' and attrs["title"] == HOSTILE
    )
    assert (attrs["width"], attrs["height"]) == ("640", "480") and "allowfullscreen" in attrs
    assert SCRIPT_TAG not in snippet


def test_route_page_chrome_only_outside_embeds(locations, settings):
    pages = all_pages(locations, settings)
    full, embed = Page(pages["route"]), Page(pages["embed"])
    assert [a["id"] for t, a in full.tags if t == "textarea"] == ["ft-embed-code"]
    assert [a["id"] for t, a in full.tags if t == "button"] == [
        "ft-copy-embed",
        "ft-delete-route",  # hidden: shown by share.js to the browser holding the delete token
        "ft-offline-save",
        "ft-offline-remove",
    ]
    assert any(t == "link" and a.get("rel") == "manifest" for t, a in full.tags)
    assert not any(t == "link" and a.get("rel") == "manifest" for t, a in embed.tags)
    assert any(t == "link" and a.get("type") == "application/json+oembed" for t, a in full.tags)
    assert not any(t in ("textarea", "button", "aside") for t, a in embed.tags)
    assert not any(t == "link" and a.get("type") == "application/json+oembed" for t, a in embed.tags)
    viewport = next(a["content"] for t, a in embed.tags if t == "meta" and a.get("name") == "viewport")
    assert "width=device-width" in viewport
    # Without a page URL there is nothing to share, so no share box either.
    bare = Page(render_route_map(sample_route(), settings))
    assert not any(t == "textarea" for t, a in bare.tags)


def page_weight(text: str, client: TestClient) -> tuple[int, int]:
    """(HTML bytes gzipped, HTML + every script and stylesheet gzipped): what a first visit transfers before tiles,
    at the level the app compresses with."""
    html_gz = len(gzip.compress(text.encode(), GZIP_LEVEL))
    total = html_gz
    for url in Page(text).asset_urls():
        total += len(gzip.compress(client.get(url).content, GZIP_LEVEL))
    return html_gz, total


def test_page_weight_before_tiles(locations, tmp_path, static_client, capsys):
    own = Settings(data_dir=tmp_path)  # the default: our vector basemap, its renderer and style included
    weights = {name: page_weight(text, static_client) for name, text in all_pages(locations, own).items()}
    with capsys.disabled():
        print(
            "\npage weight (gzip, bytes): "
            + ", ".join(f"{k} html={h} total={t}" for k, (h, t) in weights.items())
        )
    assert weights["embed"][1] <= 150_000
    assert weights["embed"][1] < weights["route"][1]
    assert all(total <= 150_000 for _, total in weights.values()), weights
