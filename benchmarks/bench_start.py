"""Start-up to the first real answer: ``filmtour serve`` spawned, then ``GET /api/v1/locations`` polled until it
answers 200 (not /healthz: a start is done when the data answers).

- first start: an empty data directory (migrations, dataset load, the stamp), tiles already built;
- restart: the same data directory again, p50 of ``--restarts`` (default 5);
- the baseline in the same run: the bare interpreter importing ``app.main`` (what any start pays before it
  can listen), p50 of 3, so the restart reads as that plus our own start-up work.

The routing tiles are built once beforehand and their build time reported on its own line. With ``--against
DIR`` (another checkout, e.g. ``git worktree add /tmp/base main``), that checkout's restarts and imports
alternate with ours, so both see the same load, and are reported beside them. Writes
benchmarks/results/start.{json,md}. Run: ``uv run --group bench python benchmarks/bench_start.py``."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.config import Settings
from app.routing.tiles import ensure_tiles
from benchmarks.bench_api import Serve, server_env
from benchmarks.checkouts import python_of

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def first_answer(serve: Serve) -> tuple[float, float]:
    """Wall seconds to the first 200 of GET /api/v1/locations, and the server's CPU seconds by then (user +
    system): on a shared host the wall time mostly measures the other processes, the CPU time does not."""
    wall = serve.wait_for("/api/v1/locations")
    cpu = psutil.Process(serve.proc.pid).cpu_times()
    return wall, cpu.user + cpu.system


def import_time(env: dict[str, str], checkout: Path = ROOT) -> float:
    started = time.monotonic()
    subprocess.run([python_of(checkout), "-c", "import app.main"], cwd=checkout, check=True, env=env)
    return time.monotonic() - started


def restart(env: dict[str, str], log: Path, checkout: Path = ROOT) -> tuple[float, float]:
    with Serve(env, log, checkout) as again:
        return first_answer(again)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another checkout, measured alternately with this one")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="filmtour-bench-start-"))
    built = time.monotonic()
    tile_settings = Settings(data_dir=work / "tiles-home")
    ensure_tiles(tile_settings)
    tiles_s = time.monotonic() - built
    env = {**server_env(work / "data", tile_settings.tiles_dir), "FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false"}
    # As installed for real (the image compiles its bytecode at build: UV_COMPILE_BYTECODE): a host with
    # PYTHONDONTWRITEBYTECODE set compiles ~3,400 modules on every start (~3 s of CPU), so the servers here
    # keep their bytecode in a cache of this run, filled once before the clock starts (reported).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    compiled = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", "import app.main, app.cli.serve, uvicorn"], cwd=ROOT, env=env, check=True
    )
    compile_s = time.monotonic() - compiled
    with Serve(env, work / "first.log") as first:
        first_s, first_cpu = first_answer(first)
    other = args.against.resolve() if args.against else None
    other_env = {**env, "FILMTOUR_DATA_DIR": str(work / "data-against")}
    if other:
        subprocess.run(
            [python_of(other), "-c", "import app.main, app.cli.serve, uvicorn"],
            cwd=other,
            env=other_env,
            check=True,
        )
        restart(other_env, work / "against-first.log", other)  # its own first start: migrations and load
    restarts, restart_cpu, theirs, their_cpu = [], [], [], []
    for i in range(args.restarts):
        wall, cpu = restart(env, work / f"restart{i}.log")
        restarts.append(wall)
        restart_cpu.append(cpu)
        if other:
            wall, cpu = restart(other_env, work / f"against{i}.log", other)
            theirs.append(wall)
            their_cpu.append(cpu)
    imports, their_imports = [], []
    for _ in range(3):
        imports.append(import_time(env))
        if other:
            their_imports.append(import_time(other_env, other))
    load = os.getloadavg()
    result = {
        "first_start_s": round(first_s, 2),
        "first_start_cpu_s": round(first_cpu, 2),
        "restart_cpu_s": [round(c, 2) for c in restart_cpu],
        "restart_cpu_p50_s": round(statistics.median(restart_cpu), 2),
        "restart_s": [round(r, 2) for r in restarts],
        "restart_p50_s": round(statistics.median(restarts), 2),
        "import_app_main_p50_s": round(statistics.median(imports), 2),
        "tile_build_s": round(tiles_s, 1),
        "bytecode_compile_s": round(compile_s, 1),
        "cpus": os.cpu_count(),
        "load_average_1m_at_end": round(load[0], 2),
    }
    if other:
        result["against"] = {
            "checkout": other.name,
            "restart_s": [round(r, 2) for r in theirs],
            "restart_p50_s": round(statistics.median(theirs), 2),
            "restart_cpu_p50_s": round(statistics.median(their_cpu), 2),
            "import_app_main_p50_s": round(statistics.median(their_imports), 2),
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "start.json").write_text(json.dumps(result, indent=2) + "\n")
    r = result
    md = [
        "| measurement | value | baseline (same run) | target |",
        "|---|---|---|---|",
        (
            f"| restart with cached tiles → first 200 GET /api/v1/locations, p50 of {len(restarts)} | "
            f"{r['restart_p50_s']} s ({', '.join(map(str, r['restart_s']))}) | `import app.main` alone "
            f"{r['import_app_main_p50_s']} s | ≤ 1.5 s |"
        ),
        (
            f"| the same, server CPU time (user + system) by the first answer, p50 | {r['restart_cpu_p50_s']} s "
            f"({', '.join(map(str, r['restart_cpu_s']))}) | | |"
        ),
        (
            "| first start on an empty data directory → first 200 GET /api/v1/locations | "
            f"{r['first_start_s']} s ({r['first_start_cpu_s']} s CPU) | | ≤ 10 s |"
        ),
        f"| routing tile build (before the starts, not in them) | {r['tile_build_s']} s | | |",
        f"| bytecode compile, once per install (before the starts) | {r['bytecode_compile_s']} s | | |",
        f"| host | {r['cpus']} CPUs, load average {r['load_average_1m_at_end']} at the end | | |",
    ]
    if a := r.get("against"):
        md.insert(
            4,
            f"| the same for `{a['checkout']}`, alternating with these restarts | {a['restart_p50_s']} s "
            f"({', '.join(map(str, a['restart_s']))}; {a['restart_cpu_p50_s']} s CPU) | `import app.main` alone "
            f"{a['import_app_main_p50_s']} s | ratio {r['restart_p50_s'] / a['restart_p50_s']:.2f} |",
        )
    (RESULTS / "start.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
