"""A stop that snaps to a path but that no path connects to the others: the error names that stop, on both
backends. The network is two separate footways written by the test (pyosmium), ~1 km apart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import osmium
import pytest
from osmium.osm import mutable

from app.core.config import Settings
from app.core.errors import status_for
from app.core.exceptions import ServiceUnavailable, Unroutable
from app.routing.embedded import EmbeddedEngine
from app.routing.engine import RoutingEngine
from app.routing.http import HttpEngine
from app.routing.loops import plan_loop
from app.routing.planner import Stop, plan_route
from app.routing.tiles import Tiles, ensure_tiles
from tests.support.valhalla import start_valhalla_service, stop_process

A, B, C = (
    Stop(39.95, -75.1595, "West end"),
    Stop(39.95, -75.1575, "Middle"),
    Stop(39.95, -75.1570, "East end"),
)
ISLAND = Stop(39.95, -75.1490, "Island", "island-path")


def write_two_islands(pbf: Path) -> None:
    with osmium.SimpleWriter(str(pbf)) as writer:
        node_id = 1
        for way_id, west in ((1, -75.160), (2, -75.150)):
            refs = []
            for k in range(3):  # three nodes 170 m apart along the parallel
                writer.add_node(mutable.Node(id=node_id, location=(west + 0.002 * k, 39.95), version=1))
                refs.append(node_id)
                node_id += 1
            writer.add_way(mutable.Way(id=way_id, nodes=refs, tags={"highway": "footway"}, version=1))


@pytest.fixture(scope="module")
def island_tiles(tmp_path_factory: pytest.TempPathFactory) -> Tiles:
    work = tmp_path_factory.mktemp("islands")
    write_two_islands(work / "islands.osm.pbf")
    return ensure_tiles(Settings(data_dir=work / "data"), pbf=work / "islands.osm.pbf")


@pytest.fixture(scope="module", params=["embedded", "http"])
def island_engine(
    request: pytest.FixtureRequest, island_tiles: Tiles, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RoutingEngine]:
    if request.param == "embedded":
        yield EmbeddedEngine(island_tiles.config_path)
        return
    proc, url = start_valhalla_service(island_tiles.config_path, tmp_path_factory.mktemp("island-service"))
    try:
        yield HttpEngine(url, timeout_s=10)
    finally:
        stop_process(proc)


def test_connected_stops_route(island_engine):
    assert plan_route(island_engine, [A, B]).distance_m == pytest.approx(170, abs=10)


def test_the_unconnected_stop_is_named(island_engine):
    with pytest.raises(Unroutable) as exc:
        plan_route(island_engine, [A, B, ISLAND])
    assert exc.value.field == "stops[2]" and "island-path" in exc.value.detail


def test_the_unconnected_stop_is_named_when_optimizing(island_engine):
    with pytest.raises(Unroutable) as exc:
        plan_route(island_engine, [A, ISLAND, B, C], order="optimized")
    assert exc.value.field == "stops[1]"


def test_a_loop_skips_a_place_it_cannot_reach(island_engine):
    plan = plan_loop(island_engine, A, [ISLAND, C], 0.5)
    assert plan.skipped == [ISLAND]
    assert [s.stop for s in plan.stops] == [A, C, A]


def test_embedded_engine_without_tiles_is_503(tmp_path):
    settings = Settings(data_dir=tmp_path, osm_extract=tmp_path / "missing.osm.pbf")
    from app.routing.factory import get_engine

    engine = get_engine(settings)
    with pytest.raises(ServiceUnavailable) as exc:
        plan_route(engine, [A, B])
    assert status_for(exc.value)[0] == 503 and "missing.osm.pbf" in exc.value.detail
