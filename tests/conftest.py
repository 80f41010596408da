"""Shared fixtures: an app with its own data directory, a TestClient, and the real-PostgreSQL plugin."""

from __future__ import annotations

import os
import shutil
import sys
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


# Bytecode: on a host that sets PYTHONDONTWRITEBYTECODE, every server and CLI process a test starts compiled
# ~3,400 modules again (~3 s of CPU each). Tests keep compiled bytecode in a cache of their own instead.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault(
    "PYTHONPYCACHEPREFIX", str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "pycache")
)
sys.dont_write_bytecode = False
sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]

# One directory per test run, shared by every pytest-xdist worker of it (PYTEST_XDIST_TESTRUNUID is the same in
# all of them): the template database is made once per run there (under a file lock: the first worker makes it,
# the others wait and copy it). Each test still gets its own database.
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
RUN_DIR = Path(tempfile.gettempdir()) / f"filmtour-test-{_RUN}"
RUN_DIR.mkdir(parents=True, exist_ok=True)

# The routing tiles and the vector basemap, built at most once per run and kept between runs: ensure_tiles and
# ensure_basemap key each build by its inputs (the extract's sha256 and Valhalla's version; the basemap's
# sources), check it is whole and rebuild it when not, and take a file lock, so the first worker builds and the
# others wait and find it. A clean clone (CI) builds them once; later local runs reuse them (~7 s of CPU and
# ~20 s on the first tests' critical path). FILMTOUR_TEST_FRESH_ARTIFACTS=1 builds them afresh for the run.
_ARTIFACTS = (
    RUN_DIR
    if os.environ.get("FILMTOUR_TEST_FRESH_ARTIFACTS")
    else PROJECT_ROOT / ".pytest_cache" / "filmtour-artifacts"
)
SHARED_TILES = _ARTIFACTS / "tiles"
SHARED_BASEMAP = _ARTIFACTS / "basemap"
# A build from other inputs (the sample dataset) goes to its own directory: a finished build removes the other
# builds beside it (app.maps.basemap.archive.ensure_basemap), which would pull the real one from under a test
# running at the same time in another worker.
SAMPLE_BASEMAP = _ARTIFACTS / "basemap-sample"
# The basemap of the stand-in Overpass answer (tests.test_basemap.overpass_with_basemap_layers), built by the
# `network fetch` tests (test_basemap's and the CLI's): the converted extract is the same bytes each time, so
# one build, keyed by it, serves both and later runs.
FETCHED_BASEMAP = _ARTIFACTS / "basemap-fetched"
SHARED_TILES.mkdir(parents=True, exist_ok=True)
SHARED_BASEMAP.mkdir(parents=True, exist_ok=True)
SAMPLE_BASEMAP.mkdir(parents=True, exist_ok=True)
FETCHED_BASEMAP.mkdir(parents=True, exist_ok=True)


def _template_data_dir() -> Path:
    """A data directory prepared once per test run (migrated, the real dataset loaded, stamped): copied into a
    test's own data directory instead of migrating and loading again (0.6 s → 0.03 s per app start)."""
    from app.core.files import build_lock
    from app.db.prepare import STAMP, prepare
    from app.db.session import make_engine

    template = RUN_DIR / "template" / "data"
    # Always under the lock: the stamp is written before the engine's last connection checkpoints the WAL.
    with build_lock(template.parent):  # one xdist worker prepares it; the others wait, then copy
        if not (template / STAMP).exists():
            settings = Settings(
                data_dir=template,
                database_url=None,
                locations_file=REAL_LOCATIONS,
                valhalla_tiles_dir=SHARED_TILES,
            )
            engine = make_engine(settings)
            prepare(settings, engine)
            engine.dispose()  # the last connection closed: SQLite checkpoints its write-ahead log into the file
    return template


def _seed(settings: Settings) -> None:
    """Start a test's database from the template when it would be the template's (real dataset, SQLite,
    loaded at start) and nothing is there yet; its own start then finds it prepared."""
    from app.db.prepare import STAMP

    if (
        settings.database_url is None
        and settings.load_locations_on_startup
        and settings.locations_file == REAL_LOCATIONS
        and not (settings.data_dir / "filmtour.db").exists()
    ):
        template = _template_data_dir()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        for name in ("filmtour.db", "filmtour.db-wal", STAMP):
            if (template / name).exists():
                shutil.copyfile(template / name, settings.data_dir / name)


def make_settings(tmp_path: Path, *, seed: bool = True, **overrides) -> Settings:
    """Test settings; ``seed``: start the database from the prepared template (tests of an empty or old
    database pass False)."""
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
    settings = Settings(**values)
    if seed:
        _seed(settings)
    return settings


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
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller removes the run's directory when every worker is done
    shutil.rmtree(RUN_DIR, ignore_errors=True)
