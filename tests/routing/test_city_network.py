"""`filmtour network build-city`: the shipped whole-city network is exactly what the code builds from the
committed files, its numbers hold, and the command fails cleanly without its sources."""

from __future__ import annotations

import osmium
import pytest
from typer.testing import CliRunner

from app.city.streets import load_segments
from app.city.trails import load_trails
from app.cli import cli
from app.core.config import SHIPPED_EXTRACT, SHIPPED_NETWORK, get_settings
from app.routing.city_network import build_city_network


@pytest.mark.slow
def test_the_shipped_network_is_what_the_build_makes_byte_for_byte(tmp_path) -> None:
    out = tmp_path / "city.osm.pbf"
    stats = build_city_network(SHIPPED_EXTRACT, load_segments(), load_trails(), out)
    assert out.read_bytes() == SHIPPED_NETWORK.read_bytes()  # else: run `filmtour network build-city`
    assert 90_000 < stats.nodes < 110_000 and 4_600 < stats.km < 5_100 and stats.named_share > 0.9
    assert stats.seam_ties > 200 and stats.trail_ties > 300 and stats.dropped_km < 40
    west, south, east, north = stats.bounds
    assert west < -75.27 and east > -74.96 and south < 39.88 and north > 40.13  # the whole city
    added_highways = set()  # of the ways this build adds (the extract's keep their ids, below 10,000,000,001)
    names = set()
    for obj in osmium.FileProcessor(str(out)):
        if obj.is_way():
            names.add(obj.tags.get("name"))
            if obj.id >= 10_000_000_001:
                added_highways.add(obj.tags.get("highway"))
    # No City expressway or ramp is written; the names are as people write them.
    assert {"S Lambert St", "Forbidden Drive", "Kelly Dr", "N Broad St"} <= names
    assert {n for n in names if n and n.isupper() and len(n) > 3} <= {
        "SEPTA"
    }  # no "LAMBERT ST" (an OSM name)
    assert added_highways == {"residential", "footway", "path"}


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("FILMTOUR_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(cli, list(args))
    get_settings.cache_clear()


def test_build_city_without_its_sources_fails_cleanly(run, tmp_path) -> None:
    result = run(
        "network", "build-city", "--shared", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.pbf")
    )
    assert result.exit_code == 1 and "cannot build the city network" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.pbf").exists()
    result = run("network", "build-city", "--no-rebuild", "--out", str(tmp_path / "missing.pbf"))
    assert result.exit_code == 1 and "--no-rebuild first" in result.output


def test_the_router_uses_the_city_network_unless_another_extract_is_installed_or_set(tmp_path) -> None:
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    assert settings.routing_extract == SHIPPED_NETWORK  # routing: the whole city
    assert (
        settings.active_extract == SHIPPED_EXTRACT
    )  # the basemap: the OSM extract, the City's streets beside
    settings.installed_extract.parent.mkdir(parents=True)
    settings.installed_extract.write_bytes(SHIPPED_EXTRACT.read_bytes())  # what `network fetch/build` leaves
    assert settings.routing_extract == settings.installed_extract == settings.active_extract
    chosen = tmp_path / "chosen.osm.pbf"
    assert make_settings(tmp_path, osm_extract=chosen).routing_extract == chosen
