"""The vector basemap: built from the shipped extract and layers (and from a fetched Overpass answer), cached
by its inputs' hashes, rebuilt when damaged, and served as /tiles/{z}/{x}/{y}.mvt with ETag, gzip and
long caching."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs

import mapbox_vector_tile
import mercantile
import pytest
from fastapi.testclient import TestClient

from app.core.config import SHIPPED_EXTRACT
from app.core.files import file_sha256
from app.main import create_app
from app.maps.basemap import (
    MAX_ZOOM,
    MIN_ZOOM,
    TileArchive,
    basemap_inputs,
    ensure_basemap,
    is_complete,
    read_stamp,
)
from app.routing.network import BBox, fetch_network
from tests.conftest import FETCHED_BASEMAP, REAL_LOCATIONS, SHARED_BASEMAP, make_settings
from tests.support.http_stub import Reply, http_stub

RECORDED = Path(__file__).parent / "routing" / "data" / "overpass_oldcity_small.json"
ART_MUSEUM = (-75.1810, 39.9656)
SCHUYLKILL = (-75.1850, 39.9620)  # mid-river below the museum (DVRPC/City water layer)


def decode(archive: TileArchive, lon: float, lat: float, z: int) -> dict:
    t = mercantile.tile(lon, lat, z)
    data = archive.get(t.z, t.x, t.y)
    assert data is not None, (z, t)
    return mapbox_vector_tile.decode(gzip.decompress(data))


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("bm"), basemap_dir=SHARED_BASEMAP)
    basemap = ensure_basemap(settings)
    return settings, basemap


def test_shipped_basemap_has_every_layer_with_labels_from_z15(shipped):
    _, basemap = shipped
    stamp = read_stamp(basemap)
    assert stamp["builder"] and stamp["tiles"] > 300 and stamp["bytes"] == basemap.archive.stat().st_size
    archive = TileArchive(basemap)
    try:
        z16 = decode(archive, *ART_MUSEUM, 16)
        assert {"roads", "places"} <= set(z16)
        names = {f["properties"].get("name") for f in z16["roads"]["features"]}
        assert "Kelly Drive" in names or "Benjamin Franklin Parkway" in names, names
        assert "steps" in decode(archive, -75.1803, 39.9655, 16)  # the Rocky Steps are in the extract
        places = {f["properties"]["id"]: f["properties"] for f in z16["places"]["features"]}
        assert "art-museum-steps" in places or places, places
        assert set(next(iter(places.values()))) <= {"id", "name", "visitable"}
        z14 = decode(archive, *ART_MUSEUM, 14)
        assert all("name" not in f["properties"] for f in z14["roads"]["features"])
        assert {"water", "parks", "rail"} <= set(decode(archive, *SCHUYLKILL, 13))
        z12 = decode(archive, *ART_MUSEUM, 12)  # the arterials and the City's collector streets, no more
        assert {f["properties"]["class"] for f in z12["roads"]["features"]} == {"major", "street"}
        assert archive.get(MIN_ZOOM - 1, 0, 0) is None and archive.get(MAX_ZOOM + 1, 0, 0) is None
    finally:
        archive.close()


@pytest.mark.slow
def test_cached_by_inputs_and_rebuilt_when_damaged(shipped, tmp_path):
    settings, basemap = shipped
    mtime = basemap.archive.stat().st_mtime_ns
    assert ensure_basemap(settings).directory == basemap.directory
    assert basemap.archive.stat().st_mtime_ns == mtime  # found, not rebuilt
    # Only the fields the basemap shows count: a change elsewhere in the dataset keeps the key.
    doc = json.loads(REAL_LOCATIONS.read_text())
    doc["features"][0]["properties"]["scene"] = "another text"
    other = tmp_path / "locations.geojson"
    other.write_text(json.dumps(doc))
    inputs = basemap_inputs(settings, SHIPPED_EXTRACT)
    assert basemap_inputs(settings.model_copy(update={"locations_file": other}), SHIPPED_EXTRACT) == inputs
    doc["features"][0]["properties"]["name"] = "Renamed"
    other.write_text(json.dumps(doc))
    assert basemap_inputs(settings.model_copy(update={"locations_file": other}), SHIPPED_EXTRACT) != inputs
    # A damaged archive is found out and rebuilt (a copy, so the shared build stays intact for other tests).
    copy = make_settings(tmp_path, basemap_dir=tmp_path / "bm")
    shutil.copytree(basemap.directory, tmp_path / "bm" / basemap.directory.name)
    built = ensure_basemap(copy)
    assert built.directory.parent == tmp_path / "bm" and is_complete(built)
    with built.archive.open("r+b") as f:
        f.truncate(1000)
    assert not is_complete(built)
    rebuilt = ensure_basemap(copy)
    assert is_complete(rebuilt) and rebuilt.archive.stat().st_size == read_stamp(rebuilt)["bytes"]
    assert [p.name for p in (tmp_path / "bm").iterdir() if p.is_dir()] == [rebuilt.directory.name]


def overpass_with_basemap_layers() -> bytes:
    """The recorded street answer plus a pond, a park and a rail line, as Overpass would send them."""
    doc = json.loads(RECORDED.read_text())
    west, south, east, north = -75.1525, 39.9460, -75.1460, 39.9510
    ring = [(west, south), (west + 0.002, south), (west + 0.002, south + 0.001), (west, south + 0.001)]
    park = [(east - 0.002, north - 0.001), (east, north - 0.001), (east, north), (east - 0.002, north)]
    nid = 9_000_000_000
    elements = doc["elements"]

    def way(wid, points, tags, closed):
        nonlocal nid
        ids = []
        for lon, lat in points:
            nid += 1
            elements.append({"type": "node", "id": nid, "lat": lat, "lon": lon})
            ids.append(nid)
        elements.append({"type": "way", "id": wid, "nodes": ids + ids[:1] if closed else ids, "tags": tags})

    way(9_100_000_001, ring, {"natural": "water"}, True)
    way(9_100_000_002, park, {"leisure": "park", "name": "Test Square"}, True)
    way(9_100_000_003, [(west, north), (east, south)], {"railway": "rail"}, False)
    return json.dumps(doc).encode()


@pytest.mark.slow  # a whole basemap build from the fetched extract: 12 s of the fast loop's 60
def test_network_fetch_brings_water_parks_and_rail_into_the_basemap(tmp_path):
    answer = overpass_with_basemap_layers()
    settings = make_settings(tmp_path, overpass_url="", basemap_dir=FETCHED_BASEMAP)
    with http_stub(lambda req: Reply(body=answer)) as stub:
        settings = settings.model_copy(update={"overpass_url": stub.url, "overpass_timeout_s": 5})
        pbf, _ = fetch_network(BBox(-75.1530, 39.9455, -75.1450, 39.9515), settings, install=False)
    sent = parse_qs(stub.requests[0].body.decode())["data"][0]
    assert all(k in sent for k in ('"natural"="water"', '"leisure"="park"', '"railway"="rail"'))
    basemap = ensure_basemap(settings, pbf=pbf)  # built once per run (or found) for this test and test_cli's
    # Of the fetched extract, not the shipped one.
    assert read_stamp(basemap)["inputs"]["pbf"] == file_sha256(pbf)
    archive = TileArchive(basemap)
    try:
        tile = decode(archive, -75.1490, 39.9485, 15)
        assert {"roads", "water", "parks", "rail"} <= set(tile), set(tile)
        assert {"kind": "park", "name": "Test Square"} in [
            f["properties"] for f in tile["labels"]["features"]
        ]
    finally:
        archive.close()


@pytest.fixture
def tiles_client(shipped, tmp_path):
    with TestClient(create_app(make_settings(tmp_path, basemap_dir=SHARED_BASEMAP))) as c:
        yield c


def test_tiles_are_served_gzip_with_etag_and_long_caching(tiles_client, shipped):
    _, basemap = shipped
    t = mercantile.tile(*ART_MUSEUM, 15)
    url = f"/tiles/{t.z}/{t.x}/{t.y}.mvt"
    resp = tiles_client.get(url, params={"v": basemap.version}, headers={"Accept-Encoding": "gzip"})
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert resp.headers["content-encoding"] == "gzip"
    assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "roads" in mapbox_vector_tile.decode(resp.content)  # httpx undid the gzip
    unversioned = tiles_client.get(url)
    assert "immutable" not in unversioned.headers["cache-control"]
    assert tiles_client.get(url, headers={"If-None-Match": resp.headers["etag"]}).status_code == 304
    plain = tiles_client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == resp.content
    refused = tiles_client.get(url, headers={"Accept-Encoding": "identity, gzip;q=0"})  # RFC 9110: not gzip
    assert "content-encoding" not in refused.headers and refused.content == resp.content
    assert tiles_client.get(url, headers={"Accept-Encoding": "*"}).headers["content-encoding"] == "gzip"
    assert tiles_client.get("/tiles/16/0/0.mvt").status_code == 204  # no data there: empty, no error
    assert tiles_client.get("/tiles/3/9/0.mvt").status_code == 204  # outside the zoom's grid
    assert tiles_client.get("/tiles/99/0/0.mvt").status_code == 422


def test_tiles_without_a_basemap_are_503(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, basemap_dir=tmp_path / "none"))) as c:
        resp = c.get("/tiles/15/9000/12000.mvt")
    assert resp.status_code == 503 and "network build" in resp.json()["detail"]
