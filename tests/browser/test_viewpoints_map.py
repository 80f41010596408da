"""The view cones in a real browser: drawn on the places map and on a tour's map, with "Stand here, face …"
on the cone and in the popup, in English and Spanish."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REAL_LOCATIONS

pytestmark = pytest.mark.browser


def viewpoints() -> int:
    feats = json.loads(REAL_LOCATIONS.read_text())["features"]
    return sum(
        1
        for f in feats
        if f["properties"]["visitable"] != "not_in_philadelphia"
        for a in f["properties"]["appearances"]
        if a.get("viewpoint")
    )


def test_places_map_draws_every_cone_and_says_where_to_stand(live_server, page_and_watch):
    page, watch = page_and_watch
    page.goto(f"{live_server}/map?lang=es")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    assert page.get_attribute(".leaflet-container", "data-ft-cones") == str(viewpoints())
    assert page.locator("path.ft-view-cone").count() == viewpoints()
    page.evaluate("window.filmtourMap.map.setView([39.96525, -75.1806], 18, {animate: false})")
    page.locator('path.ft-view-cone:not([d="M0 0"])').first.hover(force=True)
    tip = page.locator(".leaflet-tooltip").first
    tip.wait_for(timeout=5_000)
    assert tip.text_content().startswith("Colóquese aquí, mirando al ")
    assert not watch.page_errors and not watch.console_errors


def test_tour_map_draws_the_cone_of_its_stop(live_server, page_and_watch):
    page, watch = page_and_watch
    page.goto(f"{live_server}/tours/rocky-steps-run/map")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=60_000)
    assert page.get_attribute(".leaflet-container", "data-ft-cones") == "1"
    page.locator(".ft-stop.ft-finish").click()
    assert "Stand here, face SE" in page.locator(".ft-viewpoint").first.text_content()
    assert not watch.page_errors


def test_planner_draws_the_cones_of_the_places_it_offers(live_server, page_and_watch):
    page, watch = page_and_watch
    feats = json.loads(REAL_LOCATIONS.read_text())["features"]
    offered = sum(
        1
        for f in feats
        if f["properties"]["visitable"] in ("public", "view_from_street")
        for a in f["properties"]["appearances"]
        if a.get("viewpoint")
    )
    page.goto(f"{live_server}/")
    page.wait_for_selector(".leaflet-container[data-ft-places]", timeout=20_000)
    assert page.locator("path.ft-view-cone").count() == offered
    assert not watch.page_errors
