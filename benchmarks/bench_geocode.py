"""The offline geocoder on its independent test set (tests/data/geocoder_testset.csv), in ONE run:

  uv run --group bench python benchmarks/bench_geocode.py [--repeats 20]

Measures
  1. accuracy: the distance from each query's first candidate to its independent coordinates (median, 95th
     percentile, worst; per kind);
  2. time per query: our whole search (parse, cross streets, landmarks, places, interpolation, ranking) against
     the City's parser alone (``passyunk``'s ``parse`` of the same text), timed alternately in one loop so both
     see the same machine: the ratio says what our part costs on top of the parser;
  3. building the index in a fresh process (import, the City's parser, 40,000 segments, 24,000 cross streets)
     and the memory it adds to a process that has imported the app (RSS after, less RSS before).
Writes benchmarks/results/geocode.json and geocode.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geopy.distance import distance

from app.city import addresses
from app.core.config import SHIPPED_DATA
from app.services.geocode import city_geocoder
from tests.test_geocoder_testset import percentile, read_testset

RESULTS = ROOT / "benchmarks" / "results"

# A server worker's modules first (app.main), then the index alone is timed and weighed.
COLD_BUILD = """
import gc, json, time, psutil
import app.main
from app.services.geocode import city_geocoder
from app.core.config import SHIPPED_DATA
proc = psutil.Process()
gc.collect()
before = proc.memory_info().rss
t0 = time.perf_counter()
geo = city_geocoder(SHIPPED_DATA / "locations.geojson")
built = time.perf_counter() - t0
geo.search("2313 S Lambert St")
print(json.dumps({"build_s": built, "rss_before_mb": before / 2**20, "rss_after_mb": proc.memory_info().rss / 2**20}))
"""


def cold_build() -> dict:
    out = subprocess.run(
        [sys.executable, "-c", COLD_BUILD], cwd=ROOT, capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values), 3),
        "p95_ms": round(percentile(values, 0.95), 3),
        "max_ms": round(max(values), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=20, help="timed runs of each query (default 20)")
    args = parser.parse_args()

    build = cold_build()
    geo = city_geocoder(SHIPPED_DATA / "locations.geojson")
    rows = read_testset()

    errors: dict[str, list[float]] = {}
    worst: list[tuple[float, str]] = []
    ours: list[float] = []
    parser_only: list[float] = []
    for _ in range(args.repeats):
        for row in rows:
            t0 = time.perf_counter()
            geo.search(row["query"])
            ours.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            addresses.parse(row["query"])
            parser_only.append((time.perf_counter() - t0) * 1000)
    for row in rows:
        top = geo.search(row["query"]).candidates[0]
        error = distance((float(row["lat"]), float(row["lon"])), (top.lat, top.lon)).m
        errors.setdefault(row["kind"], []).append(error)
        worst.append((error, row["query"]))
    every = [e for v in errors.values() for e in v]
    result = {
        "queries": len(rows),
        "repeats": args.repeats,
        "error_m": {
            "median": round(statistics.median(every), 1),
            "p95": round(percentile(every, 0.95), 1),
            "max": round(max(every), 1),
            "by_kind": {
                k: {"n": len(v), "median": round(statistics.median(v), 1)} for k, v in errors.items()
            },
            "worst": [{"query": q, "error_m": round(e, 1)} for e, q in sorted(worst, reverse=True)[:5]],
        },
        "time": {
            "search": ms(ours),
            "passyunk_parse_alone": ms(parser_only),
            "ratio_p50": round(statistics.median(ours) / statistics.median(parser_only), 2),
        },
        "index": {
            "build_s": round(build["build_s"], 2),
            "rss_added_mb": round(build["rss_after_mb"] - build["rss_before_mb"], 1),
            "rss_after_mb": round(build["rss_after_mb"], 1),
        },
        "python": sys.version.split()[0],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "geocode.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    t, e, i = result["time"], result["error_m"], result["index"]
    lines = [
        "# Offline geocoder on its independent test set",
        "",
        (
            f"{len(rows)} queries (tests/data/geocoder_testset.csv), each timed {args.repeats} times; "
            "`uv run --group bench python benchmarks/bench_geocode.py`."
        ),
        "",
        "| measure | value |",
        "|---|---|",
        f"| error median / p95 / worst | {e['median']} m / {e['p95']} m / {e['max']} m |",
        *(f"| error median, {k} (n={v['n']}) | {v['median']} m |" for k, v in e["by_kind"].items()),
        f"| search p50 / p95 | {t['search']['p50_ms']} ms / {t['search']['p95_ms']} ms |",
        (
            f"| passyunk parse alone p50 / p95 | {t['passyunk_parse_alone']['p50_ms']} ms / "
            f"{t['passyunk_parse_alone']['p95_ms']} ms |"
        ),
        f"| search ÷ parser alone (p50) | {t['ratio_p50']} |",
        f"| index build, fresh process (app imported) | {i['build_s']} s |",
        f"| memory the index adds (RSS) | {i['rss_added_mb']} MB (process {i['rss_after_mb']} MB) |",
        "",
        "Worst five: " + "; ".join(f"{w['query']} {w['error_m']} m" for w in e["worst"]),
        "",
    ]
    (RESULTS / "geocode.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
