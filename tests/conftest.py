"""Shared fixtures: an app with its own data directory, a TestClient, and the real-PostgreSQL plugin."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import PROJECT_ROOT, Settings
from app.main import create_app

pytest_plugins = ["tests.fixtures.postgres"]

DATA = Path(__file__).parent / "data"
SAMPLE_LOCATIONS = DATA / "sample_locations.geojson"
REAL_LOCATIONS = PROJECT_ROOT / "data" / "locations.geojson"


# Routing tiles are built once per test session and shared (each test still gets its own database).
SHARED_TILES = Path(tempfile.mkdtemp(prefix="filmtour-test-tiles-"))
# The vector basemap too: one build per dataset and session.
SHARED_BASEMAP = Path(tempfile.mkdtemp(prefix="filmtour-test-basemap-"))


def make_settings(tmp_path: Path, **overrides) -> Settings:
    values = {
        "data_dir": tmp_path / "data",
        "database_url": None,
        "build_tiles_on_startup": False,
        "locations_file": REAL_LOCATIONS,
        "valhalla_tiles_dir": SHARED_TILES,
        "build_basemap_on_startup": False,
        "basemap_dir": SHARED_BASEMAP,
        "allowed_hosts": "localhost,127.0.0.1,testserver",  # TestClient's own host name
        "geocoder_url": "http://127.0.0.1:9",  # never the real Nominatim from tests
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def sample_client(tmp_path: Path) -> Iterator[TestClient]:
    """An app on the small crafted dataset (hostile text included)."""
    with TestClient(create_app(make_settings(tmp_path, locations_file=SAMPLE_LOCATIONS))) as c:
        yield c


def pytest_sessionfinish(session, exitstatus) -> None:
    import shutil

    shutil.rmtree(SHARED_TILES, ignore_errors=True)
    shutil.rmtree(SHARED_BASEMAP, ignore_errors=True)
