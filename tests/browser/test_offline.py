"""The pocket tour in real Chromium (issue 11 item 5): save a tour page for offline, cut the network, reload:
the map paints streets and water from the saved corridor tiles, the route line, the stops and the cue sheet
are there. A page never saved is not served offline, and "Remove" takes the copy away.

Outside requests are blocked by the session's Chromium itself (conftest.OUTSIDE_BLOCKED), not by Playwright's
request routing: Chromium bypasses service workers while routing is on, and the service worker is what is under
test. Every request the context makes is recorded and must stay on 127.0.0.1."""

from __future__ import annotations

import io
import json
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS, MAP_PROBE, wait_map_drawn
from tests.browser.test_basemap_pages import (
    MAJOR,
    STREET_CASING,
    WATER,
    basemap_area,
    keep_screenshot,
    share,
    water_bounds,
)

pytestmark = pytest.mark.browser

MONTAGE = "rocky-1976-montage"
OTHER = "rocky-steps-run"


@pytest.fixture
def offline_context(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.add_init_script(MAP_PROBE)
    seen: list[str] = []
    errors: list[str] = []
    context.on("request", lambda r: seen.append(r.url))
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield context, page, seen, errors
    ARTIFACTS.mkdir(exist_ok=True)
    context.close()


def outside(urls: list[str]) -> list[str]:
    return [
        u
        for u in urls
        if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname != "127.0.0.1"
    ]


def map_shot(page) -> Image.Image:
    wait_map_drawn(page, timeout=30_000)
    return Image.open(io.BytesIO(page.screenshot()))


def our_caches(page) -> list[str]:
    return page.evaluate("caches.keys()")


def test_saved_tour_reloads_offline_with_map_route_stops_and_cue_sheet(live_server, offline_context):
    context, page, seen, errors = offline_context
    page_url = f"{live_server}/tours/{MONTAGE}/map"
    httpx.get(page_url, timeout=120).raise_for_status()  # the tour is routed on its first request
    page.goto(page_url)
    map_shot(page)
    # Visiting stores nothing: no cache, no service worker, until the button is pressed.
    assert our_caches(page) == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0

    save = page.get_by_role("button", name="Save for offline")
    save.click()
    page.wait_for_selector("#ft-offline[data-ft-offline='saved']", timeout=180_000)
    box = page.locator("#ft-offline")
    pack = {
        "bytes": int(box.get_attribute("data-ft-offline-bytes")),
        "files": int(box.get_attribute("data-ft-offline-files")),
        "tiles": int(box.get_attribute("data-ft-offline-tiles")),
    }
    status = page.locator("#ft-offline-status").inner_text()
    assert status.startswith("Saved for offline: ") and f"{pack['tiles']} map tiles" in status
    assert pack["tiles"] > 100 and pack["bytes"] > 100_000
    # The progress counted every file of the list.
    assert box.get_attribute("data-ft-offline-progress") == f"{pack['files']}/{pack['files']}"
    assert page.get_by_role("button", name="Remove offline copy").is_visible()
    assert our_caches(page) == [f"filmtour-offline:/tours/{MONTAGE}/map"]
    page.wait_for_function("navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    page.reload()
    shot = map_shot(page)
    area = basemap_area(page, shot)
    water = share(basemap_area(page, shot, water_bounds()), WATER)
    streets = share(area, STREET_CASING) + share(area, MAJOR)
    assert water > 0.01 and streets > 0.005, (water, streets)
    keep_screenshot(shot, "offline-montage-tour.png")
    assert page.locator("path.ft-route-line").count() == 1
    stops = int(page.get_attribute(".leaflet-container", "data-ft-markers"))
    assert stops >= 5 and page.locator(".ft-stop").count() == stops
    assert page.locator("#ft-offline[data-ft-offline='saved']").count() == 1
    # The route as JSON and the GPX, from the page's saved copy.
    api = f"{live_server}/api/v1/tours/{MONTAGE}"
    route = page.evaluate("url => fetch(url).then(r => r.json())", api)
    assert sum(1 for f in route["features"] if f["properties"]["kind"] == "stop") == stops
    gpx = page.evaluate("url => fetch(url).then(r => r.text())", f"{api}?format=gpx")
    assert "<gpx" in gpx and "<trkpt" in gpx
    # The cue sheet, by its link.
    page.get_by_role("link", name="Cue sheet").click()
    page.wait_for_load_state()
    cues = page.locator("body").inner_text()
    assert "km" in cues and len(cues.splitlines()) > 20

    # A page never saved is not there offline.
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(f"{live_server}/tours/{OTHER}/map")

    context.set_offline(False)
    page.goto(f"{live_server}/tours/{OTHER}/map")
    map_shot(page)
    # Online, another page passes through: nothing more was stored for it.
    assert our_caches(page) == [f"filmtour-offline:/tours/{MONTAGE}/map"]
    page.goto(page_url)
    page.get_by_role("button", name="Remove offline copy").click()
    page.wait_for_selector("#ft-offline[data-ft-offline='none']")
    assert our_caches(page) == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.reload()

    assert not outside(seen), outside(seen)
    assert not errors, errors
    pack["tile_bytes_listed"] = httpx.get(f"{api}/offline-manifest").json()["tile_bytes"]
    (ARTIFACTS / "offline-pack.json").write_text(json.dumps({MONTAGE: pack}, indent=2))
    print(f"\noffline pack for {MONTAGE}: {pack}")


def test_saved_route_page_reloads_offline(live_server, offline_context):
    context, page, seen, errors = offline_context
    rid = httpx.post(
        f"{live_server}/api/v1/routes", json={"tour": OTHER, "activity": "run"}, timeout=120
    ).json()["id"]
    page.goto(f"{live_server}/routes/{rid}/map")
    map_shot(page)
    page.get_by_role("button", name="Save for offline").click()
    page.wait_for_selector("#ft-offline[data-ft-offline='saved']", timeout=180_000)
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.reload()
    area = basemap_area(page, map_shot(page))
    assert share(area, STREET_CASING) + share(area, MAJOR) > 0.005
    assert page.locator("path.ft-route-line").count() == 1 and page.locator(".ft-stop").count() >= 2
    assert not outside(seen) and not errors, (outside(seen), errors)
