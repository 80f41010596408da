"""The folium maps for Python users: same content as the API's documents, text escaped, assets inlined on
request, documents from a real HTTP service (a local stand-in) with clear errors."""

from __future__ import annotations

import json
import re

import folium
import pytest
from typer.testing import CliRunner

import app.folium_maps as fm
from app.cli import cli
from app.core.config import get_settings
from app.folium_maps.draw import text
from tests.conftest import SAMPLE_LOCATIONS, SHARED_BASEMAP, SHARED_TILES
from tests.support.http_stub import Reply, http_stub

HOSTILE = "Bad `${alert(1)}` \\x3c <img src=x onerror=alert(2)> </script><script>alert(3)</script>"


@pytest.fixture(scope="module")
def montage(tmp_path_factory) -> dict:
    """The API's own answer for the montage tour with a workout (song cue, stations, stops)."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(tmp_path_factory.mktemp("fm")))) as c:
        resp = c.post("/api/v1/routes", json={"tour": "rocky-1976-montage", "workout": {"level": "beginner"}})
        assert resp.status_code == 201, resp.text
        return resp.json()


def _children(m: folium.Map, kind: type) -> list:
    found = []

    def walk(el) -> None:
        for child in el._children.values():
            if isinstance(child, kind):
                found.append(child)
            walk(child)

    walk(m)
    return found


def test_route_map_draws_the_api_document_stops_and_line(montage):
    m = fm.route_map(montage, basemap="none")
    line = next(f for f in montage["features"] if f["properties"]["kind"] == "route")
    stops = [f for f in montage["features"] if f["properties"]["kind"] == "stop"]
    polylines = _children(m, folium.PolyLine)
    assert len(polylines) == 1
    assert [tuple(p) for p in polylines[0].locations] == [
        (lat, lon) for lon, lat in line["geometry"]["coordinates"]
    ]
    assert polylines[0].options["color"] == fm.ROUTE_COLOR
    markers = _children(m, folium.Marker)
    stations = montage["properties"]["workout"]["stations"]
    legs = [s for s in stations if s["kind"] == "leg"]
    assert len(markers) == len(stops) + len(legs) + 1  # stops, stations on the way, the song cue
    # Stops first, in the document's order, at the document's coordinates.
    assert [tuple(mk.location) for mk in markers[: len(stops)]] == [
        (f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]) for f in stops
    ]
    html = m.get_root().render()
    for f in stops:
        assert text(f["properties"]["scene"]) in html
    cue = montage["properties"]["song_cue"]
    assert text(cue["song"]) in html and "Press play" in html
    assert text(legs[0]["exercises"][0]["name"]) in html


def test_text_is_inert_in_popups_and_titles(montage):
    doc = json.loads(json.dumps(montage))
    stop = next(f for f in doc["features"] if f["properties"]["kind"] == "stop")
    stop["properties"]["name"] = stop["properties"]["scene"] = HOSTILE
    html = fm.route_map(doc, basemap="none").get_root().render()
    assert "<img src=x" not in html and "<script>alert(3)" not in html
    # folium puts popup HTML in a JavaScript template literal: a raw backtick would end it early, ${ would
    # interpolate. Every literal must run whole, to the popup's own closing tag.
    literals = re.findall(r"\$\(`(.*?)`\)\[0\]", html, flags=re.DOTALL)
    assert literals and all(lit.endswith("</div>") and "${" not in lit for lit in literals)
    assert "&#96;&#36;{alert(1)}&#96;" in html
    # Titles are JSON strings in Leaflet's options (set as attributes), where a backtick is inert.
    assert re.search(r'"title": "[^"]*Bad `\$\{alert\(1\)\}` ', html)


def test_places_layer_marks_gone_places_and_skips_elsewhere():
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-75.16, 39.95]},
            "properties": {
                "id": "a",
                "name": "Gone gym",
                "visitable": "gone",
                "gone_since": "1990s",
                "appearances": [],
            },
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [-118.2, 34.0]},
            "properties": {"id": "b", "name": "LA", "visitable": "not_in_philadelphia", "appearances": []},
        },
    ]
    m = fm.places_map(features, basemap="none")
    markers = _children(m, folium.Marker)
    assert len(markers) == 1
    html = m.get_root().render()
    assert "ft-gone" in html and "no longer exists" in html


def test_a_layer_goes_onto_the_users_own_map(montage):
    mine = folium.Map(location=(39.95, -75.16), tiles=None)
    fm.route_layer(montage).add_to(mine)
    assert len(_children(mine, folium.PolyLine)) == 1


def test_self_contained_loads_nothing_from_elsewhere(montage):
    html = fm.route_map(montage, self_contained=True, service_url="http://127.0.0.1:8123").get_root().render()
    sources = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]+)"', html)
    assert sources == []
    assert "protomapsL" in html and "filmtourBasemap" in html and "jQuery" in html
    assert "http://127.0.0.1:8123/tiles/{z}/{x}/{y}.mvt" in html
    assert len(html.encode()) < 1_000_000


def test_linked_mode_loads_leaflet_and_the_renderer_from_the_service(montage):
    html = fm.route_map(montage, service_url="http://127.0.0.1:8123").get_root().render()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert any(s.startswith("http://127.0.0.1:8123/static/leaflet-") for s in sources)
    assert "http://127.0.0.1:8123/static/filmtour/basemap.js" in sources


def test_credits_are_always_shown(montage):
    osm = fm.route_map(montage, basemap="openstreetmap").get_root().render()
    assert "openstreetmap.org/copyright" in osm and "tile.openstreetmap.org" in osm
    none = fm.route_map(montage, basemap="none").get_root().render()
    assert "addAttribution" in none and "OpenStreetMap" in none  # the route's own data credit


def test_a_saved_route_comes_from_the_service(montage):
    body = json.dumps(montage).encode()
    with http_stub(
        lambda req: (
            Reply(body=body)
            if req.path == "/api/v1/routes/abc123"
            else Reply(404, b'{"detail": "Unknown route id"}')
        )
    ) as stub:
        m = fm.route_map("abc123", service_url=stub.url, basemap="none")
        assert len(_children(m, folium.PolyLine)) == 1
        with pytest.raises(fm.MapSourceError, match="404 Unknown route id"):
            fm.route_map("nope", service_url=stub.url)
        assert stub.requests[0].headers["accept"].startswith("application/geo+json")


def test_service_failures_are_clear_messages():
    with pytest.raises(fm.MapSourceError, match="cannot reach the filmtour service at http://127.0.0.1:9"):
        fm.route_map("abc", service_url="http://127.0.0.1:9")
    not_us = Reply(body=b"<html>not us</html>", content_type="text/html")
    with http_stub(lambda req: not_us) as stub, pytest.raises(fm.MapSourceError, match="did not answer JSON"):
        fm.route_map("abc", service_url=stub.url)
    with pytest.raises(fm.MapSourceError, match="needs a service"):
        fm.route_map("abc")
    with pytest.raises(fm.MapSourceError, match="no feature of kind 'route'"):
        fm.route_map({"type": "FeatureCollection", "features": []})


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("FILMTOUR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FILMTOUR_VALHALLA_TILES_DIR", str(SHARED_TILES))
    monkeypatch.setenv("FILMTOUR_BASEMAP_DIR", str(SHARED_BASEMAP))
    monkeypatch.delenv("FILMTOUR_URL", raising=False)
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli, list(args))
    get_settings.cache_clear()


def test_cli_writes_a_film_map_and_a_tour_map(run, tmp_path):
    out = tmp_path / "film.html"
    result = run("map", "rocky-ii-1979", "--out", str(out), "--basemap", "none")
    assert result.exit_code == 0, result.output
    assert "Rocky II" in out.read_text() and "map written to" in result.output
    tour = tmp_path / "tour.html"
    result = run("map", "rocky-steps-run", "--out", str(tour), "--self-contained")
    assert result.exit_code == 0, result.output
    html = tour.read_text()
    assert "ft-route-line" in html and not re.findall(r'<script[^>]*src="', html)


def test_cli_fails_cleanly(run, tmp_path):
    cases = [
        (("map", "no-such-thing", "--out", str(tmp_path / "a.html")), "no tour or film of the local atlas"),
        (
            ("map", "abc", "--out", str(tmp_path / "a.html"), "--service-url", "http://127.0.0.1:9"),
            "cannot reach",
        ),
        (
            ("map", "rocky-ii-1979", "--out", str(tmp_path / "no" / "a.html")),
            "not a file in an existing folder",
        ),
        (("map", "rocky-ii-1979", "--out", str(tmp_path / "a.html"), "--basemap", "google"), "--basemap"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_cli_sample_dataset_keeps_markup_inert(run, tmp_path, monkeypatch):
    monkeypatch.setenv("FILMTOUR_LOCATIONS_FILE", str(SAMPLE_LOCATIONS))
    get_settings.cache_clear()
    out = tmp_path / "film.html"
    assert run("map", "rocky-1976", "--out", str(out), "--basemap", "none").exit_code == 0
    html = out.read_text()
    assert "Italian &lt;script&gt;alert(1)&lt;/script&gt; Market" in html
    assert "<img src=x" not in html


def test_cli_basemap_choices_are_the_basemap_type():
    """The CLI checks --basemap against its own tuple (folium loads only when the command runs): it must name
    exactly the values of app.folium_maps.basemap.Basemap."""
    from typing import get_args

    from app.cli.maps import BASEMAPS
    from app.folium_maps.basemap import Basemap

    assert BASEMAPS == get_args(Basemap)
