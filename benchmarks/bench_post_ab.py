"""A change to the route POST against the checkout before it, both served at once and asked in turn with
Valhalla's own route, request by request: on a shared host whose load moves from 3 to 9 within minutes, two
separate runs of bench_city/bench_montage differ by more (±3 ms) than most changes are worth.

  git worktree add /tmp/before HEAD~1   # or: git archive HEAD~1 | tar -x -C /tmp/before
  uv run --group bench python benchmarks/bench_post_ab.py --before /tmp/before [--rounds 300]

Two ``filmtour serve`` processes (this checkout and ``--before``, one worker each, the same tiles, each on its own
empty data directory, measured once /readyz answers) and the embedded actor take turns, in a rotating order, on
the cross-city A→B (Lambert St → Laurel Hill) and on the montage as seven points (bench_montage's montage_fresh),
from raw keep-alive clients. Reports per server: p50/p95/mean, the paired difference to Valhalla's time on the
same round, the paired difference between the two servers, and each server's CPU per request (psutil).
Writes benchmarks/results/post_ab.{json,md}."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
import psutil
import valhalla

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.config import Settings
from app.routing import planner
from app.routing.tiles import ensure_tiles
from benchmarks.bench_api import MONTAGE, RawClient, Serve, server_env, valhalla_request
from benchmarks.bench_routing import pct

RESULTS = ROOT / "benchmarks" / "results"
LAMBERT = planner.Stop(lat=39.922, lon=-75.1812, name="2313 S Lambert St")
LAUREL_HILL = planner.Stop(lat=40.0035, lon=-75.1882, name="Laurel Hill Cemetery")


def cases(url: str, settings: Settings) -> dict[str, tuple[dict, dict]]:
    """Each case's POST body and the Valhalla request the planner sends for it."""
    snap = settings.max_snap_distance_m
    with httpx.Client(base_url=url, timeout=60) as client:
        tour = client.post("/api/v1/routes", json=MONTAGE).json()
    stops = [
        planner.Stop(f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0], "s")
        for f in tour["features"]
        if f["properties"]["kind"] == "stop"
    ]
    montage_v = valhalla_request(stops, 6.0, snap)
    montage = {
        "stops": [{"lat": loc["lat"], "lon": loc["lon"]} for loc in montage_v["locations"]],
        "activity": "run",
        "pace_min_per_km": 6,
        "order": "as_given",
    }
    city = {
        "stops": [{"lat": s.lat, "lon": s.lon, "name": s.name} for s in (LAMBERT, LAUREL_HILL)],
        "activity": "walk",
        "order": "as_given",
    }
    city_v = valhalla_request([LAMBERT, LAUREL_HILL], planner.default_pace("walk"), snap)
    return {"cross_city": (city, city_v), "montage_fresh": (montage, montage_v)}


def measure(servers: dict[str, Serve], actor, body: dict, vreq: dict, rounds: int) -> dict:
    raws = {name: RawClient(s.url) for name, s in servers.items()}
    try:
        requests = {name: raw.encode("/api/v1/routes", body) for name, raw in raws.items()}
        for name, raw in raws.items():  # warm each server's actor on this request
            for _ in range(3):
                raw.send(requests[name])
        text = orjson.dumps(vreq).decode()
        procs = {name: psutil.Process(s.proc.pid) for name, s in servers.items()}
        cpu0 = {name: sum(p.cpu_times()[:2]) for name, p in procs.items()}
        ms: dict[str, list[float]] = {name: [] for name in [*raws, "valhalla"]}
        order = [*raws, "valhalla"]
        for i in range(rounds):
            turn = order[i % len(order) :] + order[: i % len(order)]  # who goes first rotates
            for step in turn if i % 2 == 0 else turn[::-1]:
                t = time.perf_counter()
                if step == "valhalla":
                    actor.route(text)
                else:
                    status, answer = raws[step].send(requests[step])
                    if status != 201:
                        raise RuntimeError(f"{step}: {status} {answer[:300]!r}")
                ms[step].append((time.perf_counter() - t) * 1000)
        cpu = {name: (sum(p.cpu_times()[:2]) - cpu0[name]) * 1000 / rounds for name, p in procs.items()}
    finally:
        for raw in raws.values():
            raw.sock.close()
    out: dict = {"valhalla_p50_ms": round(statistics.median(ms["valhalla"]), 2)}
    for name in raws:
        own = ms[name]
        out[name] = {
            "p50_ms": round(statistics.median(own), 2),
            "p95_ms": round(pct(own, 95), 2),
            "mean_ms": round(statistics.mean(own), 2),
            "paired_over_valhalla_p50_ms": round(
                statistics.median(a - v for a, v in zip(own, ms["valhalla"], strict=True)), 2
            ),
            "cpu_ms_per_request": round(cpu[name], 2),
        }
    out["after_minus_before_paired_p50_ms"] = round(
        statistics.median(a - b for a, b in zip(ms["after"], ms["before"], strict=True)), 2
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="a checkout of the commit to compare with")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="filmtour-bench-post-ab-"))
    settings = Settings(data_dir=work / "tiles-home")
    actor = valhalla.Actor(str(ensure_tiles(settings).config_path))
    servers: dict[str, Serve] = {}
    try:
        for name, checkout in (("before", args.before.resolve()), ("after", ROOT)):
            env = {
                **server_env(work / name, settings.tiles_dir),
                "FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false",
            }
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(work / f"pycache-{name}")
            (work / name).mkdir()
            servers[name] = Serve(env, work / f"{name}.log", checkout)
        for serve in servers.values():
            serve.wait_for("/readyz", timeout_s=300)
        result: dict = {"rounds": args.rounds, "cpus": os.cpu_count()}
        for case, (body, vreq) in cases(servers["after"].url, settings).items():
            result[case] = measure(servers, actor, body, vreq, args.rounds)
        result["load_average_1m"] = round(os.getloadavg()[0], 2)
    finally:
        for serve in servers.values():
            serve.stop()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "post_ab.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "post_ab.md").write_text(markdown(result))
    print(markdown(result))


def markdown(r: dict) -> str:
    rows = [
        f"`bench_post_ab.py`: {r['rounds']} rounds, {r['cpus']} CPUs, load average {r['load_average_1m']}.",
        "",
        "| case | server | p50 | p95 | mean | over Valhalla (paired p50) | CPU a request | after − before |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case in ("cross_city", "montage_fresh"):
        c = r[case]
        for name in ("before", "after"):
            s = c[name]
            rows.append(
                f"| {case} (Valhalla p50 {c['valhalla_p50_ms']} ms) | {name} | {s['p50_ms']} ms | {s['p95_ms']} ms "
                f"| {s['mean_ms']} ms | {s['paired_over_valhalla_p50_ms']:+} ms | {s['cpu_ms_per_request']} ms | "
                + (f"{c['after_minus_before_paired_p50_ms']:+} ms |" if name == "after" else " |")
            )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
