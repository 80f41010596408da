"""Building folium maps: the montage tour and the whole atlas (every place), against plain folium drawing the
same line and points with its default markers and no popups (the baseline, same run).

    uv run python benchmarks/bench_folium.py [--rounds 20]

Writes benchmarks/results/folium.{json,md}. The documents are made once (the route planned, the places read)
before the clock starts: what is timed is building the map and rendering its HTML, what a notebook user or
`filmtour map` waits for beyond the data."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import folium
from fastapi.testclient import TestClient

import app.folium_maps as fm
from app.core.config import PROJECT_ROOT, Settings
from app.main import create_app

RESULTS = Path(__file__).parent / "results"


def p50_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def plain_folium(points: list[tuple[float, float]], line: list[tuple[float, float]]) -> str:
    m = folium.Map(location=(39.95, -75.16), zoom_start=13, tiles=None)
    if line:
        folium.PolyLine(line).add_to(m)
    for p in points:
        folium.Marker(p).add_to(m)
    return m.get_root().render()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="bench-folium-"))
    settings = Settings(data_dir=data, locations_file=PROJECT_ROOT / "data" / "locations.geojson")
    with TestClient(create_app(settings)) as client:
        montage = client.get("/api/v1/tours/rocky-1976-montage", params={"workout": "beginner"}).json()
        atlas = client.get("/api/v1/locations", params={"limit": 500}).json()["features"]
    line = [
        (lat, lon)
        for f in montage["features"]
        if f["properties"]["kind"] == "route"
        for lon, lat in f["geometry"]["coordinates"]
    ]
    stops = [
        (f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0])
        for f in montage["features"]
        if f["properties"]["kind"] == "stop"
    ]
    places = [(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]) for f in atlas]

    rows = {
        "montage tour map": (
            lambda: fm.route_map(montage).get_root().render(),
            lambda: plain_folium(stops, line),
        ),
        f"atlas map ({len(atlas)} places)": (
            lambda: fm.places_map(atlas).get_root().render(),
            lambda: plain_folium(places, []),
        ),
    }
    results = {}
    for name, (ours, base) in rows.items():
        ours_ms, base_ms = p50_ms(ours, args.rounds), p50_ms(base, args.rounds)
        results[name] = {
            "ours_p50_ms": round(ours_ms, 1),
            "plain_folium_p50_ms": round(base_ms, 1),
            "ratio": round(ours_ms / base_ms, 2),
        }
    size = len(fm.route_map(montage, self_contained=True).get_root().render().encode())
    results["self-contained montage file"] = {"bytes": size}
    RESULTS.mkdir(exist_ok=True)
    meta = {"python": platform.python_version(), "folium": folium.__version__, "rounds": args.rounds}
    (RESULTS / "folium.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    lines = ["| map | ours p50 | plain folium p50 | ratio |", "|---|---|---|---|"]
    for name, r in results.items():
        if "ratio" in r:
            lines.append(
                f"| {name} | {r['ours_p50_ms']} ms | {r['plain_folium_p50_ms']} ms | {r['ratio']}x |"
            )
    lines.append(f"\nself-contained montage file: {size / 1024:.0f} KB")
    (RESULTS / "folium.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
