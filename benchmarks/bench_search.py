"""Full-text search latency: p50/p95 of GET /api/v1/locations?q=... against the same app's unfiltered
GET /api/v1/locations (the baseline, same run), on SQLite FTS5 (and PostgreSQL when --postgres-url is given).

    uv run python benchmarks/bench_search.py [--data DIR] [--rounds 200] [--postgres-url URL]

Writes benchmarks/results/search.{json,md}. In-process (TestClient), so it measures the app and the database,
not the network."""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.api.state import app_state
from app.core.config import PROJECT_ROOT, Settings
from app.db import search as fts
from app.main import create_app

RESULTS = Path(__file__).parent / "results"
QUERIES = [
    "steps",
    "rocky",
    "museum steps",
    "market",
    "creed",
    "station",
    "run",
    "philadelphia",
    "gym",
    "city hall",
]


def timed(client: TestClient, params: dict, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        resp = client.get("/api/v1/locations", params=params)
        out.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, resp.text
    return out


def stats(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[int(len(ms) * 0.95) - 1], 3),
        "n": len(ms),
    }


def run(database_url: str | None, data: Path, rounds: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            database_url=database_url,
            locations_file=data / "locations.geojson",
            build_tiles_on_startup=False,
        )
        with TestClient(create_app(settings)) as c:
            places = c.get("/api/v1/locations", params={"limit": 500}).json()["numberMatched"]
            timed(c, {"q": "warm"}, 20)
            search_ms = [t for q in QUERIES for t in timed(c, {"q": q}, max(1, rounds // len(QUERIES)))]
            baseline = timed(c, {"limit": 500}, max(1, rounds // len(QUERIES)) * len(QUERIES))
            hits = {q: c.get("/api/v1/locations", params={"q": q}).json()["numberMatched"] for q in QUERIES}
            backend = app_state(c.app).db_engine.dialect.name
            engine_only = []
            with Session(app_state(c.app).db_engine) as session:
                for q in QUERIES * max(1, rounds // len(QUERIES)):
                    t0 = time.perf_counter()
                    fts.search(session, fts.terms(q))
                    engine_only.append((time.perf_counter() - t0) * 1000)
    s, b = stats(search_ms), stats(baseline)
    return {
        "backend": backend,
        "places": places,
        "search": s,
        "baseline_all_locations": b,
        "search_query_only": stats(engine_only),
        "ratio_p50": round(s["p50_ms"] / b["p50_ms"], 3),
        "hits": hits,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=PROJECT_ROOT / "data")
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--postgres-url", default=None)
    args = ap.parse_args()
    rows = [run(None, args.data, args.rounds)]
    if args.postgres_url:
        rows.append(run(args.postgres_url, args.data, args.rounds))
    doc = {
        "host": platform.node(),
        "python": platform.python_version(),
        "data": str(args.data),
        "runs": rows,
        "queries": QUERIES,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search.json").write_text(json.dumps(doc, indent=2) + "\n")
    header = "| backend | places | search p50 (ms) | search p95 | all-locations p50 (baseline) | ratio | query only p50 |"
    lines = [header, "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['backend']} | {r['places']} | {r['search']['p50_ms']} | {r['search']['p95_ms']} | "
            f"{r['baseline_all_locations']['p50_ms']} | {r['ratio_p50']} | {r['search_query_only']['p50_ms']} |"
        )
    (RESULTS / "search.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
