"""The locations API, through the real app and database, on the shipped dataset and a crafted one."""

from __future__ import annotations

import json

import pytest
from geojson_pydantic import FeatureCollection
from geopy.distance import geodesic

from app.api.state import app_state
from tests.conftest import REAL_LOCATIONS

PROBLEM = "application/problem+json"


def real_features() -> list[dict]:
    return json.loads(REAL_LOCATIONS.read_text())["features"]


def assert_problem(resp, status: int, field: str | None) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert "Traceback" not in resp.text
    if field:
        assert body["field"] == field
        if status == 422:
            assert field in body["detail"]
    return body


def test_lists_every_location_as_geojson(client):
    """Every shipped place, once, following `next` links (pages of 100 by default), in the documented order:
    the Rocky (1976) montage places in film order, then the others by name."""
    features: list[dict] = []
    url: str | None = "/api/v1/locations"
    pages = 0
    while url is not None:
        resp = client.get(url)
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("application/geo+json")
        body = resp.json()
        assert body["type"] == "FeatureCollection"
        assert len(FeatureCollection(**body).features) == len(
            body["features"]
        )  # RFC 7946, per geojson-pydantic
        assert body["numberMatched"] == len(real_features())
        assert body["numberReturned"] == len(body["features"]) <= 100
        features += body["features"]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
    assert pages == -(-len(real_features()) // 100)  # a page per 100 places, no empty last page
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids))
    assert set(ids) == {f["properties"]["id"] for f in real_features()}
    montage = [f for f in features if f["properties"]["scene_order"] is not None]
    others = features[len(montage) :]
    assert features[: len(montage)] == sorted(montage, key=lambda f: f["properties"]["scene_order"])
    assert [f["properties"]["name"] for f in others] == sorted(f["properties"]["name"] for f in others)
    for feat in features:
        assert feat["geometry"]["type"] == "Point"
        lon, lat = feat["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_montage_places_come_first_in_film_order(client):
    orders = [f["properties"]["scene_order"] for f in client.get("/api/v1/locations").json()["features"]]
    montage = [o for o in orders if o is not None]
    assert montage == sorted(montage) == list(range(1, 8))
    assert orders[: len(montage)] == montage


def test_one_location_and_unknown_id(client):
    first = real_features()[0]["properties"]["id"]
    resp = client.get(f"/api/v1/locations/{first}")
    assert resp.status_code == 200 and resp.json()["id"] == first
    assert resp.headers["content-type"].startswith("application/geo+json")
    assert_problem(client.get("/api/v1/locations/no-such-place"), 404, "location_id")


def test_filter_by_visitable_and_film(client):
    body = client.get("/api/v1/locations", params={"visitable": "public,view_from_street"}).json()
    assert body["features"]
    assert {f["properties"]["visitable"] for f in body["features"]} <= {"public", "view_from_street"}
    in_rocky = sum(
        any(a["film"] == "rocky-1976" for a in f["properties"]["appearances"])
        for f in json.loads(REAL_LOCATIONS.read_text())["features"]
    )
    assert 0 < in_rocky < client.get("/api/v1/locations").json()["numberMatched"]
    assert client.get("/api/v1/locations", params={"film": "rocky-1976"}).json()["numberMatched"] == in_rocky
    # v1 clients filtered by title: "Rocky" is the 1976 film only, not the whole saga
    assert client.get("/api/v1/locations", params={"film": "Rocky"}).json()["numberMatched"] == in_rocky
    assert client.get("/api/v1/locations", params={"film": "Jaws"}).json()["numberMatched"] == 0


def test_bbox_keeps_only_places_inside(client):
    bbox = (-75.19, 39.93, -75.15, 39.97)
    body = client.get("/api/v1/locations", params={"bbox": ",".join(map(str, bbox))}).json()
    inside = [
        f
        for f in real_features()
        if bbox[0] <= f["geometry"]["coordinates"][0] <= bbox[2]
        and bbox[1] <= f["geometry"]["coordinates"][1] <= bbox[3]
    ]
    assert body["numberMatched"] == len(inside) > 0


def test_near_sorts_by_geodesic_distance_within_radius(client):
    city_hall = (39.9526, -75.1635)
    body = client.get("/api/v1/locations", params={"near": "39.9526,-75.1635", "radius_m": 3000}).json()
    dists = [f["properties"]["distance_m"] for f in body["features"]]
    assert dists == sorted(dists) and all(d <= 3000 for d in dists)
    for f in body["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert f["properties"]["distance_m"] == pytest.approx(geodesic(city_hall, (lat, lon)).meters, abs=0.1)
    expected = sum(
        1
        for f in real_features()
        if geodesic(city_hall, tuple(reversed(f["geometry"]["coordinates"]))).meters <= 3000
    )
    assert len(dists) == expected


def test_pagination_links_walk_the_whole_list(client):
    seen, url, pages = [], "/api/v1/locations?limit=3", 0
    while url:
        body = client.get(url).json()
        seen += [f["id"] for f in body["features"]]
        links = {link["rel"]: link["href"] for link in body["links"]}
        if pages:
            assert "prev" in links
        url, pages = links.get("next"), pages + 1
    assert len(seen) == len(set(seen)) == len(real_features())
    assert pages == -(-len(real_features()) // 3)


def test_etag_and_cache_control(client):
    resp = client.get("/api/v1/locations")
    etag = resp.headers["etag"]
    assert "max-age" in resp.headers["cache-control"]
    again = client.get("/api/v1/locations", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/api/v1/locations", headers={"If-None-Match": '"stale"'}).status_code == 200
    # a different representation has a different tag
    assert client.get("/api/v1/locations?limit=1").headers["etag"] != etag


def test_films_count_locations(client):
    films = client.get("/api/v1/films").json()["films"]
    expected: dict[str, set[str]] = {}
    for f in real_features():
        for a in f["properties"]["appearances"]:
            expected.setdefault(a["film"], set()).add(f["id"])
    assert {f["id"]: f["location_count"] for f in films} == {k: len(v) for k, v in expected.items()}
    rocky = next(f for f in films if f["id"] == "rocky-1976")
    assert (rocky["title"], rocky["year"]) == ("Rocky", 1976)
    assert [f["year"] for f in films] == sorted(f["year"] for f in films)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "-75,40,-76,39"}, "bbox"),
        ({"bbox": "-75,95,-74,96"}, "bbox"),
        ({"bbox": "nan,1,2,3"}, "bbox"),
        ({"near": "39.9"}, "near"),
        ({"near": "91,0"}, "near"),
        ({"near": "39.9,-200"}, "near"),
        ({"radius_m": "100"}, "radius_m"),
        ({"near": "39.95,-75.16", "radius_m": "-5"}, "radius_m"),
        ({"near": "39.95,-75.16", "radius_m": "1e9"}, "radius_m"),
        ({"visitable": "maybe"}, "visitable"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"film": "x" * 500}, "film"),
    ],
)
def test_bad_parameters_are_problem_json_naming_the_field(client, params, field):
    assert_problem(client.get("/api/v1/locations", params=params), 422, field)


def test_unknown_route_and_method_are_problem_json(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404, None)
    assert_problem(client.delete("/api/v1/locations"), 405, None)


def test_cors_open_for_reads(client):
    resp = client.get("/api/v1/locations", headers={"Origin": "https://blog.example"})
    assert resp.headers["access-control-allow-origin"] == "*"
    pre = client.options(
        "/api/v1/locations",
        headers={"Origin": "https://blog.example", "Access-Control-Request-Method": "GET"},
    )
    assert pre.status_code == 200
    assert "GET" in pre.headers["access-control-allow-methods"]


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["database"] == "ok"


def test_openapi_and_docs(client):
    spec = client.get("/openapi.json").json()
    assert "/api/v1/locations" in spec["paths"] and "/api/v1/locations/{location_id}" in spec["paths"]
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("gzip", True),
        ("gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity, gzip;q=0", False),
        ("*;q=0", False),
        ("identity;q=1, gzip;q=0.5", False),
    ],
)
def test_location_list_is_gzipped_only_as_accept_encoding_allows(client, accept_encoding, gzipped):
    """RFC 9110 §12.5.3: q=0 means "not acceptable", * counts; neither the stored gzip answer nor the GZip
    middleware may compress against it. Every answer (304 too) varies on Accept-Encoding."""
    import gzip

    plain = client.get("/api/v1/locations", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and len(plain.content) >= 500  # big enough to gzip
    resp = client.get("/api/v1/locations", headers={"accept-encoding": accept_encoding})
    assert resp.status_code == 200
    assert resp.headers.get("content-encoding") == ("gzip" if gzipped else None)
    assert resp.content == plain.content  # (httpx undid a gzip)
    if gzipped:
        assert int(resp.headers["content-length"]) < len(plain.content)
    else:
        assert int(resp.headers["content-length"]) == len(plain.content)
    assert "Accept-Encoding" in [v.strip() for v in resp.headers["vary"].split(",")]
    again = client.get(
        "/api/v1/locations",
        headers={"accept-encoding": accept_encoding, "if-none-match": resp.headers["etag"]},
    )
    assert again.status_code == 304
    assert "Accept-Encoding" in [v.strip() for v in again.headers["vary"].split(",")]
    # An answer the middleware compresses (not a stored one) follows the same rule.
    spec = client.get("/openapi.json", headers={"accept-encoding": accept_encoding})
    assert spec.headers.get("content-encoding") == ("gzip" if gzipped else None)
    if gzipped:
        with client.stream("GET", "/api/v1/locations", headers={"accept-encoding": accept_encoding}) as raw:
            assert gzip.decompress(b"".join(raw.iter_raw())) == plain.content


def test_location_list_is_served_from_memory_until_the_dataset_changes(tmp_path):
    """Rendered once per query (gzip too); a `db load` from another process (its own engine) shows once the
    fingerprint is re-read; a refused query is never cached."""
    import gzip
    import shutil

    from fastapi.testclient import TestClient

    from app.db.loader import load_dataset, sibling_files
    from app.db.session import make_engine
    from app.main import create_app
    from tests.conftest import SAMPLE_LOCATIONS, make_settings

    s = make_settings(tmp_path, locations_file=SAMPLE_LOCATIONS)
    with TestClient(create_app(s)) as c:
        cache = app_state(c.app).dataset_cache
        plain = c.get("/api/v1/locations", headers={"accept-encoding": "identity"})
        packed = c.get("/api/v1/locations", headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert plain.headers["etag"] == packed.headers["etag"]
        assert json.loads(packed.content) == plain.json()  # (httpx decoded it)
        entry = cache._entries["locations?"]
        assert gzip.decompress(entry.gzipped) == plain.content
        assert c.get("/api/v1/locations", params={"visitable": "nope"}).status_code == 422
        assert "locations?visitable=nope" not in cache._entries

        edited_dir = tmp_path / "edited"
        edited_dir.mkdir()
        for f in (SAMPLE_LOCATIONS, *sibling_files(SAMPLE_LOCATIONS)):
            shutil.copy(f, edited_dir / f.name)
        edited = edited_dir / SAMPLE_LOCATIONS.name
        doc = json.loads(edited.read_text())
        doc["features"][0]["properties"]["name"] = "Renamed By A Load"
        edited.write_text(json.dumps(doc))
        other = make_engine(s)
        load_dataset(other, edited, *sibling_files(edited))
        other.dispose()
        cache.recheck_s = 3600  # within the re-check interval: still the cached answer
        assert c.get("/api/v1/locations").content == plain.content
        cache.recheck_s = 0
        names = [f["properties"]["name"] for f in c.get("/api/v1/locations").json()["features"]]
        assert "Renamed By A Load" in names
