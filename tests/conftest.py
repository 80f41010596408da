"""Shared fixtures: an app with its own data directory, a TestClient, and the real-PostgreSQL plugin."""

from __future__ import annotations

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


def make_settings(tmp_path: Path, **overrides) -> Settings:  # noqa: ANN003
    values = {
        "data_dir": tmp_path / "data",
        "database_url": None,
        "build_tiles_on_startup": False,
        "locations_file": REAL_LOCATIONS,
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
