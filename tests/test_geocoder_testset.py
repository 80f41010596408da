"""The offline geocoder against tests/data/geocoder_testset.csv: addresses, cross streets and landmarks all over
the city with coordinates from sources independent of the City's files and of our dataset (OpenStreetMap,
Wikipedia, one GPS reading; see the file's header). The issue's budget: median error ≤ 60 m, 95th percentile
≤ 150 m, median time ≤ 5 ms a query. benchmarks/bench_geocode.py measures the same set with more repeats."""

from __future__ import annotations

import csv
import statistics
import time
from pathlib import Path

import pytest
from geopy.distance import distance

from app.services.geocode import city_geocoder
from tests.conftest import REAL_LOCATIONS

TESTSET = Path(__file__).parent / "data" / "geocoder_testset.csv"


def read_testset(path: Path = TESTSET) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@pytest.fixture(scope="module")
def results():
    geo = city_geocoder(REAL_LOCATIONS)  # built before timing: the budget is per query
    out = []
    for row in read_testset():
        t0 = time.perf_counter()
        lookup = geo.search(row["query"])
        took_ms = (time.perf_counter() - t0) * 1000
        top = lookup.candidates[0] if lookup.candidates else None
        error = (
            distance((float(row["lat"]), float(row["lon"])), (top.lat, top.lon)).m if top else float("inf")
        )
        out.append((row, top, error, took_ms))
    return out


def test_the_set_covers_the_city():
    rows = read_testset()
    assert len(rows) >= 30
    assert {r["kind"] for r in rows} == {"address", "intersection", "landmark"}
    assert len({r["area"] for r in rows}) >= 15
    lats = [float(r["lat"]) for r in rows]
    assert max(lats) - min(lats) > 0.1  # South Philadelphia to Germantown and Roxborough, not only downtown


def test_every_query_finds_its_kind(results):
    for row, top, _, _ in results:
        assert top is not None, row["query"]
        assert top.kind == row["kind"], (row["query"], top)


def test_accuracy_within_the_budget(results):
    errors = [error for _, _, error, _ in results]
    assert statistics.median(errors) <= 60, sorted(errors)
    assert percentile(errors, 0.95) <= 150, sorted(errors)


def test_median_time_within_the_budget(results):
    assert statistics.median(took for *_, took in results) <= 5.0
