"""GET /api/v1/geocode and a route's start.address: ranked GeoJSON candidates found offline, and clear
problem documents (naming the field) for text that is too long, unknown, ambiguous or outside the city."""

from __future__ import annotations

from tests.test_locations_api import assert_problem


def test_candidates_are_ranked_geojson(client):
    resp = client.get("/api/v1/geocode", params={"q": "2313 S Lambert St"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/geo+json")
    assert "private" in resp.headers["cache-control"]  # what a person typed stays out of shared caches
    doc = resp.json()
    assert doc["type"] == "FeatureCollection" and doc["query"] == "2313 S Lambert St"
    first = doc["features"][0]
    assert first["properties"]["kind"] == "address" and first["properties"]["label"] == "2313 S Lambert St"
    lon, lat = first["geometry"]["coordinates"]
    assert 39.92 < lat < 39.925 and -75.183 < lon < -75.179
    scores = [f["properties"]["score"] for f in doc["features"]]
    assert scores == sorted(scores, reverse=True)


def test_suggestions_as_you_type_and_limit(client):
    doc = client.get("/api/v1/geocode", params={"q": "valley gr", "limit": 2}).json()
    assert len(doc["features"]) <= 2
    assert any(f["properties"]["label"] == "Valley Green Inn" for f in doc["features"])


def test_q_is_required_and_bounded(client):
    assert_problem(client.get("/api/v1/geocode"), 422, "q")
    assert_problem(client.get("/api/v1/geocode", params={"q": "1" * 201}), 422, "q")
    assert_problem(client.get("/api/v1/geocode", params={"q": "Broad & Tasker", "limit": 0}), 422, "limit")


def test_no_match_is_an_empty_collection_and_outside_text_a_problem(client):
    empty = client.get("/api/v1/geocode", params={"q": "17 Zzyzx Road"})
    assert empty.status_code == 200
    assert empty.json()["features"] == [] and empty.json()["numberReturned"] == 0
    outside = assert_problem(client.get("/api/v1/geocode", params={"q": "123 Main St, Camden, NJ"}), 422, "q")
    assert outside["type"].endswith("/address-outside-city") and "NJ" in outside["detail"]


def test_hostile_text_comes_back_as_data(client):
    resp = client.get("/api/v1/geocode", params={"q": "<script>alert(1)</script>"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/geo+json")
    assert resp.json()["query"] == "<script>alert(1)</script>"  # JSON data, never markup


def test_route_start_address_is_found_offline(client):
    body = {"start": {"address": "9th and Christian"}, "stops": ["italian-market"]}
    resp = client.post("/api/v1/routes", json=body)
    assert resp.status_code == 201, resp.text
    stops = [f["properties"] for f in resp.json()["features"] if f["properties"]["kind"] == "stop"]
    assert stops[0]["name"] == "Start"
    lon, lat = next(f for f in resp.json()["features"] if f["properties"]["kind"] == "stop")["geometry"][
        "coordinates"
    ]
    assert abs(lat - 39.9390) < 0.001 and abs(lon - -75.1579) < 0.001  # the corner of 9th and Christian


def test_ambiguous_start_lists_candidates(client):
    resp = client.post("/api/v1/routes", json={"start": {"address": "Main St"}, "stops": ["italian-market"]})
    problem = assert_problem(resp, 422, "start.address")
    assert problem["type"].endswith("/address-ambiguous")
    assert (
        problem["candidates"] and {"label", "kind", "score", "lon", "lat"} <= problem["candidates"][0].keys()
    )


def test_start_outside_the_city_says_so(client):
    body = {"start": {"address": "10 Main St, Upper Darby, PA 19082"}, "stops": ["italian-market"]}
    problem = assert_problem(client.post("/api/v1/routes", json=body), 422, "start.address")
    assert problem["type"].endswith("/address-outside-city")


def test_openapi_documents_the_endpoint_and_its_models(client):
    doc = client.get("/openapi.json").json()
    op = doc["paths"]["/api/v1/geocode"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"q", "limit"}
    assert "422" in op["responses"]
    schemas = doc["components"]["schemas"]
    assert "GeocodeCollection" in schemas and "GeocodeProperties" in schemas
    assert set(schemas["GeocodeProperties"]["properties"]) == {"label", "kind", "score", "matched", "exact"}
    assert "numberReturned" in schemas["GeocodeCollection"]["properties"]
