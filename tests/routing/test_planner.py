"""Routes on the shipped extract: agreement with an independent shortest path, pace, snapping, order, loops."""

from __future__ import annotations

from functools import lru_cache

import networkx as nx
import osmium
import pytest
from geopy.distance import geodesic

from app.core.config import SHIPPED_EXTRACT
from app.core.errors import InvalidParameter, Unroutable
from app.routing.planner import Stop, duration_for, plan_loop, plan_route, walking_speed_kmh
from tests.routing.conftest import (
    ARCHED_BRIDGE, CITY_HALL, ITALIAN_MARKET, MICKS_GYM, MONTAGE, MOSHULU, STEPS,
)

NOT_ON_FOOT = {"motorway", "motorway_link", "trunk_link", "construction", "proposed"}


@lru_cache(maxsize=1)
def walk_graph() -> nx.Graph:
    """Our own pedestrian graph of the shipped PBF: pyosmium for the ways, geodesic edge lengths."""
    graph = nx.Graph()

    class Ways(osmium.SimpleHandler):
        def way(self, w):  # noqa: ANN001
            tags = w.tags
            if tags.get("highway") in NOT_ON_FOOT or tags.get("foot") == "no" or tags.get("access") in ("no", "private"):
                return
            if "highway" not in tags:
                return
            pts = [(n.ref, n.lat, n.lon) for n in w.nodes]
            for (a, alat, alon), (b, blat, blon) in zip(pts, pts[1:]):
                graph.add_node(a, lat=alat, lon=alon)
                graph.add_node(b, lat=blat, lon=blon)
                graph.add_edge(a, b, length=geodesic((alat, alon), (blat, blon)).meters)

    Ways().apply_file(str(SHIPPED_EXTRACT), locations=True)
    return graph


def nearest_node(graph: nx.Graph, stop: Stop) -> int:
    near = [(n, d) for n, d in graph.nodes(data=True)
            if abs(d["lat"] - stop.lat) < 0.003 and abs(d["lon"] - stop.lon) < 0.004]
    return min(near, key=lambda nd: geodesic((stop.lat, stop.lon), (nd[1]["lat"], nd[1]["lon"])).meters)[0]


def shortest_m(a: Stop, b: Stop) -> float:
    g = walk_graph()
    return nx.shortest_path_length(g, nearest_node(g, a), nearest_node(g, b), weight="length")


PAIRS = [(ITALIAN_MARKET, STEPS), (STEPS, ARCHED_BRIDGE), (MOSHULU, ITALIAN_MARKET), (CITY_HALL, MICKS_GYM),
         (MOSHULU, STEPS), (ARCHED_BRIDGE, CITY_HALL)]


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=lambda s: s.name)
def test_distance_agrees_with_an_independent_shortest_path(engine, a, b):
    """Valhalla's pedestrian costing prefers sidewalks and avoids some crossings, so its route may be a little
    longer than the pure shortest path, never much shorter. Tolerance: -3% (snapping to an edge versus to the
    nearest node) to +12% (costing preferences)."""
    routed = plan_route(engine, [a, b], pace_min_per_km=6).distance_m
    reference = shortest_m(a, b)
    assert 0.97 * reference <= routed <= 1.12 * reference, (routed, reference)


def test_eta_is_distance_over_pace(engine):
    for pace in (4.5, 6.0, 12.0):
        plan = plan_route(engine, [ITALIAN_MARKET, MOSHULU, STEPS], pace_min_per_km=pace)
        assert plan.duration_s == pytest.approx(plan.distance_m / 1000 * pace * 60)
        for s in plan.stops:
            assert s.elapsed_s == pytest.approx(duration_for(s.distance_from_start_m, pace))
        assert sum(leg.distance_m for leg in plan.legs) == pytest.approx(plan.distance_m)
        assert plan.stops[-1].distance_from_start_m == pytest.approx(plan.distance_m)


def test_pace_maps_to_valhalla_walking_speed():
    assert walking_speed_kmh(6.0) == pytest.approx(10.0)
    assert walking_speed_kmh(12.0) == pytest.approx(5.0)
    assert walking_speed_kmh(1.0) == 25.0  # clamped to what Valhalla accepts


def test_shape_and_maneuvers_are_real_turn_by_turn(engine):
    plan = plan_route(engine, [ITALIAN_MARKET, STEPS], pace_min_per_km=6)
    start, end = plan.shape[0], plan.shape[-1]
    assert geodesic((start[1], start[0]), (ITALIAN_MARKET.lat, ITALIAN_MARKET.lon)).meters < 50
    assert geodesic((end[1], end[0]), (STEPS.lat, STEPS.lon)).meters < 50
    maneuvers = plan.legs[0].maneuvers
    assert len(maneuvers) >= 3
    streets = {name for m in maneuvers for name in m["street_names"]}
    assert "South 9th Street" in streets
    assert all(0 <= m["begin_shape_index"] < len(plan.shape) for m in maneuvers)


def test_a_stop_in_the_river_is_refused_by_name(engine):
    river = Stop(39.9500, -75.1300, "In the Delaware")
    with pytest.raises(Unroutable) as exc:
        plan_route(engine, [ITALIAN_MARKET, river], max_snap_distance_m=150)
    assert exc.value.field == "stops[1]" and "In the Delaware" in exc.value.detail


def test_optimized_order_keeps_the_ends_and_is_not_longer(engine):
    stops = [CITY_HALL, MICKS_GYM, ITALIAN_MARKET, ARCHED_BRIDGE, MOSHULU, STEPS]
    given = plan_route(engine, stops, order="as_given", pace_min_per_km=6)
    best = plan_route(engine, stops, order="optimized", pace_min_per_km=6)
    names = [s.stop.name for s in best.stops]
    assert names[0] == CITY_HALL.name and names[-1] == STEPS.name
    assert sorted(names) == sorted(s.name for s in stops)
    assert best.distance_m <= given.distance_m


def test_return_to_start_closes_the_loop(engine):
    plan = plan_route(engine, [CITY_HALL, STEPS], return_to_start=True)
    assert plan.stops[-1].stop == CITY_HALL and len(plan.legs) == 2


@pytest.mark.parametrize("km", [5.0, 8.0, 12.0])
def test_loop_length_is_within_ten_percent(engine, km):
    plan = plan_loop(engine, CITY_HALL, MONTAGE, km, pace_min_per_km=6)
    assert abs(plan.distance_m - km * 1000) <= 0.10 * km * 1000, plan.distance_m
    assert plan.stops[0].stop == CITY_HALL and plan.stops[-1].stop == CITY_HALL
    visited = {s.stop.location_id for s in plan.stops[1:-1]}
    assert visited and visited.isdisjoint({s.location_id for s in plan.skipped})


def test_loop_can_finish_at_the_steps(engine):
    plan = plan_loop(engine, CITY_HALL, MONTAGE, 10, finish_at=STEPS, pace_min_per_km=6)
    assert plan.stops[-1].stop == STEPS
    assert abs(plan.distance_m - 10_000) <= 1_000


def test_loop_too_short_for_the_finish_is_refused(engine):
    with pytest.raises(InvalidParameter) as exc:
        plan_loop(engine, MOSHULU, MONTAGE, 1.0, finish_at=ARCHED_BRIDGE)
    assert exc.value.field == "loop_km"


def test_a_loop_too_short_for_any_place_is_still_a_loop(engine):
    far_start = Stop(39.9860, -75.1550, "North Philadelphia hotel")
    plan = plan_loop(engine, far_start, [STEPS], 2.0, pace_min_per_km=6)
    assert abs(plan.distance_m - 2000) <= 200
    assert [s.stop for s in plan.stops] == [far_start, far_start] and plan.skipped == [STEPS]
