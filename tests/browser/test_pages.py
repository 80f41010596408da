"""Map pages in headless Chromium: Leaflet initialised, every marker and the route line present, popups with
the scene text, hostile text inert, no console errors, and no request leaving 127.0.0.1."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import REAL_LOCATIONS, SAMPLE_LOCATIONS, SHARED_TILES
from tests.support.http_stub import Reply, http_stub
from tests.support.live import live_app

pytestmark = pytest.mark.browser


def features() -> list[dict]:
    return json.loads(REAL_LOCATIONS.read_text())["features"]


def wait_ready(page) -> None:
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    assert page.evaluate("typeof window.L") == "object"


def test_locations_map(live_server, page_and_watch):
    page, watch = page_and_watch
    page.goto(f"{live_server}/map")
    wait_ready(page)
    in_philly = [f for f in features() if f["properties"]["visitable"] != "not_in_philadelphia"]
    assert page.get_attribute(".leaflet-container", "data-ft-markers") == str(len(in_philly))
    # Every Philadelphia place is on the map, alone or counted inside a cluster of a dense area.
    count_shown = """() => [...document.querySelectorAll('.leaflet-marker-icon')].reduce((n, e) =>
             n + (e.classList.contains('marker-cluster') ? parseInt(e.textContent, 10) : 1), 0)"""
    assert page.evaluate(count_shown) == len(in_philly)
    assert page.locator(".marker-cluster").count() > 0
    assert page.locator(".ft-elsewhere li").count() == len(features()) - len(in_philly)
    # Choosing a film redraws only its places (the same counting, so nothing is left over from the last view).
    rocky2 = [
        f for f in in_philly if any(a["film"] == "rocky-ii-1979" for a in f["properties"]["appearances"])
    ]
    page.select_option("#ft-film", "rocky-ii-1979")
    assert page.get_attribute(".leaflet-container", "data-ft-film") == "rocky-ii-1979"
    assert page.get_attribute(".leaflet-container", "data-ft-markers") == str(len(rocky2))
    assert page.evaluate(count_shown) == len(rocky2) < len(in_philly)
    page.select_option("#ft-film", "")
    assert page.evaluate(count_shown) == len(in_philly)
    market_feature = next(f for f in features() if f["id"] == "italian-market")
    lon, lat = market_feature["geometry"]["coordinates"]
    page.evaluate(
        "([lat, lon]) => window.filmtourMap.map.setView([lat, lon], 18, {animate: false})", [lat, lon]
    )
    page.locator(".leaflet-marker-icon[title^='Italian Market']").click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    market = market_feature["properties"]
    text = popup.inner_text()
    assert all(a["scene"][:40] in text for a in market["appearances"])  # every film's scene at this place
    assert "OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-tile-loaded").count() > 0  # tiles came from the local stub
    watch.assert_clean()


def test_route_map_and_planner_flow(live_server, page_and_watch):
    page, watch = page_and_watch
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page.goto(f"{live_server}/")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    page.select_option("select[name=activity]", "run")
    page.fill("input[name=start_at_dawn]", "2026-06-01")
    page.click("#ft-plan-button")
    page.wait_for_selector("#ft-result:not([hidden])", timeout=20_000)
    assert page.locator("path.ft-route-line").count() == 1
    # The cue sheet is fetched after the result shows.
    expect(page.locator("#ft-cues")).to_contain_text("Civil dawn", timeout=10_000)
    route_id = page.get_attribute(".leaflet-container", "data-ft-route")
    # The embed code comes from a separate oEmbed fetch: wait for it rather than race it.
    expect(page.locator("#ft-embed")).to_have_value(re.compile("/embed/routes/" + route_id), timeout=10_000)
    fc = httpx.get(f"{live_server}/api/v1/routes/{route_id}").json()
    stops = [f for f in fc["features"] if f["properties"]["kind"] == "stop"]
    # The planner draws the route as the route page does: the line and one numbered marker per stop.
    assert page.locator(".leaflet-marker-icon.ft-stop").count() == len(stops)
    assert (
        page.locator(".leaflet-marker-icon.ft-stop").first.get_attribute("title")
        == "Start: " + stops[0]["properties"]["name"]
    )
    page.click("#ft-copy-share")
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server}/routes/{route_id}/map"

    page.goto(f"{live_server}/routes/{route_id}/map")
    wait_ready(page)
    assert page.locator("path.ft-route-line").count() == 1
    assert page.locator(".leaflet-marker-icon.ft-stop").count() == len(stops)
    assert page.locator(".leaflet-marker-icon.ft-song").count() == 1  # where to press play
    # An untitled route: the summary says the default title the server gave the page.
    assert fc["properties"].get("title") is None
    assert page.locator(".ft-summary h4").inner_text() == "Rocky (1976) montage route"
    page.click("#ft-copy-embed")
    page.wait_for_selector("#ft-copy-embed:text('Copied')", timeout=5_000)
    assert page.evaluate("navigator.clipboard.readText()") == page.input_value("#ft-embed-code")
    assert page.locator(".leaflet-control-zoom-fullscreen").count() == 1
    assert page.locator(".leaflet-control-locate").count() == 1
    page.locator(".leaflet-marker-icon").nth(1).click()
    assert "ETA" in page.locator(".leaflet-popup-content").inner_text()
    assert page.locator("link[type='application/json+oembed']").count() == 1
    assert "<iframe" in page.input_value("#ft-embed-code")
    watch.assert_clean()


def test_embed_in_an_iframe_on_another_origin(live_server, browser):
    fc = httpx.post(
        f"{live_server}/api/v1/routes", json={"tour": "rocky-steps-run", "activity": "run"}
    ).json()
    oembed = httpx.get(f"{live_server}/oembed", params={"url": f"{live_server}/routes/{fc['id']}/map"}).json()
    blog = f"<!doctype html><title>My Rocky blog</title><h1>My run</h1>{oembed['html']}".encode()
    with http_stub(lambda req: Reply(body=blog, content_type="text/html")) as other_origin:
        context = browser.new_context()
        page = context.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: requests.append(r.url))
        page.goto(other_origin.url)
        frame = page.frame_locator("iframe")
        frame.locator(".leaflet-container[data-ft-ready='1']").wait_for(timeout=20_000)
        assert frame.locator("path.ft-route-line").count() == 1
        assert frame.locator("#ft-share").count() == 0  # no page chrome in the embed
        page.screenshot(path="test-artifacts/embed-in-blog.png")
        context.close()
    assert not errors, errors
    assert any("/embed/routes/" in u for u in requests)
    assert all(u.startswith(("http://127.0.0.1:", "data:")) for u in requests), requests


def test_hostile_text_is_inert(tmp_path, browser, tile_server):
    """A stop name with <script> and an onerror attribute shows as text and runs nothing."""
    env = {
        "FILMTOUR_DATA_DIR": str(tmp_path),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_LOCATIONS_FILE": str(SAMPLE_LOCATIONS),
        "FILMTOUR_TILE_URL": f"{tile_server}/{{z}}/{{x}}/{{y}}.png",  # a raster provider: no basemap needed
        "FILMTOUR_BUILD_BASEMAP_ON_STARTUP": "false",
    }
    with live_app(env, tmp_path) as app:
        url = app.url
        hostile = '</title><script>alert("xss")</script><img src=x onerror=alert(2)>'
        fc = httpx.post(
            f"{url}/api/v1/routes",
            json={
                "stops": [{"lat": 39.9526, "lon": -75.1635, "name": hostile}, "market"],
                "order": "as_given",
                "title": hostile,
            },
        ).json()
        context = browser.new_context()
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in ("/map", f"/routes/{fc['id']}/map", f"/embed/routes/{fc['id']}"):
            page.goto(url + path)
            page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
            page.locator(".leaflet-marker-icon").first.click()
            # The popup open and every image of the page loaded or failed: an injected <img onerror> has fired.
            page.locator(".leaflet-popup-content").wait_for()
            page.wait_for_function("() => [...document.images].every((i) => i.complete)")
        page.goto(f"{url}/routes/{fc['id']}/map")
        page.wait_for_selector(".leaflet-container[data-ft-ready='1']")
        page.locator(".leaflet-marker-icon").first.click()
        assert hostile in page.locator(".leaflet-popup-content").inner_text()
        assert page.locator(".leaflet-popup-content img").count() == 0
        assert hostile in page.title()  # the title is text too, not markup
        page.goto(f"{url}/map")
        page.wait_for_selector(".leaflet-container[data-ft-ready='1']")
        page.locator(".leaflet-marker-icon[title*='Italian']").click()
        assert "<script>alert(1)</script>" in page.locator(".leaflet-popup-content").inner_text()
        assert not dialogs, dialogs
        context.close()


def test_phone_width_planner(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    box = page.locator("#ft-planner").bounding_box()
    assert box["width"] <= 390 and box["x"] >= 0
    page.screenshot(path="test-artifacts/planner-phone.png")
    context.close()


def test_whoever_saved_a_route_can_delete_it_from_the_planner_and_the_route_page(live_server, page_and_watch):
    """The planner kept no delete token, so nobody could delete a route they saved: now the browser keeps it
    (localStorage) and offers Delete on the planner's result and on the route's own page, and nowhere else."""
    page, watch = page_and_watch
    page.goto(f"{live_server}/")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    page.click("#ft-plan-button")
    page.wait_for_selector("#ft-delete-route:not([hidden])", timeout=20_000)
    first = page.get_attribute(".leaflet-container", "data-ft-route")
    page.click("#ft-delete-route")  # asks
    assert page.locator("#ft-delete-route").inner_text().startswith("Click again")
    page.click("#ft-delete-route")
    page.wait_for_selector(f".leaflet-container[data-ft-deleted='{first}']", timeout=10_000)
    assert httpx.get(f"{live_server}/api/v1/routes/{first}").status_code == 404
    # A second route, deleted from its page.
    page.click("#ft-plan-button")
    page.wait_for_selector(f".leaflet-container:not([data-ft-route='{first}'])", timeout=20_000)
    second = page.get_attribute(".leaflet-container", "data-ft-route")
    page.goto(f"{live_server}/routes/{second}/map")
    wait_ready(page)
    page.click("#ft-delete-route")
    page.click("#ft-delete-route")
    expect(page.locator("#ft-delete-status")).to_have_text("Route deleted", timeout=10_000)
    assert httpx.get(f"{live_server}/api/v1/routes/{second}").status_code == 404
    # Another browser (no token) sees no Delete button on someone else's route.
    third = httpx.post(f"{live_server}/api/v1/routes", json={"stops": ["italian-market", "art-museum-steps"]})
    other = page.context.browser.new_page()
    other.goto(f"{live_server}/routes/{third.json()['id']}/map")
    wait_ready(other)
    assert other.locator("#ft-delete").is_hidden()
    other.close()
    watch.assert_clean()
