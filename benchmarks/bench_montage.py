"""The montage planned afresh over HTTP against Valhalla's own time (issue item 5): the seven montage places
as a plain stop list (not a ready-made tour, so nothing is cached), POSTed from the raw keep-alive client of
bench_api, alternating with Valhalla's own ``route`` on the same request and with a bare FastAPI app sending
the same answer (the HTTP floor). Also the A→B and 12-stop optimized rows bench_api measures with them.

Run: ``uv run --group bench python benchmarks/bench_montage.py [--rounds 60]``; writes
benchmarks/results/montage.{json,md}. The servers run with compiled bytecode, as an install has."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path

import valhalla

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.config import Settings
from app.routing.tiles import ensure_tiles
from benchmarks.bench_api import Serve, bench_routes, random_points, server_env

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="filmtour-bench-montage-"))
    settings = Settings(data_dir=work / "tiles-home")
    tiles = ensure_tiles(settings)
    actor = valhalla.Actor(str(tiles.config_path))
    random.seed(7)
    points = random_points(72, seed=7)
    env = {**server_env(work / "data", settings.tiles_dir), "FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    (work / "data").mkdir()
    with Serve(env, work / "serve.log") as srv:
        # Ready: the offline geocoder's index is built (it is built in the background, competing with requests).
        srv.wait_for("/readyz", timeout_s=300)
        routes = bench_routes(srv.url, actor, settings, points, args.rounds, work)
    fresh = routes["montage_fresh"]
    result = {**routes, "load_average_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "montage.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = [
        "| measurement | ours p50 | Valhalla p50 | difference | request by request | target |",
        "|---|---|---|---|---|---|",
    ]
    for name, label, target in (
        ("montage_fresh", "montage as 7 points, planned afresh", "≤ +5 ms"),
        ("montage", "montage tour (its plan cached)", ""),
        ("a_to_b", "A→B", "≤ +5 ms"),
        ("optimized_12", "12 stops optimized", "≤ 1.2×"),
    ):
        r = routes[name]
        floor = f" (HTTP floor {r['bare_fastapi']['p50_ms']} ms)" if "bare_fastapi" in r else ""
        rows.append(
            f"| {label} | {r['api']['p50_ms']} ms{floor} | {r['valhalla']['p50_ms']} ms | "
            f"{r['api_minus_valhalla_p50_ms']:+} ms ({r['api_over_valhalla_p50']}×) | "
            f"{r['paired_difference_p50_ms']:+} ms | {target} |"
        )
    rows.append(f"| host | {result['cpus']} CPUs, load average {result['load_average_1m']} | | | | |")
    (RESULTS / "montage.md").write_text("\n".join(rows) + "\n")
    print(
        "\n".join(rows),
        f"\nmontage afresh: ours beyond Valhalla and the HTTP floor {fresh.get('own_beyond_http_p50_ms')} ms",
    )


if __name__ == "__main__":
    main()
