"""Accessibility audit with axe-core (npm, test-only: tests/browser/package.json, installed by the axe_script
fixture) on the planner, /map, a tour map, a route map and an embed, a place page, and the Spanish planner and a Spanish tour
map with workout stations. Results by impact go to test-artifacts/axe.json."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import ARTIFACTS, AXE_OPTIONS

pytestmark = pytest.mark.browser  # (it had no marker: the fast subset ran Chromium)


def audit(page, axe: Path, url: str | None, html: str | None = None) -> list[dict]:
    if html is not None:
        page.set_content(html)
    else:
        page.goto(url)  # to "load": the page's own scripts, styles and images are in
        if page.locator("#ft-map").count():  # a map page: its markers, lists and controls drawn (map.js)
            page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    page.add_script_tag(path=str(axe))
    result = page.evaluate(f"async () => await axe.run(document, {AXE_OPTIONS})")
    assert html is not None or len(result["passes"]) > 10  # axe really looked at the page
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": len(v["nodes"]),
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
    ]


def test_no_serious_or_critical_axe_violations(live_server, browser, axe_script):
    # The app's CSP allows no injected script; axe is the test's own tool, so this context bypasses it. One
    # context for all the pages: merely visiting a page stores nothing (storage is written on save or run).
    context = browser.new_context(viewport={"width": 1200, "height": 800}, bypass_csp=True)
    try:
        audit_pages(context.new_page(), live_server, axe_script)
    finally:
        context.close()


def audit_pages(page, live_server: str, axe_script: Path) -> None:
    # the audit can fail: an unlabelled image and button are found
    broken = audit(
        page, axe_script, None, html='<html><body><img src="x.png"><button></button></body></html>'
    )
    assert {"image-alt", "button-name"} <= {v["id"] for v in broken if v["impact"] == "critical"}
    created = httpx.post(
        f"{live_server}/api/v1/routes", json={"tour": "rocky-steps-run", "activity": "run"}, timeout=60
    )
    assert created.status_code == 201, created.text
    pages = {
        "planner": "/",
        "map": "/map",
        "tour map": "/tours/rocky-steps-run/map",
        "route map": f"/routes/{created.json()['id']}/map",
        "embed": "/embed/tours/rocky-steps-run",
        "planner (es)": "/?lang=es",
        "tour map (es, workout)": "/tours/rocky-1976-montage/map?lang=es&workout=rocky",
        "OGC API items": "/ogc/collections/places/items?f=html",
        "OGC API feature": "/ogc/collections/places/items/art-museum-steps?f=html",
        "place page (es, view cone)": "/places/art-museum-steps?lang=es",
    }
    report = {name: audit(page, axe_script, live_server + path) for name, path in pages.items()}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=2))
    bad = {
        name: [v for v in found if v["impact"] in ("serious", "critical")] for name, found in report.items()
    }
    assert not any(bad.values()), json.dumps(bad, indent=2)
