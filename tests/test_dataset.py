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
from app.db.loader import read_dataset

DATA = PROJECT_ROOT / "data"
SHIPPED_PBF = DATA / "osm" / "philly_rocky_tour.osm.pbf"
ROUTABLE = {"public", "view_from_street"}
# The box of the shipped OSM extract (data/osm/SOURCES.md): all of it lies in Philadelphia, and inside it the
# places' pins were placed on OSM's own streets (the whole city is routed since; tests/routing/test_city_routes.py).
BOX = (-75.210, 39.925, -75.115, 39.995)
NEAR_WAY_M = 60.0


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def features() -> list[dict]:
    return load("locations.geojson")["features"]


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = load(f"{name}.schema.json")
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize(
    ("data", "schema"), [("locations.geojson", "locations"), ("films.json", "films"), ("tours.json", "tours")]
)
def test_validates_against_the_schema(data, schema):
    errors = sorted(validator(schema).iter_errors(load(data)), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_schema_rejects_what_it_should():
    doc = load("locations.geojson")
    doc["features"][0]["properties"]["visitable"] = "maybe"
    assert list(validator("locations").iter_errors(doc))
    doc = load("locations.geojson")
    doc["features"][0]["properties"]["appearances"] = []
    assert list(validator("locations").iter_errors(doc))
    films = load("films.json")
    films["films"][0]["imdb"] = "nm123"
    assert list(validator("films").iter_errors(films))
    tours = load("tours.json")
    tours["tours"][0]["stops"] = tours["tours"][0]["stops"][:1]
    assert list(validator("tours").iter_errors(tours))


def test_the_loader_accepts_the_shipped_files():
    data = read_dataset(DATA / "locations.geojson")  # schemas + ids across the three files
    assert len(data.features) == len(features())


def test_ids_are_unique_and_match_feature_ids():
    ids = [f["properties"]["id"] for f in features()]
    assert len(ids) == len(set(ids))
    assert all(f["id"] == f["properties"]["id"] for f in features())


def test_montage_has_seven_places_in_film_order():
    montage = {
        a["scene_order"]: f["id"]
        for f in features()
        for a in f["properties"]["appearances"]
        if a["film"] == "rocky-1976" and a["sequence"] == "training-montage"
    }
    assert sorted(montage) == list(range(1, 8))
    assert montage[2] == "italian-market" and montage[7] == "art-museum-steps"


def test_every_appearance_names_a_film_of_films_json():
    film_ids = {f["id"] for f in load("films.json")["films"]}
    assert "rocky-1976" in film_ids
    for f in features():
        assert f["properties"]["sources"], f["id"]
        for a in f["properties"]["appearances"]:
            assert a["film"] in film_ids, (f["id"], a["film"])


def test_the_v1_tours_are_kept():
    tours = {t["id"]: t for t in load("tours.json")["tours"]}
    assert tours["rocky-1976-montage"]["stops"][1] == "italian-market"
    assert tours["rocky-1976-montage"]["stops"][-1] == "art-museum-steps"
    assert tours["rocky-steps-run"]["stops"][0] == "italian-market"
    assert tours["rocky-steps-run"]["stops"][-1] == "art-museum-steps"


def test_sources_are_absolute_web_urls():
    # jsonschema only checks "format": "uri" when an optional RFC 3987 package is installed, so check here too.
    for f in features():
        urls = f["properties"]["sources"] + [u for a in f["properties"]["appearances"] for u in a["sources"]]
        for url in urls:
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
        if f["properties"]["visitable"] in ROUTABLE and not inside:  # valid data; tours skip it
            assert f["properties"]["in_philadelphia"], f"{f['id']} is routable but outside Philadelphia"
        if f["properties"]["visitable"] == "not_in_philadelphia":
            assert not inside, f"{f['id']} says not in Philadelphia but sits inside it"
            assert f["properties"]["in_philadelphia"] is False, f["id"]


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
    "feature",
    [
        f
        for f in features()
        if f["properties"]["visitable"] in ROUTABLE
        and BOX[0] <= f["geometry"]["coordinates"][0] <= BOX[2]
        and BOX[1] <= f["geometry"]["coordinates"][1] <= BOX[3]
    ],
    ids=lambda f: f["id"],
)
def test_routable_places_are_beside_a_walkable_way(feature):
    lon, lat = feature["geometry"]["coordinates"]
    close = [n for n in walkable_nodes() if abs(n[0] - lat) < 0.002 and abs(n[1] - lon) < 0.003]
    nearest = min((geodesic((lat, lon), n).meters for n in close), default=float("inf"))
    assert nearest <= NEAR_WAY_M, f"{feature['id']}: nearest walkable way node is {nearest:.0f} m away"
