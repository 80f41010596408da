"""The filmtour command line, run as a user runs it (typer's runner, real database and engine)."""

from __future__ import annotations

import json

import gpxpy
import pytest
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import get_settings
from tests.conftest import REAL_LOCATIONS, SHARED_TILES


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("FILMTOUR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FILMTOUR_VALHALLA_TILES_DIR", str(SHARED_TILES))
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli, list(args))
    get_settings.cache_clear()


def test_help_explains_every_command(run):
    out = run("--help").output
    for command in ("serve", "db", "locations", "network", "route"):
        assert command in out


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


def test_route_writes_gpx(run, tmp_path):
    out = tmp_path / "rocky.gpx"
    result = run(
        "route", "--tour", "rocky-1976-montage", "--activity", "run", "--pace", "6", "--gpx", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "Italian Market" in result.output
    gpx = gpxpy.parse(out.read_text())
    assert gpx.waypoints and gpx.tracks[0].length_2d() > 10_000


def test_errors_are_messages_not_tracebacks(run, tmp_path):
    bad = run("route", "--stop", "nowhere", "--stop", "italian-market")
    assert bad.exit_code != 0 and "nowhere" in bad.output and "Traceback" not in bad.output
    missing = run("network", "build", "--pbf", str(tmp_path / "missing.osm.pbf"))
    assert missing.exit_code != 0 and "no such extract" in missing.output
    box = run("network", "fetch", "--bbox", "1,2,3")
    assert box.exit_code != 0 and "--bbox" in box.output
