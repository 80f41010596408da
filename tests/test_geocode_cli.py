"""``filmtour geocoder build`` and ``search``: the derived files from (a small stand-in for) the City's files,
and a look-up from the command line; bad input is a clean message and exit 1."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from app.city.crossings import Crossings
from app.city.geocoder import CityGeocoder
from app.cli import cli
from tests.conftest import REAL_LOCATIONS

# Two City intersection rows in EPSG:2272 (US feet): Broad (19160) x Tasker (76720), and a row without codes.
INTERSECTIONS = """node_id,int_id,street_1_code,street_2_code,shape
1,1,19160,76720,POINT(2690615.4 224960.1)
2,2,,76720,POINT(2690000 225000)
"""
NEIGHBOURHOODS = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"LISTNAME": "Point Breeze", "MAPNAME": "Point Breeze"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[-75.19, 39.92], [-75.16, 39.92], [-75.16, 39.94], [-75.19, 39.94], [-75.19, 39.92]]
                ],
            },
        }
    ],
}


def test_build_writes_files_the_geocoder_reads(tmp_path):
    city = tmp_path / "city"
    city.mkdir()
    (city / "intersections_2018-07-31.csv").write_text(INTERSECTIONS)
    (city / "neighborhoods_2024-10-09.geojson").write_text(json.dumps(NEIGHBOURHOODS))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["geocoder", "build", "--city-dir", str(city), "--out", str(out)])
    assert result.exit_code == 0, result.output
    ((lon, lat),) = Crossings.read(out / "intersections.csv.gz").between(76720, 19160)
    assert 39.92 < lat < 39.94 and -75.18 < lon < -75.16  # reprojected from state-plane feet to WGS84
    assert (out / "neighbourhood_names.txt").read_text() == "POINT BREEZE\n"
    geo = CityGeocoder.load(out, REAL_LOCATIONS)
    assert geo.contains(-75.175, 39.93) and not geo.contains(-75.12, 39.93)  # the outline, from the polygons
    assert geo.search("Broad & Tasker").candidates[0].kind == "intersection"
    assert geo.search("2313 S Lambert St").candidates[0].kind == "address"  # the segments' arrays


def test_build_names_a_missing_folder():
    result = CliRunner().invoke(cli, ["geocoder", "build", "--city-dir", "/nonexistent"])
    assert result.exit_code == 1 and "--city-dir" in result.output and "Traceback" not in result.output


def test_search_prints_candidates_and_refuses_nonsense():
    found = CliRunner().invoke(cli, ["geocoder", "search", "Broad & Tasker"])
    assert found.exit_code == 0 and "Tasker St" in found.output
    missing = CliRunner().invoke(cli, ["geocoder", "search", "17 Zzyzx Road"])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
