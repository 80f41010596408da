"""filmtour export-site's link rewriting and file naming (the browser test proves the whole export), and its
clean refusals."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image
from typer.testing import CliRunner

from app.cli import cli
from app.cli.export import PLACEHOLDER, _export, file_for, rewrite
from app.main import create_app
from app.maps.basemap import ensure_basemap
from tests.conftest import SAMPLE_BASEMAP, SAMPLE_LOCATIONS, make_settings


def test_file_names_for_pages_documents_and_oembed():
    assert file_for("/") == "index.html"
    assert file_for("/map") == "map/index.html"
    assert file_for("/tours/a-b/map") == "tours/a-b/map/index.html"
    assert file_for("/tours/a-b/run") == "tours/a-b/run/index.html"
    assert file_for("/embed/tours/a-b") == "embed/tours/a-b/index.html"
    assert file_for("/films/rocky-1976") == "films/rocky-1976/index.html"
    assert file_for("/api/v1/tours/a-b") == "api/v1/tours/a-b.geojson"
    assert file_for("/api/v1/tours/a-b", "format=gpx") == "api/v1/tours/a-b.gpx"
    assert (
        file_for("/oembed", "url=https%3A%2F%2Fx.org%2Ftours%2Fa-b%2Fmap&format=json")
        == "oembed/tours/a-b.json"
    )
    assert file_for("/cards/tours/a-b.png") == "cards/tours/a-b.png"
    assert file_for("/api/v1/tours/a-b/offline-manifest") == "api/v1/tours/a-b/offline-manifest"
    assert file_for("/places/art-museum-steps") == "places/art-museum-steps/index.html"
    assert file_for("/cards/places/art-museum-steps.png") == "cards/places/art-museum-steps.png"
    assert file_for("/api/v1/locations/art-museum-steps") == "api/v1/locations/art-museum-steps.geojson"


def test_links_become_files_under_the_base_path():
    page = (
        '<link href="/static/x.css?v=1"><a href="https://ex.org/films/api/v1/tours/t?format=kml">'
        '<a href="/api/v1/tours/t">'
        '<link type="application/json+oembed" href="https://ex.org/films/oembed?url=https%3A%2F%2Fex.org%2Ffilms'
        '%2Ftours%2Ft%2Fmap&amp;format=json">{"vector":"/tiles/{z}/{x}/{y}.mvt?v=9"}<a href="//cdn.x/y">'
    )
    out = rewrite(page, "https://ex.org/films", "/films")
    assert 'href="/films/static/x.css?v=1"' in out
    assert 'href="https://ex.org/films/api/v1/tours/t.kml"' in out
    assert 'href="/films/api/v1/tours/t.geojson"' in out
    assert 'href="https://ex.org/films/oembed/tours/t.json"' in out
    assert '"/films/tiles/{z}/{x}/{y}.mvt?v=9"' in out
    assert 'href="//cdn.x/y"' in out  # not ours: left alone
    # a place page's links, the map data's links to place pages and the service worker's URL
    place = (
        '<a href="/places/p-1">x</a><a href="/api/v1/locations/p-1">d</a>'
        '{"links":[{"rel":"page","type":"text/html","href":"/places/p-1"}]}<div data-sw="/sw.js">'
    )
    out = rewrite(place, "https://ex.org/films", "/films")
    assert 'href="/films/places/p-1"' in out and '"href":"/films/places/p-1"' in out
    assert 'href="/films/api/v1/locations/p-1.geojson"' in out and 'data-sw="/films/sw.js"' in out
    # Without a public URL, absolute links become root-relative: the files work on any host.
    assert rewrite(f'<a href="{PLACEHOLDER}/map">', PLACEHOLDER, "") == '<a href="/map">'


def test_refuses_a_non_empty_directory_and_a_bad_base_url(tmp_path):
    (tmp_path / "old.html").write_text("x")
    result = CliRunner().invoke(cli, ["export-site", str(tmp_path)])
    assert result.exit_code == 1 and "give a new or empty directory" in " ".join(result.output.split())
    result = CliRunner().invoke(cli, ["export-site", str(tmp_path / "new"), "--base-url", "ftp://x"])
    assert result.exit_code == 1 and "must be an http(s) URL" in " ".join(result.output.split())
    result = CliRunner().invoke(cli, ["export-site", str(tmp_path / "new"), "--service-url", "javascript:x"])
    assert result.exit_code == 1 and "--service-url must be an http(s) URL" in " ".join(result.output.split())
    assert not (tmp_path / "new").exists()


@pytest.mark.slow
def test_every_place_page_and_card_is_written_and_links_work_under_a_base_path(tmp_path):
    """The exporter itself (in-process) on the crafted dataset for https://ex.org/atlas: a page, a card and a
    feature file for every place, and every root-relative link of the place pages, the map page and the
    features' page links is a file under /atlas."""
    origin = "https://ex.org/atlas"
    settings = make_settings(
        tmp_path,
        locations_file=SAMPLE_LOCATIONS,
        build_tiles_on_startup=True,
        basemap_dir=SAMPLE_BASEMAP,
        public_base_url=origin,
        rate_limit_routes_per_minute=0,  # as export-site sets it
    )
    ensure_basemap(settings)
    root = tmp_path / "site"
    root.mkdir()
    _export(create_app(settings), root, origin, "/atlas", "https://plan.example.org/")
    places = [f["id"] for f in json.loads(SAMPLE_LOCATIONS.read_text())["features"]]
    for place in places:
        page = (root / "places" / place / "index.html").read_text()
        assert f'<meta property="og:image" content="{origin}/cards/places/{place}.png">' in page
        card = Image.open(root / "cards" / "places" / f"{place}.png")
        assert card.size == (1200, 630)
        feature = json.loads((root / "api/v1/locations" / f"{place}.geojson").read_text())
        assert feature["links"][0]["href"] == f"/atlas/places/{place}"
    pages = [root / "places" / p / "index.html" for p in places] + [root / "map" / "index.html"]
    links = {link for page in pages for link in re.findall(r'(?:href|src)="(/[^"#]*)"', page.read_text())}
    links |= set(re.findall(r'"href":"(/[^"]+)"', (root / "map" / "index.html").read_text()))
    assert {f"/atlas/places/{p}" for p in places} <= links
    missing = []
    for link in links:
        assert link.startswith("/atlas/"), link
        target = root / link.split("?")[0].removeprefix("/atlas/")
        if not (target / "index.html" if target.is_dir() else target).is_file():
            missing.append(link)
    assert not missing, sorted(missing)
    manifest = json.loads((root / "manifest.webmanifest").read_text())
    assert manifest["scope"] == manifest["start_url"] == "/atlas/"
    assert 'data-sw="/atlas/sw.js"' in (root / "tours/rocky-steps-run/map/index.html").read_text()
    home = (root / "index.html").read_text()  # planning needs the service: the home links to it
    assert 'needs the filmtour service:\n  <a href="https://plan.example.org/">plan a route there</a>' in home
