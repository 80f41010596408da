"""The pocket tour's server side: the corridor's tiles (shapely buffer + mercantile), the offline list of a
tour and of a saved route, the service worker at the root with its scope header, and the web app manifest."""

from __future__ import annotations

import math

import mercantile
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.maps.basemap import MAX_ZOOM, MIN_ZOOM, ensure_basemap
from app.services.offline import corridor_tiles, route_line
from tests.conftest import SHARED_BASEMAP, make_settings

MONTAGE = "rocky-1976-montage"

pytestmark = pytest.mark.slow  # the module fixture builds the basemap: seconds


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    settings = make_settings(
        tmp_path_factory.mktemp("offline"), basemap_dir=SHARED_BASEMAP, build_tiles_on_startup=True
    )
    ensure_basemap(settings)
    with TestClient(create_app(settings)) as c:
        yield c


def test_corridor_covers_the_line_and_only_a_few_hundred_metres_around_it():
    # A 2 km east-west line along Kelly Drive's latitude.
    line = [(-75.19, 39.97), (-75.1666, 39.97)]
    tiles = corridor_tiles(line, metres=300)
    assert {t.z for t in tiles} == set(range(MIN_ZOOM, MAX_ZOOM + 1))
    z16 = [t for t in tiles if t.z == 16]
    # Every point of the line lies in a listed z16 tile...
    for i in range(21):
        lon = line[0][0] + (line[1][0] - line[0][0]) * i / 20
        assert mercantile.tile(lon, 39.97, 16) in z16
    # ... and nothing far off it: a z16 tile is ~470 m high here, so 300 m each side is at most 3 rows.
    assert len({t.y for t in z16}) <= 3
    far = mercantile.tile(-75.18, 39.97 + 1500 / 111_000, 16)
    assert far not in z16
    # Wider corridor, more tiles.
    assert len(corridor_tiles(line, metres=900)) > len(tiles)


def test_a_point_alone_gets_its_surroundings():
    tiles = corridor_tiles([(-75.18, 39.96)], metres=200, zooms=[16])
    assert mercantile.tile(-75.18, 39.96, 16) in tiles and len(tiles) <= 4


def test_route_line_needs_a_route_feature():
    with pytest.raises(ValueError, match="no route line"):
        route_line({"features": [{"properties": {"kind": "stop"}, "geometry": None}]})


def test_tour_offline_manifest_lists_page_route_downloads_assets_and_existing_tiles(app_client):
    resp = app_client.get(f"/api/v1/tours/{MONTAGE}/offline-manifest")
    assert resp.status_code == 200, resp.text
    pack = resp.json()
    base = "http://testserver"
    urls = pack["urls"]
    assert pack["page"] == f"{base}/tours/{MONTAGE}/map" and urls[0] == pack["page"]
    api = f"{base}/api/v1/tours/{MONTAGE}"
    assert {api, f"{api}?format=gpx", f"{api}?format=txt"} <= set(urls)
    assert any("filmtour/offline.js" in u for u in urls) and any("leaflet.css" in u for u in urls)
    tiles = [u for u in urls if u.startswith("/tiles/")]
    assert len(tiles) == pack["tiles"] > 100 and pack["tile_bytes"] > 50_000
    assert {int(u.split("/")[2]) for u in tiles} == set(range(MIN_ZOOM, MAX_ZOOM + 1))
    # Every listed URL is served (the tiles with data, not 204); the bytes add up to what the server said.
    sent = 0
    for url in urls:
        r = app_client.get(url, headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200, url
        if url.startswith("/tiles/"):
            sent += int(r.headers.get("content-length", len(r.content)))
    assert math.isclose(sent, pack["tile_bytes"], rel_tol=0.0)
    # The page names the list, the button and the manifest.
    page = app_client.get(f"/tours/{MONTAGE}/map").text
    assert f'data-manifest="{api}/offline-manifest"' in page
    assert ">Save for offline</button>" in page and 'rel="manifest"' in page


def test_saved_route_offline_manifest_and_unknown_ids(app_client):
    created = app_client.post("/api/v1/routes", json={"tour": "rocky-steps-run", "activity": "run"})
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    pack = app_client.get(f"/api/v1/routes/{rid}/offline-manifest").json()
    assert pack["page"].endswith(f"/routes/{rid}/map") and pack["tiles"] > 10
    for url in ("/api/v1/routes/nope/offline-manifest", "/api/v1/tours/nope/offline-manifest"):
        r = app_client.get(url)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")


def test_embeds_have_no_offline_button(app_client):
    page = app_client.get(f"/embed/tours/{MONTAGE}").text
    assert "ft-offline" not in page and "offline.js" not in page


def test_service_worker_at_the_root_with_its_scope_and_csp(app_client):
    r = app_client.get("/sw.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/" and r.headers["cache-control"] == "no-cache"
    assert "connect-src 'self'" in r.headers["content-security-policy"]
    assert "filmtour-offline:" in r.text


def test_web_app_manifest_and_its_icons(app_client):
    r = app_client.get("/manifest.webmanifest")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/manifest+json")
    manifest = r.json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        got = app_client.get(icon["src"])
        assert got.status_code == 200 and got.headers["content-type"].startswith(icon["type"])


def test_with_a_raster_provider_no_tiles_are_saved(tmp_path):
    settings = make_settings(
        tmp_path, tile_url="https://tiles.example/{z}/{x}/{y}.png", build_tiles_on_startup=True
    )
    with TestClient(create_app(settings)) as c:
        pack = c.get(f"/api/v1/tours/{MONTAGE}/offline-manifest").json()
    assert pack["tiles"] == 0 and pack["tile_bytes"] == 0
    assert not any("/tiles/" in u or "tiles.example" in u for u in pack["urls"])
    assert not any("protomaps" in u for u in pack["urls"])


def test_an_offline_pack_is_built_once_and_a_304_builds_nothing(app_client, monkeypatch):
    """A pack cost ~100-170 ms of CPU on every GET, a 304 included: now it is kept where it is computed. The
    real builder runs; the wrapper only counts its calls."""
    from app.services import offline as offline_service

    real, built = offline_service.offline_pack, []

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(offline_service, "offline_pack", counting)
    created = app_client.post("/api/v1/routes", json={"stops": ["art-museum-steps", "italian-market"]})
    rid, token = created.json()["id"], created.json()["delete_token"]
    url = f"/api/v1/routes/{rid}/offline-manifest"
    first = app_client.get(url)
    assert first.status_code == 200 and first.json()["tiles"] > 0
    again = app_client.get(url)
    same = app_client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.content == first.content and same.status_code == 304
    assert len(built) == 1  # one build, however often asked
    tour = f"/api/v1/tours/{MONTAGE}/offline-manifest"
    etag = app_client.get(tour).headers["etag"]  # built now, or kept from an earlier test of this module
    after_first = len(built)
    assert app_client.get(tour).headers["etag"] == etag
    assert app_client.get(tour, headers={"If-None-Match": etag}).status_code == 304
    assert len(built) == after_first
    # A kept pack is not served for a route deleted since.
    assert app_client.delete(f"/api/v1/routes/{rid}", headers={"X-Delete-Token": token}).status_code == 204
    assert app_client.get(url).status_code == 404
