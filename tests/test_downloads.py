"""/api/v1/downloads: the atlas as GeoPackage, FlatGeobuf and CSV, read back by GDAL's own ogrinfo (Debian's
gdal-bin, not the pyogrio that wrote them), with the licence inside the files or beside them."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import REAL_LOCATIONS

PLACES = json.loads(REAL_LOCATIONS.read_text())["features"]
APPEARANCES = sum(len(f["properties"]["appearances"]) for f in PLACES)


def ogrinfo(*args: str) -> str:
    if shutil.which("ogrinfo") is None:
        if os.environ.get("CI"):
            pytest.fail("CI must have GDAL's ogrinfo (.ci/run installs gdal-bin)")
        pytest.skip("GDAL's command-line tools (Debian: gdal-bin) are not installed")
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def fetch(client: TestClient, name: str, tmp_path: Path) -> Path:
    r = client.get(f"/api/v1/downloads/{name}")
    assert r.status_code == 200, r.text
    assert f'filename="{name}"' in r.headers["content-disposition"]
    assert 'rel="license"' in r.headers["link"]
    path = tmp_path / name
    path.write_bytes(r.content)
    return path


def test_index_lists_every_file_with_its_licence(client: TestClient):
    body = client.get("/api/v1/downloads").json()
    assert "CC BY 4.0" in body["license"]
    names = [f["name"] for f in body["files"]]
    assert names == [
        "atlas.gpkg",
        "places.fgb",
        "appearances.fgb",
        "places.csv",
        "appearances.csv",
        "films.csv",
        "tours.csv",
    ]
    for f in body["files"]:
        assert client.get(f["href"]).status_code == 200


def test_geopackage_has_every_table_and_the_licence_inside(client: TestClient, tmp_path: Path):
    path = fetch(client, "atlas.gpkg", tmp_path)
    listing = ogrinfo("-so", str(path))
    for line in ("1: places", "2: appearances", "3: films", "4: tours"):
        assert line in listing
    assert "LICENSE=Text and research: CC BY 4.0" in listing  # the GeoPackage's own metadata
    places = ogrinfo("-so", str(path), "places")
    assert f"Feature Count: {len(PLACES)}" in places and 'ID["EPSG",4326]' in places
    assert "in_philadelphia: Integer(Boolean)" in places and "precision_m: Integer64" in places
    assert "LICENSE=" in places  # and each layer's
    apps = ogrinfo("-so", str(path), "appearances")
    assert f"Feature Count: {APPEARANCES}" in apps
    one = ogrinfo("-q", str(path), "places", "-where", "id = 'art-museum-steps'")
    museum = next(f for f in PLACES if f["id"] == "art-museum-steps")
    lon, lat = museum["geometry"]["coordinates"]
    assert f"POINT ({lon} {lat})" in one
    assert "gone_since (String) = (null)" in one  # a missing value is null, not an empty string


@pytest.mark.parametrize("table", ["places", "appearances"])
def test_flatgeobuf_reads_back(client: TestClient, tmp_path: Path, table: str):
    path = fetch(client, f"{table}.fgb", tmp_path)
    info = ogrinfo("-so", str(path), table)
    assert f"Feature Count: {len(PLACES) if table == 'places' else APPEARANCES}" in info
    assert "Geometry: Point" in info and 'ID["EPSG",4326]' in info


def test_csv_has_every_row_with_coordinates(client: TestClient, tmp_path: Path):
    path = fetch(client, "places.csv", tmp_path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert len(rows) == len(PLACES)
    by_id = {r["id"]: r for r in rows}
    for f in PLACES:
        assert [float(by_id[f["id"]]["X"]), float(by_id[f["id"]]["Y"])] == f["geometry"]["coordinates"]
    assert f"Feature Count: {len(PLACES)}" in ogrinfo("-so", str(path), "places")
    films = fetch(client, "films.csv", tmp_path).read_text(encoding="utf-8")
    assert "Rocky" in films and "location_count" in films.splitlines()[0]


def test_built_once_then_304_and_unknown_names_are_problems(client: TestClient, settings):
    first = client.get("/api/v1/downloads/tours.csv")
    built = list((settings.data_dir / "downloads").glob("*/tours.csv"))
    assert len(built) == 1
    mtime = built[0].stat().st_mtime_ns
    again = client.get("/api/v1/downloads/tours.csv", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/api/v1/downloads/tours.csv").content == first.content
    assert built[0].stat().st_mtime_ns == mtime  # read from disk, not rebuilt
    missing = client.get("/api/v1/downloads/tours.fgb")  # tours have no geometry: no FlatGeobuf
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/downloads/..%2Fsecret.csv").status_code in (404, 422)
