"""The basemap names the whole city: the tile data (decoded with mapbox-vector-tile from the session's shared
build) carries street names from z15 (the City's outside the OSM extract's box, OSM's inside it), the
neighbourhood names at z12-14, park and trail names, and reaches the city's far corners within the budgets."""

from __future__ import annotations

import gzip
import json

import mapbox_vector_tile
import mercantile
import pytest
from mapbox_vector_tile.Mapbox import vector_tile_pb2

from app.core.config import SHIPPED_DATA
from app.maps.basemap import MAX_ZOOM, MIN_ZOOM, TileArchive, ensure_basemap, read_stamp
from tests.conftest import SHARED_BASEMAP, make_settings

LAMBERT = (-75.1835, 39.9215)  # 2313 S Lambert St (Rocky II): south of the OSM extract's box
ART_MUSEUM = (-75.1810, 39.9656)  # inside the box
MANAYUNK = (-75.2175, 40.0395)  # the Wissahickon's mouth: trails, the towpath
RITTENHOUSE = (-75.1720, 39.9495)
FAR_NORTHEAST = (-74.985, 40.075)  # Torresdale, near the city's north-east edge
FAR_SOUTHWEST = (-75.245, 39.905)  # Eastwick


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    basemap = ensure_basemap(make_settings(tmp_path_factory.mktemp("bm"), basemap_dir=SHARED_BASEMAP))
    archive = TileArchive(basemap)
    yield archive
    archive.close()


def decode(archive: TileArchive, lon: float, lat: float, z: int) -> dict:
    t = mercantile.tile(lon, lat, z)
    data = archive.get(t.z, t.x, t.y)
    assert data is not None, (z, t)
    return mapbox_vector_tile.decode(gzip.decompress(data))


def names(tile: dict, layer: str, kind: str | None = None) -> set[str]:
    feats = tile.get(layer, {}).get("features", [])
    return {
        f["properties"]["name"]
        for f in feats
        if "name" in f["properties"] and kind in (None, f["properties"].get("kind"))
    }


def properties_only(data: bytes) -> dict:
    """A tile decoded like mapbox_vector_tile.decode but without the geometries (slow in Python, and not
    needed to find names): {layer: {"features": [{"properties": ...}]}}, from the package's own protobuf."""
    tile = vector_tile_pb2.tile()
    tile.ParseFromString(gzip.decompress(data))
    out = {}
    for layer in tile.layers:
        values = [v.ListFields()[0][1] for v in layer.values]  # each value sets one of its typed fields
        feats = [
            {"properties": {layer.keys[k]: values[v] for k, v in zip(f.tags[::2], f.tags[1::2], strict=True)}}
            for f in layer.features
        ]
        out[layer.name] = {"features": feats}
    return out


def every_tile(archive: TileArchive, z: int):
    west, south, east, north = read_stamp(archive.basemap)["bounds"]
    for t in mercantile.tiles(west, south, east, north, zooms=[z]):
        data = archive.get(t.z, t.x, t.y)
        if data is not None:
            yield properties_only(data)


def test_city_street_names_from_z15_outside_the_extract_and_osm_names_inside(archive):
    for z in (15, 16):
        assert {"S Lambert St", "Shunk St", "S 21st St"} <= names(decode(archive, *LAMBERT, z), "roads"), z
    assert not names(decode(archive, *LAMBERT, 14), "roads")  # no street names below z15
    museum = names(decode(archive, *ART_MUSEUM, 16), "roads")
    assert (
        "Kelly Drive" in museum and "Kelly Dr" not in museum
    )  # inside the box OSM's streets, not the City's


def test_neighbourhood_names_at_z12_to_14_only_and_every_one_of_them(archive):
    for z in (13, 14):
        assert "Manayunk" in names(decode(archive, *MANAYUNK, z), "labels", "neighbourhood"), z
    assert "Roxborough" in names(decode(archive, *MANAYUNK, 12), "labels", "neighbourhood")  # a big one
    assert not names(decode(archive, *MANAYUNK, 15), "labels", "neighbourhood")
    neighbourhoods = json.loads((SHIPPED_DATA / "basemap" / "neighbourhoods.geojson").read_text())["features"]
    at_z13 = set().union(*(names(t, "labels", "neighbourhood") for t in every_tile(archive, 13)))
    assert at_z13 == {f["properties"]["MAPNAME"] for f in neighbourhoods} and len(at_z13) == 159
    at_z12 = set().union(*(names(t, "labels", "neighbourhood") for t in every_tile(archive, 12)))
    assert 60 <= len(at_z12) < 159  # the bigger half: all of them would crowd a phone's z12 screen


def test_trail_and_park_names(archive):
    at_z14 = set().union(*(names(t, "labels", "trail") for t in every_tile(archive, 14)))
    assert {"Forbidden Drive", "Manayunk Canal Towpath", "Yellow Trail"} <= at_z14, at_z14
    assert "Rittenhouse Square" in names(decode(archive, *RITTENHOUSE, 15), "labels", "park")
    z15 = [names(t, "labels", "trail") for t in every_tile(archive, 15)]
    named = set().union(*z15)
    assert (
        "Minor Trail" not in named and {"Pennypack Trail", "Cobbs Creek Trail", "Kelly Drive Trail"} <= named
    )
    assert len(named) >= 40  # of the 77 names, those with a piece long enough to carry one


def test_whole_city_within_budget_with_labels_counted_per_zoom(archive):
    for corner in (FAR_NORTHEAST, FAR_SOUTHWEST):
        tile = decode(archive, *corner, 16)
        assert names(tile, "roads"), corner
    stamp = read_stamp(archive.basemap)
    assert stamp["bytes"] <= 40_000_000 and stamp["build_s"] <= 90, stamp
    zooms = stamp["zooms"]
    assert set(zooms) == {str(z) for z in range(MIN_ZOOM, MAX_ZOOM + 1)}
    assert all(zooms[str(z)]["labels"] > 0 for z in range(12, MAX_ZOOM + 1))
    decoded = sum(
        len(names_in)
        for t in every_tile(archive, 13)
        for names_in in (
            [
                f
                for layer in ("roads", "labels")
                for f in t.get(layer, {}).get("features", [])
                if "name" in f["properties"]
            ],
        )
    )
    assert decoded == zooms["13"]["labels"]
