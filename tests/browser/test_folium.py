"""folium map files in a real browser, and the notebook run against a real service.

The file is opened from disk with every request that leaves 127.0.0.1 blocked (and recorded): in
self-contained mode it needs nothing but the service's tiles."""

from __future__ import annotations

import os
import time

import httpx
import pytest

import app.folium_maps as fm
from app.core.config import PROJECT_ROOT

pytestmark = pytest.mark.browser
NOTEBOOK = PROJECT_ROOT / "docs" / "folium-notebook.ipynb"


@pytest.fixture(scope="module")
def montage(live_server) -> dict:
    resp = httpx.get(
        f"{live_server}/api/v1/tours/rocky-1976-montage", params={"workout": "beginner"}, timeout=60
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_self_contained_file_shows_line_markers_and_popup_offline(
    live_server, montage, page_and_watch, tmp_path
):
    page, watch = page_and_watch
    out = tmp_path / "montage.html"
    fm.route_map(montage, service_url=live_server, self_contained=True).save(str(out))
    page.goto(out.as_uri())
    page.wait_for_selector("path.ft-route-line")
    stops = [f for f in montage["features"] if f["properties"]["kind"] == "stop"]
    assert page.locator(".leaflet-marker-icon").count() >= len(stops)
    page.locator(".leaflet-marker-icon").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert stops[0]["properties"]["scene"] in popup.inner_text()
    page.wait_for_function("document.querySelectorAll('.leaflet-tile-loaded, canvas').length > 0")
    assert any("/tiles/" in u for u in watch.requests), "the basemap's tiles come from the service"
    assert all(u.startswith(("file:", "data:", live_server)) for u in watch.requests), watch.requests
    watch.assert_clean()


def test_markup_in_a_place_name_stays_inert(live_server, montage, page_and_watch, tmp_path):
    page, watch = page_and_watch
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-75.1579, 39.9387]},
        "properties": {
            "id": "x",
            "name": "Market <img src=x onerror=alert(1)> `${alert(2)}` </script><script>alert(3)</script>",
            "visitable": "public",
            "appearances": [
                {"film_title": "Rocky", "film_year": 1976, "scene": "<b onmouseover=alert(4)>runs</b>"}
            ],
        },
    }
    out = tmp_path / "hostile.html"
    fm.places_map([feature], service_url=live_server, self_contained=True).save(str(out))
    page.goto(out.as_uri())
    page.locator(".leaflet-marker-icon").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "<img src=x onerror=alert(1)>" in popup.inner_text()
    assert page.locator(".leaflet-popup-content img, .leaflet-popup-content b").count() == 0
    watch.assert_clean()  # no dialog fired, no script error


@pytest.mark.slow
def test_the_notebook_runs_against_the_service(live_server):
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "outputs are not committed"
    os.environ["FILMTOUR_URL"] = live_server
    try:
        started = time.perf_counter()
        nbclient.NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(PROJECT_ROOT)}}
        ).execute()
        elapsed = time.perf_counter() - started
    finally:
        del os.environ["FILMTOUR_URL"]
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert " km, " in printed and "bridge" in printed.lower()
    maps = [o for o in outputs if o.output_type == "execute_result" and "text/html" in o.get("data", {})]
    assert len(maps) == 2 and "ft-route-line" in maps[-1]["data"]["text/html"]
    print(f"notebook ran in {elapsed:.1f} s")
