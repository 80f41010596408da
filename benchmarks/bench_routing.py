"""Routing benchmark, all in one run on the same extract (machines here are noisy: compare ratios, not
absolute numbers across runs).

  uv run --group bench python benchmarks/bench_routing.py [--pairs 200]

Measures
  1. embedded Valhalla, A→B between random walkable points of the tour area (p50/p95);
  2. the same pairs with the common Python approach: an OSMnx graph built from the same PBF and
     ``ox.routing.shortest_path`` (its nearest-node lookup timed separately) — the baseline;
  3. the full montage tour and a 12-stop optimized route through the planner;
  4. ``POST /api/v1/routes`` for the montage tour over HTTP against uvicorn on 127.0.0.1.
Writes benchmarks/results/routing.json and routing.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import osmium

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import itertools

from app.core.config import SHIPPED_EXTRACT, Settings
from app.routing.embedded import EmbeddedEngine
from app.routing.planner import Stop, plan_route
from app.routing.tiles import ensure_tiles

RESULTS = ROOT / "benchmarks" / "results"
# The dense, well-mapped middle of the tour area (Center City to the Art Museum and the Italian Market).
AREA = (-75.185, 39.932, -75.140, 39.968)
MONTAGE_IDS = [
    "italian-market",
    "kelly-drive-arched-bridge",
    "mighty-micks-gym",
    "penns-landing-moshulu",
    "art-museum-steps",
]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 50), 3),
        "p95_ms": round(pct(ms, 95), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
    }


def random_points(n: int, seed: int = 42) -> list[tuple[float, float]]:
    """Random nodes of walkable ways inside AREA (so both engines can snap them)."""
    pts: list[tuple[float, float]] = []

    class Nodes(osmium.SimpleHandler):
        def way(self, w):
            if w.tags.get("highway") in (
                "residential",
                "tertiary",
                "secondary",
                "primary",
                "footway",
                "pedestrian",
                "living_street",
                "unclassified",
            ):
                for nd in w.nodes:
                    if AREA[0] <= nd.lon <= AREA[2] and AREA[1] <= nd.lat <= AREA[3]:
                        pts.append((nd.lat, nd.lon))

    Nodes().apply_file(str(SHIPPED_EXTRACT), locations=True)
    rng = random.Random(seed)
    return rng.sample(pts, n)


def timed(fn, *args, **kw) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args, **kw)
    return (time.perf_counter() - start) * 1000, out


def bench_valhalla(
    engine: EmbeddedEngine, pairs: list[tuple[tuple[float, float], tuple[float, float]]]
) -> dict:
    plan_route(engine, [Stop(*pairs[0][0], "a"), Stop(*pairs[0][1], "b")])  # warm the thread's actor
    ms, dists = [], []
    for a, b in pairs:
        t, plan = timed(plan_route, engine, [Stop(*a, "a"), Stop(*b, "b")], max_snap_distance_m=500)
        ms.append(t)
        dists.append(plan.distance_m)
    return {**summary(ms), "mean_distance_m": round(statistics.fmean(dists), 1)}


def bench_valhalla_route_only(
    engine: EmbeddedEngine, pairs: list[tuple[tuple[float, float], tuple[float, float]]]
) -> dict:
    """One ``engine.route`` call per pair, no snapping check: the like-for-like match for OSMnx's path search."""
    ms = []
    for a, b in pairs:
        req = {"locations": [{"lat": a[0], "lon": a[1]}, {"lat": b[0], "lon": b[1]}], "costing": "pedestrian"}
        ms.append(timed(engine.route, req)[0])
    return summary(ms)


def bench_osmnx(pairs: list[tuple[tuple[float, float], tuple[float, float]]]) -> dict:
    import osmnx as ox

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "tour.osm"
        with osmium.SimpleWriter(str(xml)) as writer:  # OSMnx reads OSM XML, not PBF
            for obj in osmium.FileProcessor(str(SHIPPED_EXTRACT)):
                writer.add(obj)
        t_build, graph = timed(
            ox.graph_from_xml, str(xml), bidirectional=True, simplify=True, retain_all=False
        )
    lats = [p[0] for pair in pairs for p in pair]
    lons = [p[1] for pair in pairs for p in pair]
    t_nearest, nodes = timed(ox.distance.nearest_nodes, graph, lons, lats)
    ms, dists = [], []
    for i in range(len(pairs)):
        orig, dest = nodes[2 * i], nodes[2 * i + 1]
        t, path = timed(ox.routing.shortest_path, graph, orig, dest, weight="length")
        ms.append(t)
        if path:
            dists.append(sum(graph.edges[u, v, 0]["length"] for u, v in itertools.pairwise(path)))
    return {
        **summary(ms),
        "graph_build_s": round(t_build / 1000, 2),
        "nearest_nodes_ms_per_point": round(t_nearest / len(lats), 3),
        "mean_distance_m": round(statistics.fmean(dists), 1) if dists else None,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
    }


def montage_stops() -> list[Stop]:
    doc = json.loads((ROOT / "data" / "locations.geojson").read_text())
    by_id = {f["id"]: f for f in doc["features"]}
    return [
        Stop(by_id[i]["geometry"]["coordinates"][1], by_id[i]["geometry"]["coordinates"][0], i, i)
        for i in MONTAGE_IDS
    ]


def bench_tours(engine: EmbeddedEngine, points: list[tuple[float, float]], repeats: int) -> dict:
    montage = montage_stops()
    tour_ms = [timed(plan_route, engine, montage, pace_min_per_km=6)[0] for _ in range(repeats)]
    twelve = [Stop(lat, lon, f"p{i}") for i, (lat, lon) in enumerate(points[:12])]
    opt_ms = [
        timed(plan_route, engine, twelve, order="optimized", max_snap_distance_m=500)[0]
        for _ in range(max(5, repeats // 4))
    ]
    return {"montage_tour": summary(tour_ms), "optimized_12_stops": summary(opt_ms)}


def bench_http(settings_dir: Path, tiles_dir: Path, repeats: int) -> dict:
    import httpx

    sys.path.insert(0, str(ROOT))
    from tests.support.live import live_app

    settings_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "FILMTOUR_DATA_DIR": str(settings_dir),
        "FILMTOUR_VALHALLA_TILES_DIR": str(tiles_dir),
        "FILMTOUR_RATE_LIMIT_ROUTES_PER_MINUTE": "0",
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    body = {"tour": "rocky-1976-montage", "activity": "run", "pace_min_per_km": 6}
    with live_app(env, settings_dir) as app, httpx.Client(base_url=app.url, timeout=30) as client:
        for _ in range(5):
            client.post("/api/v1/routes", json=body)
        post_ms = [timed(client.post, "/api/v1/routes", json=body)[0] for _ in range(repeats)]
        get_ms = [timed(client.get, "/api/v1/locations")[0] for _ in range(repeats)]
    return {"post_route_montage": summary(post_ms), "get_locations": summary(get_ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="filmtour-bench-"))
    settings = Settings(data_dir=work)
    t_tiles, tiles = timed(ensure_tiles, settings)
    engine = EmbeddedEngine(tiles.config_path)
    points = random_points(args.pairs * 2)
    pairs = list(zip(points[0::2], points[1::2]))

    valhalla = bench_valhalla(engine, pairs)
    baseline = bench_osmnx(pairs)
    tours = bench_tours(engine, points, args.repeats)
    route_only = bench_valhalla_route_only(engine, pairs)
    http = bench_http(work / "http", settings.tiles_dir, args.repeats)
    result = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": __import__("os").cpu_count(),
        },
        "tile_build_s": round(t_tiles / 1000, 2),
        "a_to_b": {
            "valhalla_embedded": valhalla,
            "osmnx_baseline": baseline,
            "valhalla_route_only": route_only,
            "speedup_p50": round(baseline["p50_ms"] / valhalla["p50_ms"], 2),
            "speedup_p50_route_only": round(baseline["p50_ms"] / route_only["p50_ms"], 2),
            "speedup_mean": round(baseline["mean_ms"] / valhalla["mean_ms"], 2),
        },
        **tours,
        "http": http,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "routing.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "routing.md").write_text(markdown(result))
    print(markdown(result))
    shutil.rmtree(work, ignore_errors=True)  # the tiles and the HTTP run's database


def markdown(r: dict) -> str:
    ab = r["a_to_b"]
    rows = [
        ("A→B, embedded Valhalla (planner, incl. snapping check)", ab["valhalla_embedded"]),
        ("A→B, embedded Valhalla engine.route only", ab["valhalla_route_only"]),
        ("A→B, OSMnx shortest_path (baseline, path search only)", ab["osmnx_baseline"]),
        ("Full montage tour (5 stops), embedded", r["montage_tour"]),
        ("12-stop optimized route, embedded", r["optimized_12_stops"]),
        ("POST /api/v1/routes montage tour over HTTP", r["http"]["post_route_montage"]),
        ("GET /api/v1/locations over HTTP", r["http"]["get_locations"]),
    ]
    out = ["| measurement | n | p50 ms | p95 ms |", "|---|---|---|---|"]
    out += [f"| {name} | {s['n']} | {s['p50_ms']} | {s['p95_ms']} |" for name, s in rows]
    out += [
        "",
        (
            f"OSMnx / Valhalla p50 ratio: **{ab['speedup_p50']}×** with our planner (mean {ab['speedup_mean']}×), "
            f"**{ab['speedup_p50_route_only']}×** against engine.route alone; mean distance "
            f"{ab['valhalla_embedded']['mean_distance_m']} m (Valhalla) vs {ab['osmnx_baseline']['mean_distance_m']} m "
            "(OSMnx); "
            f"OSMnx graph build {ab['osmnx_baseline']['graph_build_s']} s, nearest-node lookup "
            f"{ab['osmnx_baseline']['nearest_nodes_ms_per_point']} ms/point (not in its p50); "
            f"Valhalla tile build {r['tile_build_s']} s."
        ),
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    main()
