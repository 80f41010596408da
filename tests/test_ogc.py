"""OGC API – Features under /ogc: the documents, paging, bbox, format negotiation, errors as problem+json,
the HTML pages; and real clients against a real server process: GDAL's OAPIF driver (ogrinfo, ogr2ogr) and
OWSLib's Features."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.services.ogc import CONFORMANCE
from tests.conftest import REAL_LOCATIONS, SHARED_TILES
from tests.support.live import LiveApp, live_app

PLACES = {f["id"]: f for f in json.loads(REAL_LOCATIONS.read_text())["features"]}
APPEARANCES = sum(len(f["properties"]["appearances"]) for f in PLACES.values())


def test_landing_links_and_conformance(client: TestClient):
    landing = client.get("/ogc")
    assert landing.status_code == 200 and landing.headers["content-type"] == "application/json"
    rels = {link["rel"]: link for link in landing.json()["links"]}
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    api = client.get(rels["service-desc"]["href"])
    assert api.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert api.json()["openapi"].startswith("3.0")
    assert "/collections/{collectionId}/items" in api.json()["paths"]
    conf = client.get(rels["conformance"]["href"]).json()["conformsTo"]
    assert conf == CONFORMANCE and any(c.endswith("/conf/core") for c in conf)


def test_collections_describe_places_and_appearances(client: TestClient):
    body = client.get("/ogc/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == ["places", "appearances"]
    places = client.get("/ogc/collections/places").json()
    west, south, east, north = places["extent"]["spatial"]["bbox"][0]
    lons = [f["geometry"]["coordinates"][0] for f in PLACES.values()]
    assert (west, east) == (min(lons), max(lons)) and south < north
    assert any(link["rel"] == "items" and link["type"] == "application/geo+json" for link in places["links"])


def test_items_page_through_every_place(client: TestClient):
    seen: list[str] = []
    url: str | None = "/ogc/collections/places/items?limit=25"
    while url:
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
        page = r.json()
        assert page["numberMatched"] == len(PLACES) and page["numberReturned"] == len(page["features"])
        assert page["timeStamp"].endswith("Z")
        seen += [f["id"] for f in page["features"]]
        nxt = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = nxt[0] if nxt else None
        if len(seen) > 25:
            assert any(link["rel"] == "prev" for link in page["links"])
    assert sorted(seen) == sorted(PLACES)
    feat = client.get("/ogc/collections/places/items/art-museum-steps").json()
    assert feat["geometry"]["coordinates"] == PLACES["art-museum-steps"]["geometry"]["coordinates"]
    assert feat["properties"]["in_philadelphia"] is True and isinstance(
        feat["properties"]["precision_m"], int
    )
    apps = client.get("/ogc/collections/appearances/items?limit=1000").json()
    assert apps["numberMatched"] == APPEARANCES


def test_bbox_filters_and_limit_is_capped(client: TestClient):
    box = (-75.19, 39.95, -75.17, 39.97)
    r = client.get("/ogc/collections/places/items", params={"bbox": ",".join(map(str, box)), "limit": 5000})
    body = r.json()
    inside = [
        i
        for i, f in PLACES.items()
        if box[0] <= f["geometry"]["coordinates"][0] <= box[2]
        and box[1] <= f["geometry"]["coordinates"][1] <= box[3]
    ]
    assert 0 < body["numberMatched"] == len(inside) == body["numberReturned"]
    assert "limit=1000" in next(link["href"] for link in body["links"] if link["rel"] == "self")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("foo=1", "foo"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("bbox=1,2", "bbox"),
        ("bbox=10,0,5,1", "bbox"),
        ("datetime=yesterday", "datetime"),
        ("f=xml", "f"),
    ],
)
def test_bad_queries_are_400_problems_naming_the_parameter(client: TestClient, query: str, field: str):
    r = client.get(f"/ogc/collections/places/items?{query}")
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field


def test_unknown_collection_or_feature_is_404(client: TestClient):
    assert client.get("/ogc/collections/nope/items").json()["field"] == "collectionId"
    r = client.get("/ogc/collections/places/items/nope")
    assert r.status_code == 404 and r.json()["field"] == "featureId"


def test_datetime_interval_is_accepted(client: TestClient):
    r = client.get("/ogc/collections/places/items?datetime=2020-01-01T00:00:00Z/..")
    assert r.status_code == 200 and r.json()["numberMatched"] == len(PLACES)


def test_html_by_accept_header_or_f_with_escaped_text(sample_client: TestClient):
    html = sample_client.get("/ogc/collections/places/items", headers={"accept": "text/html,*/*;q=0.8"})
    assert html.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in html.headers["content-security-policy"]
    assert "<script" not in html.text and "<table" in html.text
    as_json = sample_client.get("/ogc/collections/places/items?f=json", headers={"accept": "text/html"})
    assert as_json.headers["content-type"] == "application/geo+json"
    hostile = [f for f in as_json.json()["features"] if "<script>" in f["properties"]["name"]]
    assert hostile  # the crafted dataset's hostile name arrives as text, in the list and on its own page
    assert "Italian &lt;script&gt;alert(1)&lt;/script&gt; Market" in html.text
    page = sample_client.get(f"/ogc/collections/places/items/{hostile[0]['id']}?f=html").text
    assert "<script>" not in page and "&lt;script&gt;alert(1)" in page


# Real clients against a real server process ------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[LiveApp]:
    tmp = tmp_path_factory.mktemp("ogc-live")
    env = {
        "FILMTOUR_DATA_DIR": str(tmp / "data"),
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_BUILD_TILES_ON_STARTUP": "false",
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    with live_app(env, tmp) as app:
        yield app


def _gdal(*args: str) -> str:
    if shutil.which("ogrinfo") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have GDAL's ogrinfo (.ci/run installs gdal-bin)")
        pytest.skip("GDAL's command-line tools (Debian: gdal-bin) are not installed")
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_gdal_oapif_lists_collections_and_reads_every_place_typed(live: LiveApp, tmp_path):
    url = f"OAPIF:{live.url}/ogc"
    listing = _gdal("ogrinfo", "-ro", "-so", url)
    assert "1: places (title: Filming locations) (Point)" in listing
    assert "2: appearances (title: Film appearances) (Point)" in listing
    summary = _gdal("ogrinfo", "-ro", "-so", url, "places")
    assert f"Feature Count: {len(PLACES)}" in summary
    assert 'ID["EPSG",4326]' in summary
    for field in (
        "in_philadelphia: Integer(Boolean)",
        "precision_m: Integer",
        "name: String",
        "montage_order: Integer",
    ):
        assert field in summary
    out = tmp_path / "places.geojson"
    _gdal("ogr2ogr", "-f", "GeoJSON", str(out), url, "places")
    read = {f["properties"]["id"]: f for f in json.loads(out.read_text())["features"]}
    assert read.keys() == PLACES.keys()
    for pid, feat in read.items():
        assert feat["geometry"]["coordinates"] == pytest.approx(PLACES[pid]["geometry"]["coordinates"])
        assert feat["properties"]["precision_m"] == PLACES[pid]["properties"]["precision_m"]


@pytest.mark.slow
def test_owslib_features_reads_the_same(live: LiveApp):
    from owslib.ogcapi.features import Features

    api = Features(f"{live.url}/ogc")
    assert api.conformance()["conformsTo"] == CONFORMANCE
    assert [c["id"] for c in api.collections()["collections"]] == ["places", "appearances"]
    everything = api.collection_items("places", limit=1000)
    assert {f["id"] for f in everything["features"]} == PLACES.keys()
    one = api.collection_item("places", "art-museum-steps")
    assert one["properties"]["name"] == PLACES["art-museum-steps"]["properties"]["name"]
    near_museum = api.collection_items("places", bbox=[-75.19, 39.95, -75.17, 39.97])
    assert "art-museum-steps" in {f["id"] for f in near_museum["features"]}


@pytest.mark.slow
def test_the_ogc_definition_holds_for_real_answers(live: LiveApp):
    """Schemathesis reads /ogc/api (OpenAPI 3.0) and fuzzes every operation: no 5xx, and every answer has a
    documented content type and, where JSON, the documented shape."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    schema = schemathesis.openapi.from_url(f"{live.url}/ogc/api?f=json")
    checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {op.label for op in operations}
    # (schemathesis 4 leaves /api, the document it was loaded from, out; test_landing_links_and_conformance reads it)
    assert labels >= {
        "GET /",
        "GET /conformance",
        "GET /collections",
        "GET /collections/{collectionId}/items",
    }
    assert "GET /collections/{collectionId}/items/{featureId}" in labels
    for operation in operations:

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case):
            response = case.call(base_url=f"{live.url}/ogc", timeout=30)
            case.validate_response(response, checks=checks)

        exercise()
    good = schema["/collections/{collectionId}/items"]["GET"].Case(
        path_parameters={"collectionId": "places"}, query={"limit": 1000}
    )
    response = good.call(base_url=f"{live.url}/ogc", timeout=30)
    assert response.status_code == 200 and len(response.json()["features"]) == len(PLACES)
    good.validate_response(response, checks=checks)
