"""Per-deploy work once: `filmtour db prepare` migrates and loads; a server start then finds the database
prepared and writes nothing to it (it re-upserted the whole dataset on every start); a changed dataset file is
loaded at the next start; a start on an empty data directory prepares it itself."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.main import create_app
from tests.conftest import REAL_LOCATIONS, SHARED_TILES, make_settings


def db_state(data: Path) -> tuple[str, int]:
    """The main database file's digest and its write-ahead log's size: what any write would change."""
    wal = data / "filmtour.db-wal"
    return hashlib.sha256(
        (data / "filmtour.db").read_bytes()
    ).hexdigest(), wal.stat().st_size if wal.exists() else 0


def env_for(data: Path) -> dict[str, str]:
    return {
        "FILMTOUR_DATA_DIR": str(data),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_BUILD_TILES_ON_STARTUP": "false",
        "FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false",
    }


def test_prepare_then_a_start_writes_nothing(tmp_path, monkeypatch):
    data = tmp_path / "data"
    for key, value in env_for(data).items():
        monkeypatch.setenv(key, value)
    from app.core.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["db", "prepare"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "revision" in result.output and "locations" in result.output
    assert json.loads((data / "prepared.json").read_text())["revision"]
    before = db_state(data)
    settings = make_settings(tmp_path)  # the same data directory and dataset
    for _ in range(2):
        with TestClient(create_app(settings)) as c:
            assert c.get("/api/v1/locations", params={"limit": 1}).status_code == 200
    assert db_state(data) == before


def test_a_changed_dataset_is_loaded_at_the_next_start(tmp_path):
    own = tmp_path / "dataset"
    own.mkdir()
    for name in ("locations.geojson", "films.json", "tours.json"):
        (own / name).write_bytes((REAL_LOCATIONS.parent / name).read_bytes())
    settings = make_settings(tmp_path, locations_file=own / "locations.geojson")
    with TestClient(create_app(settings)) as c:  # an empty data directory: prepared by the start itself
        first = c.get("/api/v1/locations/art-museum-steps").json()
    fc = json.loads((own / "locations.geojson").read_text())
    steps = next(f for f in fc["features"] if f["properties"]["id"] == "art-museum-steps")
    steps["properties"]["name"] = "The Rocky Steps (renamed)"
    (own / "locations.geojson").write_text(json.dumps(fc))
    with TestClient(create_app(settings)) as c:
        again = c.get("/api/v1/locations/art-museum-steps").json()
    assert first["properties"]["name"] != again["properties"]["name"] == "The Rocky Steps (renamed)"


def test_the_head_read_from_the_migration_files_is_alembics(tmp_path):
    """A start reads the head revision from the files (no Alembic import, ≈ 0.6 s): it must be Alembic's."""
    from alembic.script import ScriptDirectory

    from app.db.migrate import alembic_config, current_revision, head_revision
    from app.db.session import make_engine

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()
    engine = make_engine(make_settings(tmp_path, seed=False))
    assert current_revision(engine) is None  # an empty database
    engine.dispose()


@pytest.mark.slow
def test_a_prepared_start_does_not_import_alembic(tmp_path):
    import subprocess
    import sys

    from app.core.config import PROJECT_ROOT

    settings = make_settings(tmp_path)
    with TestClient(create_app(settings)):
        pass  # prepares the database
    code = (
        "import sys; from app.main import create_app; from tests.conftest import make_settings; "
        "from fastapi.testclient import TestClient; from pathlib import Path; "
        f"c = TestClient(create_app(make_settings(Path({str(tmp_path)!r}))));"
        "c.__enter__(); c.__exit__(None, None, None); print('alembic' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "False"
