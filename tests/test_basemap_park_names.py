"""Park and water names across the whole city (issue 20, item 3): the tile data (the session's shared build)
carries the watershed parks' names from z12, the City landmark parks' from z15, each within a stated distance
of a point from a source independent of the City files the label comes from; river names only on water; and
the committed data/basemap/park_names.geojson is what its builder makes from the shipped files."""

from __future__ import annotations

import gzip
import json

import mapbox_vector_tile
import mercantile
import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

from app.core.config import SHIPPED_DATA
from app.maps.basemap import TileArchive
from app.maps.basemap.park_names import PARK_NAMES_FILE, build_park_names, display, landmark_parks
from tests import test_basemap_labels

GEOD = Geod(ellps="WGS84")
archive = test_basemap_labels.archive  # the same module-scoped fixture: the session's shared basemap, opened
# Independent reference points (not from the City's files), and how far a label may be from them:
# - the Frankford Avenue Bridge "over Pennypack Creek in Pennypack Park", NRHP 88000803; Wikipedia, "Frankford
#   Avenue Bridge", 40.043526, -75.020553 (checked 2026-12-07). The park runs 9 miles along the creek, so its
#   one name may sit a few km from the bridge.
FRANKFORD_AVE_BRIDGE = (-75.020553, 40.043526)
# - Wikipedia, "Wissahickon Valley Park", the infobox's point 40.050, -75.215 (checked 2026-12-07); the park runs
#   some 7 miles along the creek, and its name moves along the trails to clear the neighbourhood names.
WISSAHICKON_INFOBOX = (-75.215, 40.050)
# - Mount Moriah Cemetery, "along Cobbs Creek", the park's neighbour across Cobbs Creek Parkway; Wikipedia,
#   "Mount Moriah Cemetery (Philadelphia)", 39.9297, -75.2356 (checked 2026-12-07).
MOUNT_MORIAH = (-75.2356, 39.9297)
# - Pretzel Park, Manayunk: our dataset's own researched point (data/locations.geojson, `pretzel-park`).
PRETZEL_PARK = (-75.224, 40.0265)


def _decoded(archive: TileArchive, tile: mercantile.Tile) -> dict:
    data = archive.get(tile.z, tile.x, tile.y)
    return mapbox_vector_tile.decode(gzip.decompress(data)) if data else {}


def _lonlat(tile: mercantile.Tile, x: float, y: float, size: int) -> tuple[float, float]:
    b = mercantile.xy_bounds(tile)
    lon, lat = mercantile.lnglat(
        b.left + x / size * (b.right - b.left), b.bottom + y / size * (b.top - b.bottom)
    )
    return lon, lat


def labels_near(archive: TileArchive, z: int, near: tuple[float, float], km: float, kind: str) -> dict:
    """{name: [(lon, lat), ...]} of the ``kind`` labels in the tiles within about ``km`` of ``near``."""
    pad_lat, pad_lon = km / 111.0, km / 85.0
    lon, lat = near
    found: dict[str, list[tuple[float, float]]] = {}
    for tile in mercantile.tiles(lon - pad_lon, lat - pad_lat, lon + pad_lon, lat + pad_lat, zooms=[z]):
        layer = _decoded(archive, tile).get("labels")
        for f in (layer or {}).get("features", []):
            if f["properties"].get("kind") == kind:
                x, y = f["geometry"]["coordinates"]
                found.setdefault(f["properties"]["name"], []).append(_lonlat(tile, x, y, layer["extent"]))
    return found


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.mark.parametrize(
    ("name", "reference", "within_m"),
    [
        ("Pennypack Park", FRANKFORD_AVE_BRIDGE, 4000),
        ("Wissahickon Valley Park", WISSAHICKON_INFOBOX, 1500),
        ("Cobbs Creek Park", MOUNT_MORIAH, 1500),
    ],
)
def test_watershed_park_names_from_z12_near_an_independent_reference(archive, name, reference, within_m):
    for z in (12, 13, 14, 15, 16):
        points = labels_near(archive, z, reference, within_m / 1000, "park").get(name, [])
        assert len(points) == 1, (name, z, points)  # once, not per tile
        assert metres(points[0], reference) <= within_m, (name, z, points[0])
    assert name not in labels_near(archive, 11, reference, within_m / 1000, "park")


def test_landmark_park_names_from_z15_where_the_city_puts_them(archive):
    at_z15 = labels_near(archive, 15, PRETZEL_PARK, 0.6, "park")
    assert "Pretzel Park" in at_z15
    assert metres(at_z15["Pretzel Park"][0], PRETZEL_PARK) <= 400
    assert "Pretzel Park" not in labels_near(archive, 14, PRETZEL_PARK, 0.6, "park")
    # FDR Park (348 acres) from z12, in the south of South Philadelphia; Citizens Bank Park is a ballpark.
    fdr = labels_near(archive, 12, (-75.18, 39.90), 3, "park")
    assert "Franklin D Roosevelt Park" in fdr and fdr["Franklin D Roosevelt Park"][0][1] < 39.91
    assert "Citizens Bank Park" not in labels_near(archive, 16, (-75.1665, 39.9061), 0.5, "park")


def test_water_names_only_on_water(archive):
    """Every river or reservoir name in the tiles lies in that tile's water; the two rivers are named at z12."""
    seen: dict[int, set[str]] = {}
    west, south, east, north = -75.215, 39.92, -75.11, 40.0  # where the shipped water is (data/basemap)
    for z in (12, 13, 14, 15, 16):
        for tile in mercantile.tiles(west, south, east, north, zooms=[z]):
            decoded = _decoded(archive, tile)
            names = [
                f for f in decoded.get("labels", {}).get("features", []) if f["properties"]["kind"] == "water"
            ]
            if not names:
                continue
            water = [shape(f["geometry"]).buffer(2) for f in decoded["water"]["features"]]
            for f in names:
                assert any(w.contains(Point(f["geometry"]["coordinates"])) for w in water), (tile, f)
                seen.setdefault(z, set()).add(f["properties"]["name"])
    assert {"Delaware River", "Schuylkill River"} <= seen[12]
    assert "East Park Reservoir" in seen[14] and "East Park Reservoir" not in seen.get(13, set())


def test_park_name_points_are_what_the_builder_makes():
    from app.city.geocoder import CityGeocoder
    from app.city.trails import load_trails

    geocoder = CityGeocoder.load(SHIPPED_DATA / "city" / "geocoder", SHIPPED_DATA / "locations.geojson")
    built = build_park_names(geocoder, load_trails())
    assert built["features"] == json.loads(PARK_NAMES_FILE.read_text(encoding="utf-8"))["features"]
    names = [f["properties"]["name"] for f in built["features"]]
    assert len(names) >= 80 and len(names) <= len(landmark_parks()) + 5
    assert not any(word in n for n in names for word in ("Industrial", "Citizens Bank", "Library", " At "))


def test_city_names_read_as_signs_write_them():
    assert display("LARDNERS POINT PARK") == "Lardners Point Park"
    assert display("MCMICHAEL PARK") == "McMichael Park"
    assert display("PENN'S LANDING DOG PARK") == "Penn's Landing Dog Park"
    assert display("FRANKFORD AND PENNYPACK PARK") == "Frankford and Pennypack Park"
    assert display("ROBERTS WILSON III PARK") == "Roberts Wilson III Park"
