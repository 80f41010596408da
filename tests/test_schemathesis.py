"""Property-based fuzzing of the whole OpenAPI schema against the real app over HTTP: no 5xx, and no response
that breaks the documented schema or content type. Every 2xx body is documented (response models), so the
conformance check validates real bodies; known good requests make sure each data operation's success body is
among those checked (random ids are mostly 404s)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from app.core.config import Settings
from app.maps.basemap import ensure_basemap
from tests.conftest import REAL_LOCATIONS, SHARED_BASEMAP, SHARED_TILES
from tests.support.http_stub import Reply, http_stub
from tests.support.live import live_app

pytestmark = pytest.mark.slow  # fuzzes the whole API: tens of seconds


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory):
    # The app as users run it, with its vector basemap (built here once, shared with the other tests; the
    # default start-up builds it too). The geocoder is a local stand-in that finds nothing, so address starts
    # end in a clean 422.
    ensure_basemap(
        Settings(
            data_dir=tmp_path_factory.mktemp("fuzz-prebuild"),
            valhalla_tiles_dir=SHARED_TILES,
            basemap_dir=SHARED_BASEMAP,
            locations_file=REAL_LOCATIONS,
        )
    )
    with http_stub(lambda req: Reply(body=b"[]")) as geocoder:
        env = {
            "FILMTOUR_DATA_DIR": str(tmp_path_factory.mktemp("fuzz")),
            "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
            "FILMTOUR_BASEMAP_DIR": str(SHARED_BASEMAP),
            "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
            "FILMTOUR_GEOCODER_URL": geocoder.url,
            "FILMTOUR_GEOCODER_MIN_INTERVAL_S": "0",
            "FILMTOUR_RATE_LIMIT_ROUTES_PER_MINUTE": "0",
            "FILMTOUR_RATE_LIMIT_GEOCODE_PER_MINUTE": "0",
            "FILMTOUR_LOG_LEVEL": "warning",
        }
        with live_app(env, tmp_path_factory.mktemp("fuzz-log")) as app:
            yield app.url


@pytest.fixture(scope="module")
def api_schema(fuzz_target):
    return schemathesis.openapi.from_url(f"{fuzz_target}/openapi.json")


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES_PER_OPERATION = 40


# Requests that succeed, per operation: (path parameters, query, body).
GOOD_CASES = {
    ("GET", "/api/v1/locations"): [
        ({}, {}, None),
        ({}, {"near": "39.9526,-75.1652", "radius_m": 3000}, None),
    ],
    ("GET", "/api/v1/locations/{location_id}"): [({"location_id": "art-museum-steps"}, {}, None)],
    ("GET", "/api/v1/films"): [({}, {}, None)],
    ("GET", "/api/v1/tours"): [({}, {}, None)],
    ("GET", "/api/v1/tours/{tour_id}"): [
        ({"tour_id": "rocky-1976-montage"}, {}, None),
        ({"tour_id": "rocky-1976-montage"}, {"format": "gpx"}, None),
        ({"tour_id": "rocky-1976-montage"}, {"format": "txt"}, None),
    ],
    ("POST", "/api/v1/routes"): [
        ({}, {}, {"tour": "rocky-1976-montage", "activity": "run", "pace": "steady"}),
        (
            {},
            {},
            {"stops": ["italian-market", {"lat": 39.9526, "lon": -75.1635}], "start_at_dawn": "2026-06-21"},
        ),
    ],
    ("GET", "/api/v1/geocode"): [
        ({}, {"q": "2313 S Lambert St"}, None),
        ({}, {"q": "Broad & Tasker", "limit": 3}, None),
        ({}, {"q": "17 Zzyzx Road"}, None),
    ],
    ("GET", "/tiles/{z}/{x}/{y}.mvt"): [({"z": 14, "x": 4771, "y": 6205}, {}, None)],
    ("GET", "/healthz"): [({}, {}, None)],
    ("GET", "/readyz"): [({}, {}, None)],
}


def test_known_good_requests_conform(api_schema, fuzz_target):
    checked = set()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for path_parameters, query, body in GOOD_CASES.get((operation.method.upper(), operation.path), []):
            kw = {"body": body, "media_type": "application/json"} if body is not None else {}
            case = operation.Case(path_parameters=path_parameters, query=query, **kw)
            response = case.call(base_url=fuzz_target, timeout=60)
            assert 200 <= response.status_code < 300, response.text[:500]
            case.validate_response(response, checks=CHECKS)
            checked.add((operation.method.upper(), operation.path))
    assert checked == set(GOOD_CASES)


def test_api_never_fails_and_keeps_its_schema(api_schema, fuzz_target):
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case):
            response = case.call(base_url=fuzz_target, timeout=30)
            case.validate_response(response, checks=CHECKS)

        exercise()


def test_fuzzing_covers_the_api(api_schema):
    paths = {op.path for op in (r.ok() for r in api_schema.get_all_operations())}
    assert {
        "/api/v1/locations",
        "/api/v1/routes",
        "/api/v1/routes/{route_id}",
        "/api/v1/tours/{tour_id}",
        "/api/v1/geocode",
        "/oembed",
    } <= paths
    assert json.loads(REAL_LOCATIONS.read_text())["features"]
