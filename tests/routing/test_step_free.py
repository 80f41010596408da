"""Step-free routes and the narrative language against the real engine and the shipped OSM extract."""

from __future__ import annotations

import pytest
from pypolyline.cutil import encode_coordinates

from app.core.exceptions import InvalidParameter
from app.routing.languages import NARRATIVE_LANGUAGES, narrative_language
from app.routing.planner import Profile, Stop, plan_route
from tests.test_locations_api import assert_problem
from tests.test_routes_api import create, route_of

# The foot of the Art Museum's east steps (Eakins Oval side) and the terrace at their top.
STEPS_FOOT = Stop(39.96455, -75.17935, "Foot of the steps")
STEPS_TOP = Stop(39.96560, -75.18080, "Top of the steps")


def edge_uses(engine, plan) -> list[tuple[str, int]]:
    """(use, OSM way id) of every edge the route follows, matched back by Valhalla's trace_attributes."""
    shape = encode_coordinates(plan.shape, 6).decode()
    answer = engine._call(
        "trace_attributes",
        {
            "encoded_polyline": shape,
            "shape_match": "walk_or_snap",  # the stored line is simplified (2 m): matched back to the ways
            "costing": "pedestrian",
            "filters": {"attributes": ["edge.use", "edge.way_id"], "action": "include"},
        },
    )
    return [(e["use"], e["way_id"]) for e in answer["edges"]]


def test_default_route_climbs_the_steps_and_step_free_uses_none(engine):
    default = plan_route(engine, [STEPS_FOOT, STEPS_TOP])
    step_free = plan_route(engine, [STEPS_FOOT, STEPS_TOP], profile=Profile(step_free=True))
    default_uses = edge_uses(engine, default)
    free_uses = edge_uses(engine, step_free)
    steps_ways = {w for use, w in default_uses if use == "steps"}
    assert steps_ways, default_uses  # the 72 steps are highway=steps in the extract
    assert not [u for u in free_uses if u[0] == "steps"], free_uses
    assert not steps_ways & {w for _, w in free_uses}
    instructions = [m["instruction"] for leg in default.legs for m in leg.maneuvers]
    assert any("stairs" in i for i in instructions)
    assert not any("stairs" in m["instruction"] for leg in step_free.legs for m in leg.maneuvers)
    # the way round by the driveways is longer, but not absurdly so
    detour = step_free.distance_m - default.distance_m
    assert 100 < detour < 1500, detour


def test_every_listed_language_is_narrated_by_valhalla(engine):
    for tag in NARRATIVE_LANGUAGES:
        plan = plan_route(engine, [STEPS_FOOT, STEPS_TOP], profile=Profile(language=tag))
        assert plan.legs[0].maneuvers[0]["instruction"]
        trip = engine.route(
            {
                "locations": [
                    {"lat": STEPS_FOOT.lat, "lon": STEPS_FOOT.lon},
                    {"lat": STEPS_TOP.lat, "lon": STEPS_TOP.lon},
                ],
                "costing": "pedestrian",
                "directions_options": {"language": tag},
            }
        )["trip"]
        assert trip["language"] == tag  # Valhalla falls back to en-US silently for what it lacks
    spanish = plan_route(engine, [STEPS_FOOT, STEPS_TOP], profile=Profile(language=narrative_language("es")))
    assert spanish.legs[0].maneuvers[0]["instruction"].startswith("Camine")


@pytest.mark.parametrize(
    ("tag", "want"),
    [
        ("es", "es-ES"),
        ("es-ES", "es-ES"),
        ("ES-mx", "es-ES"),
        ("pt", "pt-PT"),
        ("en", "en-US"),
        (None, "en-US"),
    ],
)
def test_bcp47_tags_resolve(tag, want):
    assert narrative_language(tag) == want


@pytest.mark.parametrize("tag", ["zh-CN", "id", "xx"])
def test_unsupported_language_is_refused(tag):
    with pytest.raises(InvalidParameter) as err:
        narrative_language(tag)
    assert err.value.field == "language"


def test_step_free_and_spanish_through_the_api(client):
    body = {"stops": [{"lat": STEPS_FOOT.lat, "lon": STEPS_FOOT.lon}, "art-museum-steps"], "activity": "walk"}
    fc = create(
        client,
        {**body, "stops": [{"lat": 39.9645, "lon": -75.1794}, {"lat": STEPS_TOP.lat, "lon": STEPS_TOP.lon}]},
    )
    free = create(
        client,
        {
            **body,
            "stops": [{"lat": 39.9645, "lon": -75.1794}, {"lat": STEPS_TOP.lat, "lon": STEPS_TOP.lon}],
            "step_free": True,
            "language": "es",
        },
    )
    assert free["properties"]["step_free"] is True and free["properties"]["language"] == "es-ES"
    assert free["properties"]["distance_m"] > fc["properties"]["distance_m"] + 100
    maneuvers = route_of(free)["properties"]["legs"][0]["maneuvers"]
    assert maneuvers[0]["instruction"].startswith("Camine")
    assert not any("escaleras" in m["instruction"] for m in maneuvers)
    tour = client.get("/api/v1/tours/rocky-steps-run?step_free=true").json()
    notes = {n["location_id"]: n for n in tour["properties"]["step_free_stops"]}
    assert notes["art-museum-steps"]["differs"] and "driveway" in notes["art-museum-steps"]["note"]
    assert "step-free" in notes["art-museum-steps"]["accessibility"]
    assert "not the 72 steps" in client.get("/api/v1/tours/rocky-steps-run?step_free=true&format=txt").text
    assert_problem(client.post("/api/v1/routes", json={**body, "language": "zh-CN"}), 422, "language")
    assert_problem(client.post("/api/v1/routes", json={**body, "language": "not a tag!"}), 422, "language")
    assert_problem(client.get("/api/v1/tours/rocky-steps-run?language=xx"), 422, "language")
