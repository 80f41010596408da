"""Our own basemap in real Chromium, with every request outside the app's origin blocked (aborted by the
page fixture's route handler): each page paints streets and water (checked on the screenshot's pixels),
makes zero outside requests, and the first view is timed and weighed. The README screenshots come from here."""

from __future__ import annotations

import io
import json
import os
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
import shapely
from PIL import Image
from shapely.geometry import shape

from app.core.config import PROJECT_ROOT, SHIPPED_DATA, Settings
from app.maps.basemap import current_basemap, read_stamp
from tests.browser.conftest import ARTIFACTS, wait_map_drawn
from tests.conftest import SHARED_BASEMAP

pytestmark = pytest.mark.browser

MONTAGE = "rocky-1976-montage"
# The README's screenshots are rewritten only when asked (FILMTOUR_UPDATE_SCREENSHOTS=1), so a test run leaves
# the checkout clean; otherwise they go with the other artifacts.
UPDATE_SCREENSHOTS = os.environ.get("FILMTOUR_UPDATE_SCREENSHOTS") == "1"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots" if UPDATE_SCREENSHOTS else ARTIFACTS / "screenshots"
# The style's colours (app/static/filmtour/basemap.js): water, street casing, major street fill.
WATER = (0x9D, 0xC3, 0xD4)
STREET_CASING = (0xD8, 0xCF, 0xBD)
MAJOR = (0xF6, 0xDF, 0xAE)
# Label text: neighbourhoods, streets, parks and trails, rivers.
NEIGHBOURHOOD_TEXT = (0x6E, 0x5A, 0x4A)
STREET_TEXT = (0x3D, 0x3A, 0x34)
PARK_TEXT = (0x4F, 0x6B, 0x34)
WATER_TEXT = (0x2F, 0x5F, 0x7A)
METRICS: dict[str, dict] = {}


def share(img: Image.Image, rgb: tuple[int, int, int], tol: int = 10) -> float:
    """The share of pixels within tol of rgb in every channel."""
    pixels = np.asarray(img.convert("RGB"), dtype=np.int16).reshape(-1, 3)
    return float(np.mean(np.all(np.abs(pixels - np.array(rgb, dtype=np.int16)) <= tol, axis=1)))


def painted(page) -> Image.Image:
    wait_map_drawn(page)
    return Image.open(io.BytesIO(page.screenshot()))


def keep_screenshot(img: Image.Image, name: str) -> None:
    """Save a screenshot under SCREENSHOTS; squeezed (0.3 s a shot) only for the committed README copies."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    img.save(SCREENSHOTS / name, optimize=UPDATE_SCREENSHOTS)


def water_bounds() -> tuple[float, float, float, float]:
    """The shipped water layer's extent: the downtown box (there is no water data elsewhere in the city)."""
    doc = json.loads((SHIPPED_DATA / "basemap" / "water.geojson").read_text())
    return tuple(shapely.total_bounds([shape(f["geometry"]) for f in doc["features"]]))


def basemap_area(
    page, shot: Image.Image, bounds: tuple[float, float, float, float] | None = None
) -> Image.Image:
    """The part of the screenshot the basemap has data for (the archive's bounds, from its build stamp, or the
    bounds given): /map frames places beyond the city, where there is only paper to see."""
    built = current_basemap(Settings(basemap_dir=SHARED_BASEMAP))
    assert built is not None
    west, south, east, north = bounds or read_stamp(built)["bounds"]
    box = page.evaluate(
        """([w, s, e, n]) => { const m = window.filmtourMap.map, r = m.getContainer().getBoundingClientRect();
             const a = m.latLngToContainerPoint([n, w]), b = m.latLngToContainerPoint([s, e]);
             return [a.x + r.left, a.y + r.top, b.x + r.left, b.y + r.top].map(Math.round); }""",
        [west, south, east, north],
    )
    left, top = max(box[0], 0), max(box[1], 0)
    right, bottom = min(box[2], shot.width), min(box[3], shot.height)
    assert right - left > 100 and bottom - top > 100, f"the basemap's area is off screen: {box}"
    return shot.crop((left, top, right, bottom))


def tile_bytes(page) -> tuple[int, int]:
    """(tiles fetched, bytes transferred for them) since navigation, from the Resource Timing API."""
    return tuple(
        page.evaluate(
            """() => { const t = performance.getEntriesByType('resource').filter(e => e.name.includes('/tiles/'));
                       return [t.length, t.reduce((s, e) => s + e.transferSize, 0)]; }"""
        )
    )


def cold_first_tile(browser, url: str) -> int:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector(".leaflet-container[data-ft-first-tile]", timeout=20_000)
        return int(page.get_attribute(".leaflet-container", "data-ft-first-tile"))
    finally:
        context.close()


def route_id(live_server: str) -> str:
    fc = httpx.post(
        f"{live_server}/api/v1/routes", json={"tour": "rocky-steps-run", "activity": "run"}
    ).json()
    return fc["id"]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("planner", "/"),
        ("locations-map", "/map"),
        ("film-map", "/map?film=rocky-1976"),  # the film page's map (the film page links here; it has none)
        ("montage-tour-map", f"/tours/{MONTAGE}/map"),
        ("montage-embed", f"/embed/tours/{MONTAGE}"),
        ("route-map", "/routes/{route}/map"),
    ],
)
def test_page_paints_our_streets_and_water_with_nothing_from_outside(
    live_server, browser, page_and_watch, name, path
):
    page, watch = page_and_watch
    if "{route}" in path:
        path = path.format(route=route_id(live_server))
    # Warm the server first (the tour's route is computed on its first request): the budget is the browser's.
    httpx.get(live_server + path, timeout=60).raise_for_status()
    page.goto(live_server + path)
    shot = painted(page)
    area = basemap_area(page, shot)
    water = share(basemap_area(page, shot, water_bounds()), WATER)
    streets = share(area, STREET_CASING) + share(area, MAJOR)
    assert water > 0.01, f"{name}: no water painted ({water:.3%})"
    assert streets > 0.005, f"{name}: no streets painted ({streets:.3%})"
    count, transferred = tile_bytes(page)
    first_paint = int(page.get_attribute(".leaflet-container", "data-ft-painted"))
    METRICS[name] = {
        "tiles": count,
        "tile_bytes": transferred,
        "first_tile_ms": int(page.get_attribute(".leaflet-container", "data-ft-first-tile")),
        "first_paint_ms": first_paint,
        "dom_content_loaded_ms": page.evaluate(
            "Math.round(performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd)"
        ),
    }
    assert count > 0, METRICS[name]
    # The first painted map (first basemap tile drawn, from navigation start) within 1.5 s: the best of up to
    # three cold loads, each in a fresh browser context (empty cache), since other jobs share this machine's
    # cores. A load within budget ends the tries (the later ones could only lower the best).
    loads = [METRICS[name]["first_tile_ms"]]
    while min(loads) > 1500 and len(loads) < 3:
        loads.append(cold_first_tile(browser, live_server + path))
    METRICS[name]["first_tile_ms_cold_loads"] = loads
    assert min(loads) <= 1500, METRICS[name]
    if name == "montage-tour-map":
        assert transferred <= 400_000, METRICS[name]
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        credits = ("OpenStreetMap", "City of Philadelphia", "DVRPC", "Neighbourhoods: Abaca Labs (CC BY 4.0)")
        assert all(x in attribution for x in credits), attribution
    if name in ("planner", "locations-map", "montage-tour-map"):
        keep_screenshot(shot, f"{name}.png")
    watch.assert_clean()  # zero requests outside 127.0.0.1 (they would have been aborted), no errors
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "basemap-metrics.json").write_text(json.dumps(METRICS, indent=2))
    print(f"\n{name}: {METRICS[name]}")


def view_at(page, lat: float, lon: float, z: int) -> Image.Image:
    page.evaluate(f"window.filmtourMap.map.setView([{lat}, {lon}], {z}, {{ animate: false }})")
    wait_map_drawn(page)  # the renderer lays labels out after the tiles arrive: re-renders counted too
    return Image.open(io.BytesIO(page.screenshot()))


def test_names_are_drawn_legibly_at_phone_width(live_server, page_and_watch):
    """The embed at a phone's width (390 px): neighbourhood names at z13 (north-west Philadelphia, outside the
    OSM extract), the City's street names at z16 around the Rocky II house on S Lambert St, trail names in the
    Wissahickon at z15. Each label style has its own text colour (basemap.js), measured on the screenshot."""
    page, watch = page_and_watch
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/embed/tours/{MONTAGE}")
    painted(page)
    neighbourhoods = view_at(page, 40.035, -75.195, 13)
    assert share(neighbourhoods, NEIGHBOURHOOD_TEXT, tol=24) > 0.002
    streets = view_at(page, 39.9215, -75.1835, 16)
    assert share(streets, STREET_TEXT, tol=30) > 0.002
    trails = view_at(page, 40.045, -75.215, 15)
    assert share(trails, PARK_TEXT, tol=24) > 0.0005
    both = Image.new("RGB", (neighbourhoods.width * 2 + 10, neighbourhoods.height), "white")
    both.paste(neighbourhoods.convert("RGB"), (0, 0))
    both.paste(streets.convert("RGB"), (neighbourhoods.width + 10, 0))
    keep_screenshot(both, "phone-names.png")
    trails.save(ARTIFACTS / "phone-trail-names.png")
    watch.assert_clean()


def named_point(layer_file: str, name: str) -> tuple[float, float]:
    """(lat, lon) of the first label point of that name in data/basemap/<layer_file>.geojson."""
    doc = json.loads((SHIPPED_DATA / "basemap" / f"{layer_file}.geojson").read_text())
    lon, lat = next(f["geometry"]["coordinates"] for f in doc["features"] if f["properties"]["name"] == name)
    return lat, lon


def around(
    page, shot: Image.Image, lat: float, lon: float, half_w: int = 90, half_h: int = 25
) -> Image.Image:
    """The part of the screenshot around a map point (where a label centred on it is drawn)."""
    x, y = page.evaluate(
        """([lat, lon]) => { const p = window.filmtourMap.map.latLngToContainerPoint([lat, lon]);
             const r = window.filmtourMap.map.getContainer().getBoundingClientRect();
             return [Math.round(p.x + r.left), Math.round(p.y + r.top)]; }""",
        [lat, lon],
    )
    return shot.crop((max(x - half_w, 0), max(y - half_h, 0), x + half_w, y + half_h))


def test_park_and_river_names_are_drawn_at_phone_width(live_server, page_and_watch):
    """The embed at 390 px: Pennypack Park's name at z13 in the Northeast (outside the downtown park polygons:
    placed on the City's trails), and the Delaware's name at z13 on the river (river-blue text, basemap.js)."""
    page, watch = page_and_watch
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/embed/tours/{MONTAGE}")
    painted(page)
    pennypack, delaware = (
        named_point("park_names", "Pennypack Park"),
        named_point("water_names", "Delaware River"),
    )
    # Each name where the tile data puts it (data/basemap/park_names.geojson, water_names.geojson): the text
    # colour in a box around that point (placed while the map shows that view), not elsewhere (the other view
    # of the pair is the control).
    parks = view_at(page, *pennypack, 13)
    park_box = around(page, parks, *pennypack)
    rivers = view_at(page, 39.955, -75.145, 13)
    river_box = around(page, rivers, *delaware)
    both = Image.new("RGB", (parks.width * 2 + 10, parks.height), "white")
    both.paste(parks.convert("RGB"), (0, 0))
    both.paste(rivers.convert("RGB"), (parks.width + 10, 0))
    keep_screenshot(both, "phone-park-river-names.png")
    assert share(park_box, PARK_TEXT, tol=24) > 0.002
    assert share(river_box, WATER_TEXT, tol=24) > 0.002
    assert share(river_box, PARK_TEXT, tol=24) < 0.001
    watch.assert_clean()


def test_film_page_loads_nothing_from_outside(live_server, page_and_watch):
    """The film page has no map (its places link to /map?film=...); it too makes no outside request."""
    page, watch = page_and_watch
    page.goto(f"{live_server}/films/rocky-1976")  # "load": its scripts, styles and images are in
    assert page.locator(".ft-place").count() > 5
    assert page.get_attribute("#ft-film-map", "href") == "/map?film=rocky-1976"
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in watch.requests), watch.requests
    watch.assert_clean()
