"""Every data endpoint documents its 2xx body in /openapi.json, and what it really sends matches that
document (the same check schemathesis makes while fuzzing, here on known good requests)."""

from __future__ import annotations

import jsonschema
import pytest
from pydantic import TypeAdapter

from app.schemas import responses as r

JSON_TYPES = ("application/json", "application/geo+json")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(tmp_path_factory.mktemp("openapi")))) as c:
        yield c


def schema_of(openapi: dict, path: str, method: str, status: str, media: str) -> dict:
    """The response schema with $refs resolvable (components inlined as the root's definitions)."""
    content = openapi["paths"][path][method]["responses"][status]["content"][media]
    return {**content["schema"], "components": openapi["components"]}


def test_every_data_operation_documents_its_success_body(api):
    openapi = api.get("/openapi.json").json()
    undocumented = []
    for path, item in openapi["paths"].items():
        for method, op in item.items():
            for status, resp in op["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                content = resp.get("content", {})
                html_page = list(content) == ["text/html"]
                for media, body in content.items():
                    if not html_page and (not body.get("schema") or body["schema"] == {}):
                        undocumented.append(f"{method.upper()} {path} {status} {media}")
    assert undocumented == []


@pytest.mark.parametrize(
    ("method", "url", "path", "status", "model"),
    [
        ("get", "/api/v1/locations", "/api/v1/locations", "200", r.LocationCollection),
        (
            "get",
            "/api/v1/locations?near=39.9526,-75.1652&limit=3",
            "/api/v1/locations",
            "200",
            r.LocationCollection,
        ),
        (
            "get",
            "/api/v1/locations/art-museum-steps",
            "/api/v1/locations/{location_id}",
            "200",
            r.LocationFeature,
        ),
        ("get", "/api/v1/films", "/api/v1/films", "200", r.FilmList),
        ("get", "/api/v1/tours", "/api/v1/tours", "200", r.TourList),
        ("get", "/api/v1/tours/rocky-1976-montage", "/api/v1/tours/{tour_id}", "200", r.TourRoute),
        ("get", "/healthz", "/healthz", "200", r.Health),
        ("get", "/readyz", "/readyz", "200", r.Readiness),
    ],
)
def test_real_answers_match_the_documented_schema(api, method, url, path, status, model):
    openapi = api.get("/openapi.json").json()
    resp = api.request(method, url)
    assert resp.status_code == int(status), resp.text
    media = resp.headers["content-type"].split(";")[0]
    assert media in JSON_TYPES
    jsonschema.validate(resp.json(), schema_of(openapi, path, method, status, media))
    TypeAdapter(model).validate_json(resp.content)  # models and TypedDicts (the route document) alike


def test_created_and_saved_routes_and_oembed_match_the_documented_schema(api):
    openapi = api.get("/openapi.json").json()
    created = api.post(
        "/api/v1/routes",
        json={
            "stops": ["italian-market", {"lat": 39.9526, "lon": -75.1635}, "art-museum-steps"],
            "start_at_dawn": "2026-06-21",
        },
    )
    assert created.status_code == 201, created.text
    jsonschema.validate(
        created.json(), schema_of(openapi, "/api/v1/routes", "post", "201", "application/geo+json")
    )
    TypeAdapter(r.CreatedRoute).validate_json(created.content)

    route_id = created.json()["id"]
    saved = api.get(f"/api/v1/routes/{route_id}")
    jsonschema.validate(
        saved.json(), schema_of(openapi, "/api/v1/routes/{route_id}", "get", "200", "application/geo+json")
    )
    assert "delete_token" not in saved.json()

    oembed = api.get("/oembed", params={"url": f"http://testserver/routes/{route_id}/map"})
    assert oembed.status_code == 200, oembed.text
    jsonschema.validate(oembed.json(), schema_of(openapi, "/oembed", "get", "200", "application/json"))


def test_workout_song_cue_and_step_free_answers_match_the_documented_schema(api):
    openapi = api.get("/openapi.json").json()
    created = api.post(
        "/api/v1/routes",
        json={"tour": "rocky-1976-montage", "workout": {"level": "intermediate"}, "step_free": True},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    jsonschema.validate(body, schema_of(openapi, "/api/v1/routes", "post", "201", "application/geo+json"))
    props = TypeAdapter(r.CreatedRoute).validate_json(created.content)["properties"]
    assert props["workout"]["stations"]
    assert props["step_free_stops"] and props["song_cue"]["song_s"] == 193
    tour = api.get("/api/v1/tours/rocky-1976-montage", params={"workout": "rocky", "step_free": "true"})
    assert tour.status_code == 200, tour.text
    jsonschema.validate(
        tour.json(), schema_of(openapi, "/api/v1/tours/{tour_id}", "get", "200", "application/geo+json")
    )
    # the station schema is strict enough to catch a station without its exercises
    del body["properties"]["workout"]["stations"][0]["exercises"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schema_of(openapi, "/api/v1/routes", "post", "201", "application/geo+json"))


def test_a_broken_answer_would_fail_the_check(api):
    """The documented schema is strict enough to catch a real mistake (a stop without its seq)."""
    openapi = api.get("/openapi.json").json()
    fc = api.get("/api/v1/tours/rocky-1976-montage").json()
    del fc["features"][1]["properties"]["seq"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            fc, schema_of(openapi, "/api/v1/tours/{tour_id}", "get", "200", "application/geo+json")
        )


def test_the_openapi_document_is_valid_openapi(api):
    """The whole document validates as OpenAPI 3.1 (it did not: the manifest's schema referred to
    "#/$defs/ManifestIcon", which no part of the document defines)."""
    from openapi_spec_validator import validate

    openapi = api.get("/openapi.json").json()
    validate(openapi)
    manifest = openapi["paths"]["/manifest.webmanifest"]["get"]["responses"]["200"]["content"]
    assert list(manifest) == ["application/manifest+json"]
    assert "ManifestIcon" in openapi["components"]["schemas"]
    resp = api.get("/manifest.webmanifest")
    assert resp.headers["content-type"].startswith("application/manifest+json")
    schema = schema_of(openapi, "/manifest.webmanifest", "get", "200", "application/manifest+json")
    jsonschema.validate(resp.json(), schema)
