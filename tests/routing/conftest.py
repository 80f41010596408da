"""Routing fixtures: tiles built once per session from the shipped extract, the embedded engine, and a real
``valhalla_service`` process on 127.0.0.1 serving the same tiles."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.core.config import Settings
from app.routing.embedded import EmbeddedEngine
from app.routing.planner import Stop
from app.routing.tiles import Tiles, ensure_tiles
from tests.conftest import SHARED_TILES
from tests.support.valhalla import start_valhalla_service, stop_process

# Montage places (from data/locations.geojson) and a few other points of the tour area.
ITALIAN_MARKET = Stop(39.9382, -75.15785, "Italian Market", "italian-market")
ARCHED_BRIDGE = Stop(39.9733, -75.1908, "Arched bridge", "kelly-drive-arched-bridge")
MICKS_GYM = Stop(39.9832, -75.1328, "Mighty Mick's", "mighty-micks-gym")
MOSHULU = Stop(39.94412, -75.14125, "Moshulu", "penns-landing-moshulu")
STEPS = Stop(39.96467, -75.17985, "Art Museum steps", "art-museum-steps")
CITY_HALL = Stop(39.9526, -75.1635, "City Hall")
# The points named in the routing issue (rounded, as a user would type them).
ISSUE_ITALIAN_MARKET = Stop(39.9387, -75.1579, "Italian Market (issue)")
ISSUE_STEPS_BASE = Stop(39.9651, -75.1800, "Art Museum steps base (issue)")
ISSUE_MOSHULU = Stop(39.9430, -75.1413, "Moshulu (issue)")
KENSINGTON = Stop(39.99, -75.12, "Kensington")
MONTAGE = [ITALIAN_MARKET, ARCHED_BRIDGE, MICKS_GYM, MOSHULU, STEPS]


@pytest.fixture(scope="session")
def tiles_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # The run's shared tiles (tests/conftest.py): built once per run for every test and xdist worker.
    return Settings(
        data_dir=tmp_path_factory.mktemp("routing-data"), database_url=None, valhalla_tiles_dir=SHARED_TILES
    )


@pytest.fixture(scope="session")
def tiles(tiles_settings: Settings) -> Tiles:
    return ensure_tiles(tiles_settings)


@pytest.fixture(scope="session")
def engine(tiles: Tiles) -> EmbeddedEngine:
    return EmbeddedEngine(tiles.config_path)


@pytest.fixture(scope="session")
def valhalla_service(tiles: Tiles, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_valhalla_service(tiles.config_path, tmp_path_factory.mktemp("valhalla-service"))
    try:
        yield url
    finally:
        stop_process(proc)
