"""The researched dataset: schema, ids, montage order, and that every routable place is really reachable."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlsplit

import jsonschema
import osmium
import pytest
from geopy.distance import geodesic

from app.core.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"
SHIPPED_PBF = DATA / "osm" / "philly_rocky_tour.osm.pbf"
ROUTABLE = {"public", "view_from_street"}
# The routable box of the shipped extract (data/osm/SOURCES.md).
BOX = (-75.210, 39.925, -75.115, 39.995)
NEAR_WAY_M = 60.0


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def features() -> list[dict]:
    return load("locations.geojson")["features"]


def test_validates_against_the_schema():
    schema = load("locations.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(load("locations.geojson")), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_schema_rejects_what_it_should():
    schema = load("locations.schema.json")
    doc = load("locations.geojson")
    doc["features"][0]["properties"]["visitable"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_ids_are_unique_and_match_feature_ids():
    ids = [f["properties"]["id"] for f in features()]
    assert len(ids) == len(set(ids))
    assert all(f["id"] == f["properties"]["id"] for f in features())


def test_montage_has_seven_places_in_film_order():
    orders = sorted(
        f["properties"]["scene_order"] for f in features() if f["properties"]["scene_order"] is not None
    )
    assert orders == list(range(1, 8))


def test_every_place_has_sources_and_the_film():
    for f in features():
        p = f["properties"]
        assert p["sources"], p["id"]
        assert p["film"] == {"title": "Rocky", "year": 1976}


def test_sources_are_absolute_web_urls():
    # jsonschema only checks "format": "uri" when an optional RFC 3987 package is installed, so check here too.
    for f in features():
        for url in f["properties"]["sources"]:
            parts = urlsplit(url)
            assert parts.scheme in ("http", "https") and parts.netloc and " " not in url, (f["id"], url)


def test_coordinates_have_at_most_six_decimals():
    raw = json.loads((DATA / "locations.geojson").read_text(encoding="utf-8"), parse_float=Decimal)
    for f in raw["features"]:
        for value in f["geometry"]["coordinates"]:
            assert -value.as_tuple().exponent <= 6, (f["id"], str(value))


def test_places_outside_philadelphia_are_never_routable():
    for f in features():
        lon, lat = f["geometry"]["coordinates"]
        inside = BOX[0] <= lon <= BOX[2] and BOX[1] <= lat <= BOX[3]
        if f["properties"]["visitable"] in ROUTABLE:
            assert inside, f"{f['id']} is routable but outside the shipped extract's box"
        if f["properties"]["visitable"] == "not_in_philadelphia":
            assert not inside, f"{f['id']} says not in Philadelphia but sits inside it"


def test_low_confidence_places_are_not_routed_to():
    for f in features():
        if f["properties"]["confidence"] == "low":
            assert f["properties"]["visitable"] not in ROUTABLE, f["id"]


@lru_cache(maxsize=1)
def walkable_nodes() -> list[tuple[float, float]]:
    nodes: list[tuple[float, float]] = []

    class Ways(osmium.SimpleHandler):
        def way(self, w):
            if w.tags.get("highway") not in (None, "motorway", "motorway_link", "trunk_link"):
                nodes.extend((n.lat, n.lon) for n in w.nodes)

    Ways().apply_file(str(SHIPPED_PBF), locations=True)
    return nodes


@pytest.mark.parametrize(
    "feature", [f for f in features() if f["properties"]["visitable"] in ROUTABLE], ids=lambda f: f["id"]
)
def test_routable_places_are_beside_a_walkable_way(feature):
    lon, lat = feature["geometry"]["coordinates"]
    close = [n for n in walkable_nodes() if abs(n[0] - lat) < 0.002 and abs(n[1] - lon) < 0.003]
    nearest = min((geodesic((lat, lon), n).meters for n in close), default=float("inf"))
    assert nearest <= NEAR_WAY_M, f"{feature['id']}: nearest walkable way node is {nearest:.0f} m away"
