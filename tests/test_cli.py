"""The filmtour command line, run as a user runs it (typer's runner, real database and engine)."""

from __future__ import annotations

import json
import subprocess
import sys

import gpxpy
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import PROJECT_ROOT, get_settings
from app.core.files import file_sha256
from app.db.migrate import alembic_config, current_revision
from app.db.session import make_engine
from app.maps.basemap import Basemap, read_stamp
from tests.conftest import FETCHED_BASEMAP, REAL_LOCATIONS, SHARED_BASEMAP, SHARED_TILES
from tests.support.http_stub import Reply, http_stub
from tests.test_basemap import overpass_with_basemap_layers


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("FILMTOUR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FILMTOUR_VALHALLA_TILES_DIR", str(SHARED_TILES))
    # The run's shared basemap (same inputs, so the same build): `route` makes sure of a basemap as well as the
    # tiles, and building one in each test's own data directory cost ~7 s of CPU per test. The same inputs as
    # the shared build's, whatever the caller's environment says: a build from others would remove it.
    monkeypatch.setenv("FILMTOUR_BASEMAP_DIR", str(SHARED_BASEMAP))
    monkeypatch.setenv("FILMTOUR_LOCATIONS_FILE", str(REAL_LOCATIONS))
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli, list(args))
    get_settings.cache_clear()


def test_help_explains_every_command(run):
    """Every command (and sub-command) is listed with its own help line, and its --help works."""
    out = run("--help").output
    # Plain (click) help, not rich's boxes: "  name  its help line" under "Commands:"
    commands_part = out.split("Commands:", 1)[1]
    listed = {
        line.split()[0]
        for line in commands_part.splitlines()
        if line.startswith("  ") and len(line.split()) > 1
    }
    commands = {c.name or c.callback.__name__ for c in cli.registered_commands} | {
        g.name for g in cli.registered_groups
    }
    assert commands == {
        "serve",
        "db",
        "data",
        "locations",
        "map",
        "network",
        "route",
        "settings",
        "export-site",
        "geocoder",
    }
    assert commands <= listed, out
    for group, sub in (
        ("db", "upgrade"),
        ("db", "load"),
        ("data", "audit"),
        ("network", "build"),
        ("network", "fetch"),
        ("geocoder", "build"),
        ("geocoder", "search"),
    ):
        result = run(group, sub, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output and f"{group} {sub}" in result.output


def test_help_imports_none_of_the_heavy_libraries():
    """`filmtour --help` loads only Typer: the web framework, the database layer, Valhalla, shapely and rich's
    renderer are imported by the commands that use them (this is what keeps --help well under a second)."""
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['filmtour', '--help']\n"
        "try:\n"
        "    runpy.run_module('app.cli', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('fastapi', 'starlette', 'sqlalchemy', 'sqlmodel', 'valhalla', 'shapely', 'uvicorn', 'pydantic',\n"
        "         'rich.console', 'geopy', 'httpx')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Usage: filmtour" in out and "Commands:" in out  # the help itself was printed
    assert "LOADED []" in out, out


def test_db_upgrade_migrates_to_the_newest_revision(run, tmp_path):
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    engine = make_engine(get_settings())
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(engine) == head and f"revision {head}" in result.output
    assert {"location", "saved_route", "geocode_cache"} <= set(inspect(engine).get_table_names())
    assert run("db", "upgrade").exit_code == 0  # again: nothing to do, no error


@pytest.mark.slow
def test_network_fetch_downloads_converts_builds_and_installs(run, tmp_path, monkeypatch):
    monkeypatch.setenv("FILMTOUR_VALHALLA_TILES_DIR", str(tmp_path / "own-tiles"))
    # The answer test_basemap's fetch test gets, so the basemap of the fetched extract is one build for both
    # (keyed by the extract's bytes); never SHARED_BASEMAP: a build from other inputs removes the ones beside it.
    monkeypatch.setenv("FILMTOUR_BASEMAP_DIR", str(FETCHED_BASEMAP))
    with http_stub(lambda req: Reply(body=overpass_with_basemap_layers())) as overpass:
        monkeypatch.setenv("FILMTOUR_OVERPASS_URL", overpass.url)
        get_settings.cache_clear()
        result = run("network", "fetch", "--bbox", "-75.1530,39.9455,-75.1450,39.9515")
    assert result.exit_code == 0, result.output
    assert len(overpass.requests) == 1 and "fresh OSM data from Overpass" in result.output
    settings = get_settings()
    assert settings.installed_extract.is_file() and settings.active_extract == settings.installed_extract
    assert list((tmp_path / "own-tiles").rglob("valhalla.json"))
    fetched = file_sha256(settings.installed_extract)  # and the basemap is the fetched extract's
    stamps = [read_stamp(Basemap(d)) for d in FETCHED_BASEMAP.iterdir() if "-basemap-" in d.name]
    assert any(s and s["inputs"]["pbf"] == fetched for s in stamps), stamps


def test_db_load_is_idempotent_and_locations_print(run):
    n = len(json.loads(REAL_LOCATIONS.read_text())["features"])
    first = run("db", "load")
    assert first.exit_code == 0 and f"{n} new" in first.output
    again = run("db", "load")
    assert f"{n} unchanged" in again.output
    fc = json.loads(run("locations", "--json").output)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == n
    table = run("locations").output
    assert "Italian" in table and "Rocky (1976) filming locations" in table


@pytest.mark.slow
def test_route_writes_gpx(run, tmp_path):
    out = tmp_path / "rocky.gpx"
    result = run(
        "route", "--tour", "rocky-1976-montage", "--activity", "run", "--pace", "6", "--gpx", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "Italian Market" in result.output
    gpx = gpxpy.parse(out.read_text())
    assert gpx.waypoints and gpx.tracks[0].length_2d() > 10_000


@pytest.mark.slow
def test_errors_are_messages_not_tracebacks(run, tmp_path):
    bad = run("route", "--stop", "nowhere", "--stop", "italian-market")
    assert bad.exit_code != 0 and "nowhere" in bad.output and "Traceback" not in bad.output
    missing = run("network", "build", "--pbf", str(tmp_path / "missing.osm.pbf"))
    assert missing.exit_code != 0 and "no such extract" in missing.output
    box = run("network", "fetch", "--bbox", "1,2,3")
    assert box.exit_code != 0 and "--bbox" in box.output


def test_locations_on_a_fresh_data_directory_shows_the_dataset(run, tmp_path):
    """No `db load` has run: the command loads the dataset first (as the server's start-up does)."""
    assert not (tmp_path / "data").exists()
    result = run("locations")
    assert result.exit_code == 0, result.output
    assert "Italian" in result.output and "Rocky (1976) filming locations" in result.output
    fc = json.loads(run("locations", "--json").output)
    assert len(fc["features"]) == len(json.loads(REAL_LOCATIONS.read_text())["features"])
