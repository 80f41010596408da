"""``filmtour export-site`` end to end (the CLI in a process of its own, as a user runs it): wall and CPU seconds
(user + system of the process and its children) of

- a first export: an empty data directory (migrations, dataset load, every card drawn);
- a re-export into a new directory with the same data directory (what a site rebuild or a second base URL pays:
  a card kept on disk from the first is not drawn again);

p50 of ``--repeat`` (default 3). With ``--against DIR`` (another checkout, e.g. ``git worktree add /tmp/base
main``), that checkout's exports alternate with ours, so both see the same load, and the ratios are reported.
The routing tiles and the basemap are built beforehand (shared by both checkouts). Writes
benchmarks/results/export.{json,md}. Run: ``uv run python benchmarks/bench_export.py --against /tmp/base``."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.config import Settings
from app.maps.basemap import ensure_basemap
from app.routing.tiles import ensure_tiles
from benchmarks.checkouts import python_of

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


def export(checkout: Path, env: dict[str, str], data: Path, site: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``export-site`` into ``site`` with data directory ``data``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [python_of(checkout), "-m", "app.cli", "export-site", str(site)],
        cwd=checkout,
        env={**env, "FILMTOUR_DATA_DIR": str(data)},
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=600,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(checkout: Path, env: dict[str, str], work: Path) -> dict[str, tuple[float, float]]:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    first = export(checkout, env, work / "data", work / "site1")
    again = export(checkout, env, work / "data", work / "site2")
    return {"first": first, "again": again}


def p50(runs: list[dict[str, tuple[float, float]]], kind: str, index: int) -> float:
    return round(statistics.median(r[kind][index] for r in runs), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout, measured alternately with this one")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-export-"))
    shared = Settings(data_dir=work / "prebuild")
    ensure_tiles(shared)
    ensure_basemap(shared)
    env = {
        **os.environ,
        "FILMTOUR_VALHALLA_TILES_DIR": str(shared.valhalla_tiles_dir),
        "FILMTOUR_BASEMAP_DIR": str(shared.basemap_dir),
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed for real (the image compiles its bytecode)
    checkouts = {"this": ROOT} | ({"against": args.against.resolve()} if args.against else {})
    runs: dict[str, list[dict[str, tuple[float, float]]]] = {name: [] for name in checkouts}
    for checkout in checkouts.values():  # a first start compiles bytecode: not measured
        measure(checkout, env, work / "warm-up")
    for _ in range(args.repeat):
        for name, checkout in checkouts.items():
            runs[name].append(measure(checkout, env, work / name))
    shutil.rmtree(work, ignore_errors=True)
    result: dict[str, object] = {
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "checkouts": {name: path.name for name, path in checkouts.items()},
    }
    for name in checkouts:
        for kind in ("first", "again"):
            result[f"{name}_{kind}_wall_s"] = p50(runs[name], kind, 0)
            result[f"{name}_{kind}_cpu_s"] = p50(runs[name], kind, 1)
    lines = [
        "# filmtour export-site",
        "",
        f"p50 of {args.repeat}, {os.cpu_count()} CPUs; CPU = user + system seconds of the export's process.",
        "",
        "| export | " + " | ".join(f"{n} wall | {n} CPU" for n in checkouts) + " |",
        "|---|" + "---|---|" * len(checkouts),
    ]
    for kind, label in (("first", "first (empty data directory)"), ("again", "again (same data directory)")):
        cells = [f"{result[f'{n}_{kind}_wall_s']} s | {result[f'{n}_{kind}_cpu_s']} s" for n in checkouts]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        if args.against:
            for measure_ in ("wall", "cpu"):
                ratio = result[f"this_{kind}_{measure_}_s"] / result[f"against_{kind}_{measure_}_s"]  # type: ignore[operator]
                result[f"ratio_{kind}_{measure_}"] = round(ratio, 2)
    if args.against:
        lines += [
            "",
            "Ratios (this / against): "
            + ", ".join(f"{k} {v}" for k, v in result.items() if k.startswith("ratio_")),
        ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "export.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "export.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
