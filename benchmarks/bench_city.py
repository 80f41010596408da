"""The whole-city walking network: its size, its tile build, a first start with an empty cache, a cross-city
A→B over HTTP against Valhalla's own time in the same run, and the memory of the worker.

  uv run --group bench python benchmarks/bench_city.py [--rounds 40]

Measures (everything on 127.0.0.1; every process it starts is stopped before it exits):
  1. the shipped network (data/osm/philadelphia_walk.osm.pbf): nodes, ways, km (WGS84 geodesic), named share;
  2. Valhalla's tile build for it and, in the same run, for the old tour-area extract (the baseline);
  3. ``filmtour serve`` (one worker) started on an empty data directory and empty tile and basemap caches: time to
     the first 200 on /readyz (the start builds the tiles and the basemap first);
  4. cross-city A→B, the Lambert Street house → Laurel Hill Cemetery (about 11 km on foot), ``POST
     /api/v1/routes`` timed alternately with the embedded Valhalla actor answering the same request JSON (the
     planner's own request: benchmarks/bench_api.py's side_by_side);
  5. the worker's resident memory after those routes, after routing to every visitable place, and after
     ``--clients`` (8) clients route at once for ``--busy-s`` (15) seconds (the most the worker held, sampled
     every 0.25 s): what a worker holds when many threads route, not only one.
Writes benchmarks/results/city.json and city.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import osmium
import psutil
import valhalla
from pyproj import Geod

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.config import SHIPPED_EXTRACT, SHIPPED_NETWORK, Settings
from app.routing import planner
from app.routing.tiles import ensure_tiles
from benchmarks.bench_api import Serve, server_env, side_by_side, valhalla_request

RESULTS = ROOT / "benchmarks" / "results"
LAMBERT = planner.Stop(lat=39.922, lon=-75.1812, name="2313 S Lambert St")
LAUREL_HILL = planner.Stop(lat=40.0035, lon=-75.1882, name="Laurel Hill Cemetery")
# A short downtown A→B in the same run: what the fixed cost of our HTTP, planning and saving is on this machine.
CITY_HALL = planner.Stop(lat=39.9524, lon=-75.1636, name="City Hall")
MARKET = planner.Stop(lat=39.9533, lon=-75.1592, name="Reading Terminal Market")


def network_size(pbf: Path) -> dict:
    geod = Geod(ellps="WGS84")
    nodes = ways = 0
    km = named_km = 0.0
    for obj in osmium.FileProcessor(str(pbf)).with_locations():
        if obj.is_node():
            nodes += 1
        elif obj.is_way():
            ways += 1
            lons = [n.lon for n in obj.nodes]
            lats = [n.lat for n in obj.nodes]
            length = geod.line_length(lons, lats) / 1000
            km += length
            named_km += length if "name" in obj.tags else 0.0
    return {
        "file_mb": round(pbf.stat().st_size / 1e6, 2),
        "nodes": nodes,
        "ways": ways,
        "km": round(km, 1),
        "named_share": round(named_km / km, 3),
    }


def tile_build_s(pbf: Path, work: Path) -> tuple[float, float]:
    settings = Settings(data_dir=work, valhalla_tiles_dir=work / "tiles")
    t = time.perf_counter()
    tiles = ensure_tiles(settings, pbf=pbf)
    return round(time.perf_counter() - t, 2), round(tiles.extract.stat().st_size / 1e6, 1)


def rss_mb(proc: psutil.Process) -> dict[str, float]:
    """Resident memory of the server process and each child (the worker is the process itself with one)."""
    procs = [proc, *proc.children(recursive=True)]
    return {f"{p.pid}": round(p.memory_info().rss / 1e6, 1) for p in procs if p.is_running()}


def busy_rss(url: str, proc: psutil.Process, ids: list[str], clients: int, seconds: float) -> dict:
    """``clients`` threads each POSTing routes (unsaved) to the visitable places in turn for ``seconds``: the
    worker's peak and final RSS, and how many answers of each status."""
    stop = time.monotonic() + seconds
    codes: dict[int, int] = {}
    lock = threading.Lock()

    def client(k: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            i = k
            while time.monotonic() < stop:
                body = {"stops": ["city-hall", ids[i % len(ids)]], "activity": "walk", "save": False}
                status = c.post("/api/v1/routes", json=body).status_code
                with lock:
                    codes[status] = codes.get(status, 0) + 1
                i += clients

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    peak = 0.0
    while any(t.is_alive() for t in threads):
        peak = max(peak, *rss_mb(proc).values())
        time.sleep(0.25)
    return {
        "clients": clients,
        "seconds": seconds,
        "peak_mb": peak,
        "end_mb": max(rss_mb(proc).values()),
        "codes": codes,
    }


def visitable_ids() -> list[str]:
    features = json.loads((ROOT / "data" / "locations.geojson").read_text())["features"]
    return [
        f["id"]
        for f in features
        if f["properties"]["in_philadelphia"]
        and f["properties"]["visitable"] in ("public", "view_from_street")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="cross-city A→B requests (each side)")
    parser.add_argument("--clients", type=int, default=8, help="clients routing at once for the memory check")
    parser.add_argument("--busy-s", type=float, default=15.0, help="how long they route")
    args = parser.parse_args()
    started = time.perf_counter()
    out: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    out["network"] = network_size(SHIPPED_NETWORK)
    with tempfile.TemporaryDirectory(prefix="bench-city-") as tmp:
        work = Path(tmp)
        city_s, city_mb = tile_build_s(SHIPPED_NETWORK, work / "city")
        old_s, old_mb = tile_build_s(SHIPPED_EXTRACT, work / "old")
        out["tiles"] = {
            "city_s": city_s,
            "city_tar_mb": city_mb,
            "tour_area_s": old_s,
            "tour_area_tar_mb": old_mb,
        }

        env = server_env(work / "serve", work / "serve-tiles")
        env["FILMTOUR_BASEMAP_DIR"] = str(work / "serve-basemap")
        with Serve(env, work / "serve.log") as serve:
            first_start = serve.wait_for("/readyz", timeout_s=300)
            settings = Settings(data_dir=work / "serve", valhalla_tiles_dir=work / "serve-tiles")
            actor = valhalla.Actor(str(ensure_tiles(settings).config_path))  # the server's own tiles
            pace = planner.default_pace("walk")

            def case(a: planner.Stop, b: planner.Stop) -> tuple[dict, dict, str]:
                body = {
                    "stops": [{"lat": s.lat, "lon": s.lon, "name": s.name} for s in (a, b)],
                    "activity": "walk",
                    "order": "as_given",
                }
                return body, valhalla_request([a, b], pace, settings.max_snap_distance_m), "route"

            cross, short = case(LAMBERT, LAUREL_HILL), case(CITY_HALL, MARKET)
            with httpx.Client(base_url=serve.url, timeout=60) as client:
                answer = client.post("/api/v1/routes", json=cross[0]).json()
                ab = side_by_side(client, actor, [cross], args.rounds)
                out["short_a_to_b"] = side_by_side(client, actor, [short], args.rounds)
                proc = psutil.Process(serve.proc.pid)
                rss_after_ab = rss_mb(proc)
                for place in visitable_ids():
                    client.post("/api/v1/routes", json={"stops": ["city-hall", place], "activity": "walk"})
                rss_after_all = rss_mb(proc)
                busy = busy_rss(serve.url, proc, visitable_ids(), args.clients, args.busy_s)
        out["first_start_readyz_s"] = round(first_start, 2)
        out["cross_city_a_to_b"] = {"distance_m": answer["properties"]["distance_m"], **ab}
        out["rss_mb"] = {"after_a_to_b": rss_after_ab, "after_every_place": rss_after_all, "busy": busy}
    out["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "city.json").write_text(json.dumps(out, indent=1) + "\n")
    (RESULTS / "city.md").write_text(markdown(out))
    print(markdown(out))


def markdown(r: dict) -> str:
    n, t, ab, sh = r["network"], r["tiles"], r["cross_city_a_to_b"], r["short_a_to_b"]
    worst_rss = max(r["rss_mb"]["after_every_place"].values())
    busy = r["rss_mb"]["busy"]
    diff = ab["api_minus_valhalla_p50_ms"]
    first = r["first_start_readyz_s"]
    rows = [
        (
            f"One run of `benchmarks/bench_city.py` ({r['machine']['cpus']} CPUs, Python "
            f"{r['machine']['python']}, {r['seconds']} s); ratios compare numbers measured in this run."
        ),
        "",
        "| measurement | value | reference | target | |",
        "|---|---|---|---|---|",
        (
            f"| network (data/osm/philadelphia_walk.osm.pbf) | {n['nodes']:,} nodes, {n['ways']:,} ways, "
            f"{n['km']:,} km, {n['named_share']:.1%} named, {n['file_mb']} MB | | a few MB | |"
        ),
        (
            f"| tile build | {t['city_s']} s (tiles.tar {t['city_tar_mb']} MB) | tour-area extract "
            f"{t['tour_area_s']} s ({t['tour_area_tar_mb']} MB) | | |"
        ),
        (
            f"| first start, empty caches → /readyz | {first} s | (tiles + basemap built) | ≤ 60 s | "
            f"{'met' if first <= 60 else 'NOT met'} |"
        ),
        (
            f"| cross-city A→B POST p50 (Lambert St → Laurel Hill, {ab['distance_m'] / 1000:.1f} km, "
            f"n={ab['api']['n']}) | {ab['api']['p50_ms']} ms | Valhalla route {ab['valhalla']['p50_ms']} ms; "
            f"request by request the median difference is {ab['paired_difference_p50_ms']:+} ms | ≤ +5 ms | "
            f"{'met' if diff <= 5 else 'NOT met'} ({diff:+} ms) |"
        ),
        (
            f"| short A→B POST p50 (City Hall → Reading Terminal, for reference) | {sh['api']['p50_ms']} ms | "
            f"Valhalla route {sh['valhalla']['p50_ms']} ms; paired median difference "
            f"{sh['paired_difference_p50_ms']:+} ms | | ({sh['api_minus_valhalla_p50_ms']:+} ms) |"
        ),
        (
            f"| worker RSS after every visitable place | {worst_rss} MB | after the A→B runs "
            f"{max(r['rss_mb']['after_a_to_b'].values())} MB | ≤ 350 MB | "
            f"{'met' if worst_rss <= 350 else 'NOT met'} |"
        ),
        (
            f"| worker RSS, {busy['clients']} clients routing at once for {busy['seconds']:g} s | peak "
            f"{busy['peak_mb']} MB, {busy['end_mb']} MB at the end | answers {busy['codes']} | ≤ 350 MB | "
            f"{'met' if busy['peak_mb'] <= 350 else 'NOT met'} |"
        ),
        "",
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    main()
