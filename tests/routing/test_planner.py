"""Routes on the shipped extract: agreement with an independent shortest path, pace, snapping, order, loops."""

from __future__ import annotations

import itertools
import typing
from functools import lru_cache

import networkx as nx
import osmium
import pytest
from geopy.distance import geodesic

from app.core.config import SHIPPED_EXTRACT
from app.core.errors import status_for
from app.core.exceptions import InvalidParameter, Unroutable
from app.core.paces import Pace
from app.routing.loops import plan_loop
from app.routing.planner import (
    PACE_PRESETS,
    Stop,
    default_pace,
    duration_for,
    pace_to_walking_speed,
    plan_route,
)
from tests.routing.conftest import (
    ARCHED_BRIDGE,
    CITY_HALL,
    ISSUE_ITALIAN_MARKET,
    ISSUE_MOSHULU,
    ISSUE_STEPS_BASE,
    ITALIAN_MARKET,
    KENSINGTON,
    MICKS_GYM,
    MONTAGE,
    MOSHULU,
    STEPS,
)

NOT_ON_FOOT = {"motorway", "motorway_link", "trunk_link", "construction", "proposed"}


@lru_cache(maxsize=1)
def walk_graph() -> nx.Graph:
    """Our own pedestrian graph of the shipped PBF: pyosmium for the ways, geodesic edge lengths."""
    graph = nx.Graph()

    class Ways(osmium.SimpleHandler):
        def way(self, w):
            tags = w.tags
            if (
                tags.get("highway") in NOT_ON_FOOT
                or tags.get("foot") == "no"
                or tags.get("access") in ("no", "private")
            ):
                return
            if "highway" not in tags:
                return
            pts = [(n.ref, n.lat, n.lon) for n in w.nodes]
            for (a, alat, alon), (b, blat, blon) in itertools.pairwise(pts):
                graph.add_node(a, lat=alat, lon=alon)
                graph.add_node(b, lat=blat, lon=blon)
                graph.add_edge(a, b, length=geodesic((alat, alon), (blat, blon)).meters)

    Ways().apply_file(str(SHIPPED_EXTRACT), locations=True)
    return graph


def nearest_node(graph: nx.Graph, stop: Stop) -> int:
    near = [
        (n, d)
        for n, d in graph.nodes(data=True)
        if abs(d["lat"] - stop.lat) < 0.003 and abs(d["lon"] - stop.lon) < 0.004
    ]
    return min(near, key=lambda nd: geodesic((stop.lat, stop.lon), (nd[1]["lat"], nd[1]["lon"])).meters)[0]


def shortest_m(a: Stop, b: Stop) -> float:
    g = walk_graph()
    return nx.shortest_path_length(g, nearest_node(g, a), nearest_node(g, b), weight="length")


PAIRS = [
    (ITALIAN_MARKET, STEPS),
    (STEPS, ARCHED_BRIDGE),
    (MOSHULU, ITALIAN_MARKET),
    (CITY_HALL, MICKS_GYM),
    (MOSHULU, STEPS),
    (ARCHED_BRIDGE, CITY_HALL),
    (ISSUE_ITALIAN_MARKET, ISSUE_MOSHULU),
    (KENSINGTON, ISSUE_STEPS_BASE),
    (ISSUE_STEPS_BASE, ISSUE_ITALIAN_MARKET),
]
# Measured on the shipped extract: Valhalla/networkx from 0.978 to 1.043 over these pairs.
DISTANCE_TOLERANCE = 0.08


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=lambda s: s.name)
def test_distance_agrees_with_an_independent_shortest_path(engine, a, b):
    """Within ±8% of a plain shortest path over the same ways. Why not exact: Valhalla starts and ends at the
    stop's projection onto the nearest edge, the reference at the nearest graph node (tens of metres either
    way); Valhalla's pedestrian costing may prefer sidewalks/footways and penalise some crossings, so its walk
    can be a little longer than the purely shortest one; and it measures along its own (simplified) edge
    shapes. Anything beyond 8% on 1.5–7 km would mean a wrong network (missing ways, wrong access rules)."""
    routed = plan_route(engine, [a, b], pace_min_per_km=6).distance_m
    reference = shortest_m(a, b)
    assert abs(routed - reference) <= DISTANCE_TOLERANCE * reference, (routed, reference)


def test_the_issue_points_are_routable(engine):
    plan = plan_route(engine, [ISSUE_ITALIAN_MARKET, ISSUE_STEPS_BASE, ISSUE_MOSHULU, KENSINGTON])
    assert len(plan.legs) == 3 and all(leg.distance_m > 1000 for leg in plan.legs)


def test_eta_is_distance_over_pace(engine):
    for pace in (4.5, 6.0, 12.0):
        plan = plan_route(engine, [ITALIAN_MARKET, MOSHULU, STEPS], pace_min_per_km=pace)
        assert plan.duration_s == pytest.approx(plan.distance_m / 1000 * pace * 60)
        for s in plan.stops:
            assert s.elapsed_s == pytest.approx(duration_for(s.distance_from_start_m, pace))
        assert sum(leg.distance_m for leg in plan.legs) == pytest.approx(plan.distance_m)
        assert plan.stops[-1].distance_from_start_m == pytest.approx(plan.distance_m)


def test_pace_maps_to_valhalla_walking_speed():
    assert pace_to_walking_speed(6.0) == pytest.approx(10.0)
    assert pace_to_walking_speed(12.0) == pytest.approx(5.0)
    assert pace_to_walking_speed(1.0) == 25.0  # clamped to what Valhalla accepts
    assert pace_to_walking_speed(200.0) == 0.5
    assert [PACE_PRESETS[k] for k in ("walk", "easy", "steady", "tempo")] == [12.0, 7.0, 6.0, 5.0]
    # The one list of pace names the models and endpoints accept is the planner's table.
    assert set(PACE_PRESETS) == {"walk", *typing.get_args(Pace)}
    assert (default_pace("walk"), default_pace("run")) == (12.0, 6.0)
    with pytest.raises(InvalidParameter) as exc:
        pace_to_walking_speed(0)
    assert exc.value.field == "pace_min_per_km"


def test_pace_changes_eta_not_the_way(engine):
    slow = plan_route(engine, [ITALIAN_MARKET, STEPS], pace_min_per_km=12)
    fast = plan_route(engine, [ITALIAN_MARKET, STEPS], pace_min_per_km=5)
    assert fast.distance_m == pytest.approx(slow.distance_m, rel=0.02)
    assert slow.duration_s / fast.duration_s == pytest.approx(12 / 5 * slow.distance_m / fast.distance_m)
    # Valhalla's own estimate is kept, for comparison only
    assert slow.engine_duration_s > fast.engine_duration_s > 0


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


def test_a_stop_a_kilometre_from_any_way_is_refused_by_name(engine):
    # mid-river between Penn's Landing and Camden, about 1 km from either shore
    far = Stop(39.9460, -75.1290, "Mid-river", "nowhere")
    with pytest.raises(Unroutable) as exc:
        plan_route(engine, [ITALIAN_MARKET, STEPS, far])
    assert exc.value.field == "stops[2]" and "nowhere" in exc.value.detail
    assert status_for(exc.value)[0] == 422


def test_optimized_order_keeps_the_ends_and_is_not_longer(engine):
    stops = [CITY_HALL, MICKS_GYM, ITALIAN_MARKET, ARCHED_BRIDGE, MOSHULU, STEPS]
    given = plan_route(engine, stops, order="as_given", pace_min_per_km=6)
    best = plan_route(engine, stops, order="optimized", pace_min_per_km=6)
    names = [s.stop.name for s in best.stops]
    assert names[0] == CITY_HALL.name and names[-1] == STEPS.name
    assert sorted(names) == sorted(s.name for s in stops)
    assert best.distance_m <= given.distance_m
    assert [stops[i].name for i in best.visit_order] == names
    assert given.visit_order == list(range(len(stops)))


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


def test_a_loop_too_short_for_any_place_can_be_refused(engine):
    far_start = Stop(39.9860, -75.1550, "North Philadelphia hotel")
    with pytest.raises(InvalidParameter) as exc:
        plan_loop(engine, far_start, [STEPS], 2.0, require_place=True)
    assert exc.value.field == "loop_km" and "too short" in exc.value.detail
    with pytest.raises(InvalidParameter):
        plan_loop(engine, far_start, [STEPS], 0)


@pytest.mark.parametrize(
    "start",
    [Stop(39.9496, -75.1503, "Independence Hall"), Stop(39.9300, -75.1600, "Passyunk")],
    ids=lambda s: s.name,
)
@pytest.mark.parametrize("km", [2.0, 3.0, 21.0])
def test_short_and_long_loops_from_other_starts(engine, start, km):
    plan = plan_loop(engine, start, MONTAGE, km)
    assert abs(plan.distance_m - km * 1000) <= 0.10 * km * 1000, plan.distance_m
    assert plan.stops[-1].stop == start


def test_a_loop_too_short_for_any_place_is_still_a_loop(engine):
    far_start = Stop(39.9860, -75.1550, "North Philadelphia hotel")
    plan = plan_loop(engine, far_start, [STEPS], 2.0, pace_min_per_km=6)
    assert abs(plan.distance_m - 2000) <= 200
    assert [s.stop for s in plan.stops] == [far_start, far_start] and plan.skipped == [STEPS]
