"""Share cards: cold render time and size of every tour's, every film's and the locations map's card, in ONE run,
against the same page's HTML render measured side by side (the ratio is what compares across machines).

  uv run python benchmarks/bench_cards.py [--repeat 3]

A cold render is app.maps.cards.render_card on a Card built from the dataset, with no card cache (the tile
archive is memory-mapped and the tours are routed before the clock starts). Writes benchmarks/results/cards.json
and cards.md. The budget: p50 ≤ 300 ms on 2 cores, every card ≤ 200 KB."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.api.cards import card_for
from app.api.state import app_state
from app.core.config import Settings
from app.db import repository as repo
from app.main import create_app
from app.maps.cards import clear_tile_cache, render_card

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data_dir = Path(os.environ.get("FILMTOUR_DATA_DIR") or tempfile.mkdtemp(prefix="bench-cards-"))
    settings = Settings(data_dir=data_dir, build_tiles_on_startup=True, build_basemap_on_startup=True)
    with TestClient(create_app(settings)) as client:
        app = client.app
        archive = app_state(app).basemap
        rows = []
        with Session(app_state(app).db_engine) as session:
            items = [("tours", t.id) for t in repo.all_tours(session)]
            items += [("films", f) for f in sorted(repo.film_index(session))] + [("map", "all")]
            places = sorted(loc.id for loc in repo.all_locations(session) if loc.in_philadelphia)
            items += [("places", p) for p in places[:: max(1, len(places) // 10)][:10]]  # 10, spread out

            class Req:  # card_for needs only request.app (the tour plans and the routing engine)
                pass

            req = Req()
            req.app = app  # type: ignore[attr-defined]
            for kind, item in items:
                card = card_for(req, session, settings, kind, item)  # routes the tour (not timed)
                page = {"tours": f"/tours/{item}/map", "films": f"/films/{item}", "places": f"/places/{item}"}
                page = page.get(kind, "/map")
                client.get(page)
                render_ms, warm_ms, page_ms, size = [], [], [], 0
                for _ in range(args.repeat):
                    clear_tile_cache()  # cold: no decoded basemap tile kept from an earlier card
                    t = time.perf_counter()
                    size = len(render_card(card, archive))
                    render_ms.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    render_card(card, archive)  # the basemap tiles decoded already (as for later cards)
                    warm_ms.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    client.get(page, headers={"cache-control": "no-cache", "accept-language": "en"})
                    page_ms.append((time.perf_counter() - t) * 1000)
                rows.append(
                    {
                        "item": f"{kind}/{item}",
                        "render_ms": round(statistics.median(render_ms), 1),
                        "warm_tiles_ms": round(statistics.median(warm_ms), 1),
                        "page_ms": round(statistics.median(page_ms), 1),
                        "bytes": size,
                    }
                )
    p50 = statistics.median(r["render_ms"] for r in rows)
    p90 = statistics.quantiles([r["render_ms"] for r in rows], n=10)[-1]
    summary = {
        "cards": len(rows),
        "render_p50_ms": round(p50, 1),
        "render_p90_ms": round(p90, 1),
        "warm_tiles_p50_ms": round(statistics.median(r["warm_tiles_ms"] for r in rows), 1),
        "max_bytes": max(r["bytes"] for r in rows),
        "median_bytes": int(statistics.median(r["bytes"] for r in rows)),
        "page_p50_ms": round(statistics.median(r["page_ms"] for r in rows), 1),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    summary["render_over_page"] = round(summary["render_p50_ms"] / max(summary["page_p50_ms"], 0.01), 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cards.json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")
    lines = [
        "# Share cards (benchmarks/bench_cards.py)",
        "",
        (
            f"{summary['cards']} cards, cold: render p50 **{p50:.0f} ms**, p90 {p90:.0f} ms "
            f"(basemap tiles already decoded: p50 {summary['warm_tiles_p50_ms']:.0f} ms); "
            f"size median {summary['median_bytes'] / 1000:.0f} KB, max {summary['max_bytes'] / 1000:.0f} KB; "
            f"the same pages' HTML p50 {summary['page_p50_ms']} ms (card/page ×{summary['render_over_page']}); "
            f"{summary['cpus']} CPUs."
        ),
        "",
        "| card | cold ms | tiles decoded ms | page ms | KB |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| {r['item']} | {r['render_ms']} | {r['warm_tiles_ms']} | {r['page_ms']} | {r['bytes'] / 1000:.0f} |"
            for r in rows
        ],
    ]
    (RESULTS / "cards.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[:3]))


if __name__ == "__main__":
    main()
