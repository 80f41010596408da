"""What the typed route document costs the POST path: building the montage's document (the line, the stops, the
planning step's members, the song cue and, when asked, the workout) per request, now against the code before
the typed definition (read from git, ``--baseline``, default the commit before it), in ONE run, rounds
interleaved. Also what validating it would cost, to show why the type is TypedDicts and not validated pydantic
models: pydantic over the TypedDicts, the pydantic models the OpenAPI document used before (CreatedRoute at
``--baseline``), and their ``model_construct``.

  FILMTOUR_DATA_DIR=/some/dir uv run python benchmarks/bench_route_document.py [--rounds 1000]

Valhalla plans the montage once before the clock starts (its time is not the document's). Writes
benchmarks/results/route-document.json and .md."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
from fastapi.testclient import TestClient
from pydantic import TypeAdapter
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.api.state import app_state
from app.core.config import Settings
from app.main import create_app
from app.routing.languages import narrative_language
from app.routing.planner import Profile, default_pace, plan_route
from app.schemas.route_document import RouteDocument
from app.schemas.routes import RouteRequest
from app.services import route_document
from app.services.stops import resolve_stops, start_time_of

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
BASELINE = "218fe50"  # main before the typed route document


def baseline_modules(ref: str) -> tuple[ModuleType, ModuleType, ModuleType]:
    """The route document builder, the workout module and the response models (pydantic models of the route
    document then) as they were at ``ref``, loaded under other names."""
    out = []
    for path in ("app/services/route_document.py", "app/services/workout.py", "app/schemas/responses.py"):
        source = subprocess.run(
            ["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        name = "baseline_" + Path(path).stem
        file = Path(tempfile.mkdtemp(prefix="bench-routedoc-src-")) / f"{name}.py"
        file.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location(name, file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        out.append(module)
    return out[0], out[1], out[2]


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e6


def summary(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_us": round(statistics.median(samples), 1),
        "p90_us": round(samples[int(len(samples) * 0.9)], 1),
        "mean_us": round(statistics.fmean(samples), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument(
        "--baseline", default=BASELINE, help="git commit of the code before (default %(default)s)"
    )
    args = parser.parse_args()
    old_doc, old_workout, old_models = baseline_modules(args.baseline)
    data_dir = Path(os.environ.get("FILMTOUR_DATA_DIR") or tempfile.mkdtemp(prefix="bench-routedoc-"))
    settings = Settings(data_dir=data_dir, build_tiles_on_startup=True, build_basemap_on_startup=False)
    with TestClient(create_app(settings)) as client, Session(app_state(client.app).db_engine) as session:
        req = RouteRequest(tour="rocky-1976-montage", activity="run", pace="steady")
        stops, skipped = resolve_stops(session, req)
        profile = Profile(language=narrative_language(None), routing_pace_min_per_km=default_pace("run"))
        plan = plan_route(
            app_state(client.app).routing, stops, pace_min_per_km=req.effective_pace(), profile=profile
        )
    start = start_time_of(req)

    def before(level: str | None) -> dict[str, Any]:
        fc = old_doc.to_feature_collection(plan, req, order="as_filmed", skipped=skipped, start_time=start)
        fc["properties"]["language"] = profile.language
        fc["properties"]["step_free"] = False
        return old_workout.enrich(fc, level=level, in_place=True)

    def after(level: str | None) -> RouteDocument:
        fc = route_document.to_feature_collection(
            plan, req, order="as_filmed", skipped=skipped, start_time=start
        )
        fc = route_document.planned_with(fc, language=profile.language, step_free=False)
        return route_document.enrich(fc, level=level, in_place=True)

    typed = TypeAdapter(RouteDocument)
    models = old_models.CreatedRoute
    models.model_rebuild()
    sample = after("rocky")
    assert {k: v for k, v in sample.items() if k != "format_version"} == before("rocky")  # the same document
    created = {**sample, "id": "x" * 16, "links": [], "delete_token": "t"}
    long_line = json.loads(json.dumps(created))  # the same document with a 2,000-point line
    coords = long_line["features"][0]["geometry"]["coordinates"]
    long_line["features"][0]["geometry"]["coordinates"] = (coords * (2000 // len(coords) + 1))[:2000]

    cases: dict[str, Callable[[], Any]] = {
        "build, before": lambda: before(None),
        "build, now": lambda: after(None),
        "build with a workout, before": lambda: before("rocky"),
        "build with a workout, now": lambda: after("rocky"),
        "orjson dumps (for scale)": lambda: orjson.dumps(created),
        "validate: pydantic over the TypedDicts": lambda: typed.validate_python(sample),
        "validate: pydantic over the TypedDicts, 2,000-point line": lambda: typed.validate_python(long_line),
        "validate: pydantic models (CreatedRoute before)": lambda: models.model_validate(created),
        "validate: pydantic models, 2,000-point line": lambda: models.model_validate(long_line),
        "pydantic models: model_construct (top level only)": lambda: models.model_construct(**created),
    }
    for fn in cases.values():  # warm
        for _ in range(20):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in cases}
    order = list(cases.items())
    shuffler = random.Random(7)
    for _ in range(args.rounds):  # interleaved: each round times every case once, in a shuffled order
        shuffler.shuffle(order)
        for name, fn in order:
            samples[name].append(timed(fn))
    rows = {name: summary(s) for name, s in samples.items()}
    ratio = {
        "build": round(rows["build, now"]["p50_us"] / rows["build, before"]["p50_us"], 3),
        "build_with_workout": round(
            rows["build with a workout, now"]["p50_us"] / rows["build with a workout, before"]["p50_us"], 3
        ),
    }

    def paired(now: str, was: str) -> float:
        """Median of the per-round differences (same round, same load): what the change adds per document."""
        return round(statistics.median(n - b for n, b in zip(samples[now], samples[was], strict=True)), 1)

    added = {
        "build": paired("build, now", "build, before"),
        "build_with_workout": paired("build with a workout, now", "build with a workout, before"),
    }
    result = {
        "what": "montage tour document built per POST (Valhalla's plan computed once, outside the clock)",
        "baseline": args.baseline,
        "rounds": args.rounds,
        "line_points": len(coords),
        "stops": len(plan.stops),
        "document_bytes": len(orjson.dumps(created)),
        "format_version_bytes": len(b'"format_version":2,'),
        "cases": rows,
        "now_over_before_p50": ratio,
        "now_minus_before_paired_p50_us": added,
        "host": {
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "python": platform.python_version(),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "route-document.json").write_text(json.dumps(result, indent=2) + "\n")
    base = rows["build with a workout, now"]["p50_us"]
    lines = [
        (
            f"Montage tour document ({len(plan.stops)} stops, {len(coords)}-point line, "
            f"{result['document_bytes']:,} bytes), {args.rounds} interleaved rounds (cases shuffled in each); before = {args.baseline}. "
            "Command: `FILMTOUR_DATA_DIR=... uv run python benchmarks/bench_route_document.py`"
        ),
        "",
        "| case | p50 µs | p90 µs | × build with a workout (now) |",
        "|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['p50_us']} | {r['p90_us']} | {r['p50_us'] / base:.2f} |")
    lines += [
        "",
        (
            f"now / before (p50): build {ratio['build']}, with a workout {ratio['build_with_workout']}; "
            f"now − before, round by round (p50): build {added['build']:+} µs, with a workout "
            f"{added['build_with_workout']:+} µs. "
            f"Host: {os.cpu_count()} CPUs, load average {result['host']['load_average_1m']}."
        ),
    ]
    (RESULTS / "route-document.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
