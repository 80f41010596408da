"""The route document: one typed definition (app.schemas.route_document) with a format_version, one module that
builds and changes it (app.services.route_document), and saved documents of version 1 still read and served."""

from __future__ import annotations

import typing

import pytest
from pydantic import TypeAdapter
from sqlalchemy import update
from sqlmodel import Session

from app.api.state import app_state
from app.core import jsontext
from app.core.config import PROJECT_ROOT
from app.db.models import SavedRoute
from app.schemas import route_document as schema
from app.services import route_document
from tests.route_document_writes import doc_returning_functions, writes_in_source, writes_outside_owner

# --- one module changes it ---------------------------------------------------------------------------------


def test_no_module_but_route_document_assigns_into_a_route_document():
    assert list(writes_outside_owner(PROJECT_ROOT)) == []


WRITERS = """
def typed(doc: RouteDocument) -> None:
    doc["properties"]["title"] = "x"

def aliased(doc: RouteDocument) -> None:
    for stop in stop_features(doc):
        p = stop["properties"]
        p["arrival_elapsed_s"] += 60

def copied(fc) -> None:
    out = jsontext.copy(fc)
    props = out["properties"]
    props["song_cue"] = None

def answered(saved) -> None:
    doc = with_links(saved, "base")
    doc["delete_token"] = "t"

def method(doc: RouteDocument) -> None:
    doc["skipped"].append({"name": "x", "reason": "y"})
    del doc["properties"]["dawn"]
"""

READERS_AND_OTHER_DICTS = """
def reads(doc: RouteDocument) -> float:
    line = route_line(doc)
    return line["properties"]["distance_m"]

def builds(doc: RouteDocument) -> list:
    out: list[StepFreeStop] = []
    out.append({"seq": 1})
    options = {"language": "es"}
    options["language"] = "en"
    return out
"""


def test_the_check_finds_writes_through_types_aliases_copies_and_methods():
    producers = {"route_line", "stop_features", "with_links"}
    found = writes_in_source(WRITERS, producers)
    assert [stmt for _, stmt in found] == [
        "doc['properties']['title'] = 'x'",
        "p['arrival_elapsed_s'] += 60",
        "props['song_cue'] = None",
        "doc['delete_token'] = 't'",
        "doc['skipped'].append({'name': 'x', 'reason': 'y'})",
        "del doc['properties']['dawn']",
    ]
    assert writes_in_source(READERS_AND_OTHER_DICTS, producers) == []
    # the producers are found by their return annotations
    assert {"load_document", "plan", "tour_route", "with_links"} <= doc_returning_functions(
        PROJECT_ROOT / "app"
    )


# --- the typed definition ----------------------------------------------------------------------------------

DOCUMENT = TypeAdapter(schema.RouteDocument)


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _typed_keys() -> set[str]:
    types = [v for v in vars(schema).values() if typing.is_typeddict(v)]
    return {k for t in types for k in t.__annotations__}


def test_real_answers_are_documents_of_the_typed_definition(client):
    posted = client.post(
        "/api/v1/routes",
        json={
            "tour": "rocky-1976-montage",
            "workout": {"level": "rocky"},
            "step_free": True,
            "start_at_dawn": "2026-06-01",
        },
    )
    assert posted.status_code == 201, posted.text
    first = client.post(
        "/api/v1/routes", json={"first_steps": {"km": 3}, "start": {"lat": 39.9526, "lon": -75.1635}}
    )
    assert first.status_code == 201, first.text
    tour = client.get("/api/v1/tours/rocky-1976-montage")
    for answer in (posted.json(), first.json(), tour.json()):
        assert answer["format_version"] == schema.FORMAT_VERSION == 2
        DOCUMENT.validate_python(answer)  # every required member there, of its type
        # and no member the definition does not name (a viewpoint's and a tour summary's are their own)
        members = _keys({k: v for k, v in answer.items() if k != "tour"})
        viewpoints = {k for f in answer["features"] for k in _keys(f["properties"].get("viewpoint") or {})}
        assert members - viewpoints - _typed_keys() == set()


def test_openapi_describes_route_answers_by_the_typed_definition(client):
    """/openapi.json's schemas of the route answers are generated from app.schemas.route_document."""
    openapi = client.get("/openapi.json").json()
    schemas = openapi["components"]["schemas"]
    post = openapi["paths"]["/api/v1/routes"]["post"]["responses"]
    assert post["201"]["content"]["application/geo+json"]["schema"]["$ref"].endswith("/CreatedRoute")
    assert post["200"]["content"]["application/geo+json"]["schema"]["$ref"].endswith("/RouteDocument")
    for name in ("CreatedRoute", "SavedRoute", "TourRoute", "RouteDocument"):
        assert set(schema.RouteMembers.__annotations__) <= set(schemas[name]["properties"]), name
        assert schemas[name]["properties"]["format_version"]["const"] == 2
    for typed in (schema.RouteProperties, schema.StopProperties, schema.WorkoutStation, schema.SongCue):
        assert set(schemas[typed.__name__]["properties"]) == set(typed.__annotations__)


# --- the change functions ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def montage(tmp_path_factory) -> schema.RouteDocument:
    """The montage tour planned once at the default pace, without extras (what the tour cache keeps)."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.schemas.routes import RouteRequest
    from app.services import routes as routes_service
    from tests.conftest import make_settings

    settings = make_settings(tmp_path_factory.mktemp("routedoc"))
    with TestClient(create_app(settings)) as c, Session(app_state(c.app).db_engine) as session:
        req = RouteRequest(tour="rocky-1976-montage", activity="run", pace_min_per_km=6.0)
        return routes_service.plan_document(session, req, app_state(c.app).routing, settings)


def test_retime_changes_every_duration_on_a_copy(montage):
    before = jsontext.copy(montage)
    slower = route_document.retime(montage, 12.0)
    assert montage == before  # the cached plan is untouched
    assert slower["properties"]["pace_min_per_km"] == 12.0
    assert slower["properties"]["duration_s"] == pytest.approx(
        2 * montage["properties"]["duration_s"], abs=0.2
    )
    old_stops, new_stops = schema.stop_features(montage), schema.stop_features(slower)
    for old, new in zip(old_stops, new_stops, strict=True):
        assert new["properties"]["arrival_elapsed_s"] == pytest.approx(
            2 * old["properties"]["arrival_elapsed_s"], abs=0.2
        )
    line = schema.route_line(slower)["properties"]
    assert line["duration_s"] == slower["properties"]["duration_s"]
    first = line["legs"][0]["maneuvers"][0]
    assert first["duration_s"] == pytest.approx(first["distance_m"] / 1000 * 12 * 60, abs=0.1)


def test_enrich_adds_the_workout_and_shifts_the_etas_on_a_copy(montage):
    before = jsontext.copy(montage)
    out = route_document.enrich(montage, level="beginner", song_s=200, step_free=True)
    assert montage == before
    props = out["properties"]
    workout = props["workout"]
    assert workout["stations"] and all("elapsed_s" in s for s in workout["stations"])
    assert workout["total_s"] == pytest.approx(workout["running_s"] + workout["stations_s"], abs=0.1)
    # every stop's ETA includes the stations met before it (its own comes after arriving)
    for old, new in zip(schema.stop_features(montage), schema.stop_features(out), strict=True):
        seq = old["properties"]["seq"]
        before = sum(s["duration_s"] for s in workout["stations"] if s["after_seq"] < seq)
        assert new["properties"]["arrival_elapsed_s"] == pytest.approx(
            old["properties"]["arrival_elapsed_s"] + before, abs=0.2
        )
    assert props["song_cue"]["song_s"] == 200
    assert "step_free_stops" in props
    mine = jsontext.copy(montage)
    assert route_document.enrich(mine, in_place=True) is mine and "song_cue" in mine["properties"]


def test_the_answer_members_are_added_to_shallow_copies(montage):
    saved = route_document.with_id(montage, "abcdefgh12345678")
    links: list[schema.RouteLink] = [{"rel": "self", "type": "application/geo+json", "href": "/x"}]
    answer = route_document.with_links(saved, links, delete_token="secret")
    toured = route_document.with_tour(saved, {"id": "rocky-1976-montage"})
    assert (saved["id"], answer["links"], answer["delete_token"], toured["tour"]["id"]) == (
        "abcdefgh12345678",
        links,
        "secret",
        "rocky-1976-montage",
    )
    assert not {"id", "links", "delete_token", "tour"} & set(montage)
    assert "delete_token" not in route_document.with_links(saved, links)
    mine = jsontext.copy(montage)
    assert route_document.titled(mine, "Mine")["properties"]["title"] == "Mine"
    planned = route_document.planned_with(mine, language="es-ES", step_free=True)
    assert (planned["properties"]["language"], planned["properties"]["step_free"]) == ("es-ES", True)


# --- saved documents of version 1 --------------------------------------------------------------------------


def test_upgrade_reads_version_1_as_2_and_loses_nothing(montage):
    v1 = {k: v for k, v in jsontext.copy(montage).items() if k != "format_version"}
    upgraded = route_document.upgrade(v1)
    assert upgraded["format_version"] == 2
    assert {k: v for k, v in upgraded.items() if k != "format_version"} == v1
    assert route_document.upgrade(upgraded) is upgraded  # the current version costs nothing
    later = {**v1, "format_version": 3}
    assert route_document.upgrade(later) is later  # a later one (after a roll-back) is served as it is


def test_a_route_saved_without_format_version_still_reads_and_serves(client):
    reads_a_version_1_route(client)


@pytest.mark.postgres
def test_a_route_saved_without_format_version_reads_on_postgres(tmp_path, fresh_postgres_db):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(tmp_path, database_url=fresh_postgres_db))) as c:
        reads_a_version_1_route(c)


def reads_a_version_1_route(client) -> None:
    """A route stored as before 2026-12-07 (no format_version) is served as version 2 in every format, with
    nothing lost, and reading it rewrites nothing."""
    created = client.post(
        "/api/v1/routes",
        json={"tour": "rocky-1976-montage", "workout": {"level": "beginner"}, "title": "Old"},
    )
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    engine = app_state(client.app).db_engine
    with Session(engine) as session:  # as a route saved before 2026-12-07 is stored
        stored = session.get(SavedRoute, rid).result
        v1 = {k: v for k, v in stored.items() if k != "format_version"}
        session.connection().execute(update(SavedRoute).where(SavedRoute.id == rid).values(result=v1))
        session.commit()
    got = client.get(f"/api/v1/routes/{rid}")
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["format_version"] == 2
    expected = {k: v for k, v in created.json().items() if k != "delete_token"}
    assert body == expected  # nothing lost
    for url in (
        f"/api/v1/routes/{rid}?format=gpx",
        f"/api/v1/routes/{rid}?format=txt",
        f"/routes/{rid}/map",
        f"/routes/{rid}/run",
        f"/cards/routes/{rid}.png",
    ):
        assert client.get(url).status_code == 200, url
    with Session(engine) as session:
        assert "format_version" not in session.get(SavedRoute, rid).result  # a read writes nothing
