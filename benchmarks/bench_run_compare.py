"""POST /api/v1/runs/compare on a 30 km run: the montage tour (29.8 km) as a synthetic GPX at one point a
second (its planned 6:00/km, ~10,700 points) and one every 10 m, against planning the same 30 km route
(POST /api/v1/routes with the tour's stops, save: false: one Valhalla route, same run) as the baseline.

    uv run python benchmarks/bench_run_compare.py [--data DIR] [--rounds 5]

Writes benchmarks/results/run-compare.{json,md}. In-process (TestClient, embedded Valhalla)."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.config import PROJECT_ROOT, Settings
from app.main import create_app
from tests.run_tracks import track_along

RESULTS = Path(__file__).parent / "results"
TOUR = "rocky-1976-montage"
GPX = {"Content-Type": "application/gpx+xml"}


def timed(call, rounds: int) -> dict:
    ms = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        resp = call()
        ms.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code in (200, 201), resp.text
    return {"p50_ms": round(statistics.median(ms), 1), "max_ms": round(max(ms), 1), "n": rounds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=None, help="data dir (routing tiles are built there once)"
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="bench-run-compare-"))
    settings = Settings(
        data_dir=data,
        locations_file=PROJECT_ROOT / "data" / "locations.geojson",
        geocoder_url="http://127.0.0.1:9",
        rate_limit_routes_per_minute=100000,
        max_saved_routes_per_client=0,
    )
    with TestClient(create_app(settings)) as client:
        fc = client.get(f"/api/v1/tours/{TOUR}").json()
        stops = [f["properties"]["location_id"] for f in fc["features"] if f["properties"]["kind"] == "stop"]
        plan = {"stops": stops, "order": "as_given", "activity": "run", "save": False}
        baseline = timed(lambda: client.post("/api/v1/routes", json=plan), args.rounds)
        out = {"route_m": fc["properties"]["distance_m"], "baseline_plan_30km": baseline, "compare": {}}
        step_1s = 1000 / 360  # 6:00/km: one point a second
        for label, step in (("1 point/s", step_1s), ("1 point/10 m", 10.0)):
            gpx = track_along(fc, pace_min_per_km=6.0, step_m=step)
            res = timed(
                lambda g=gpx: client.post(
                    "/api/v1/runs/compare", params={"tour": TOUR}, content=g, headers=GPX
                ),
                args.rounds,
            )
            res["points"] = gpx.count("<trkpt")
            res["gpx_bytes"] = len(gpx.encode())
            res["ratio_to_baseline"] = round(res["p50_ms"] / baseline["p50_ms"], 2)
            out["compare"][label] = res
    out["machine"] = {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "run-compare.json").write_text(json.dumps(out, indent=2))
    lines = [
        "# POST /api/v1/runs/compare, 30 km (the montage tour, 29.8 km)",
        "",
        f"Baseline, planning the same route (save: false): p50 {baseline['p50_ms']} ms.",
        "",
        "| track | points | GPX bytes | p50 ms | max ms | × baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, r in out["compare"].items():
        lines.append(
            f"| {label} | {r['points']} | {r['gpx_bytes']} | {r['p50_ms']} | {r['max_ms']} | {r['ratio_to_baseline']} |"
        )
    (RESULTS / "run-compare.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
