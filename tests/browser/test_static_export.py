"""The atlas as static files (filmtour export-site) in real Chromium, served by a plain static server
(python -m http.server) with every request outside that server blocked: pages paint streets and markers, popups
open, an embed works from another origin, "Save for offline" works, and the export works under a sub-path
(place pages from the popups, "Save for offline" with the worker and its scope under that path)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image

from app.core.config import PROJECT_ROOT, Settings
from app.maps.basemap import ensure_basemap
from app.routing.tiles import ensure_tiles
from tests.browser.test_basemap_pages import STREET_CASING, WATER
from tests.conftest import REAL_LOCATIONS, SHARED_BASEMAP, SHARED_TILES, make_settings
from tests.support.live import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]
MONTAGE = "rocky-1976-montage"


def export(tmp: Path, target: Path, *extra: str) -> str:
    """``filmtour export-site`` into ``target``, with the data directory ``tmp/data``: the first export there
    starts from the run's prepared database; a later one reuses what the first kept (its cards)."""
    make_settings(tmp)  # the run's prepared database, copied (not migrated and loaded again)
    prebuilt = Settings(
        data_dir=tmp / "prebuild",
        valhalla_tiles_dir=SHARED_TILES,
        basemap_dir=SHARED_BASEMAP,
        locations_file=REAL_LOCATIONS,
    )
    ensure_tiles(prebuilt)
    ensure_basemap(prebuilt)
    env = {
        **os.environ,
        "FILMTOUR_DATA_DIR": str(tmp / "data"),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_BASEMAP_DIR": str(SHARED_BASEMAP),
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "export-site", str(target), *extra],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Warning" not in done.stderr, done.stderr  # a user of export-site sees no library's notices
    return done.stdout


@contextmanager
def static_server(directory: Path, port: int | None = None) -> Iterator[str]:
    """``python -m http.server`` over ``directory`` on 127.0.0.1 (``port``: one the export's links already name)."""
    port = port or free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# The share cards of earlier runs, kept like the tiles and the basemap (tests/conftest.py): a card's file is
# named by everything it is drawn from (app.maps.card_store), so a changed dataset, basemap or drawing code
# draws it afresh; the rest (~5 s of CPU) are read back. FILMTOUR_TEST_FRESH_ARTIFACTS=1: none kept.
KEPT_CARDS = SHARED_BASEMAP.parent / "export-cards"


def _keep_cards(cards: Path) -> None:
    """The export's card store becomes the kept one (copied beside it, then renamed over it); best effort: a
    run at the same time that kept its own first wins."""
    copy = KEPT_CARDS.with_name(f"{KEPT_CARDS.name}.{os.getpid()}")
    try:
        shutil.copytree(cards, copy)
        shutil.rmtree(KEPT_CARDS, ignore_errors=True)
        copy.rename(KEPT_CARDS)
    except OSError:
        shutil.rmtree(copy, ignore_errors=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    tmp = tmp_path_factory.mktemp("export")
    if KEPT_CARDS.is_dir():
        shutil.copytree(KEPT_CARDS, tmp / "data" / "cards")
    out = export(tmp, tmp / "site")
    assert "exported" in out
    _keep_cards(tmp / "data" / "cards")
    with static_server(tmp / "site") as url:
        yield url, tmp / "site"


def missing_links(site: Path, server_root: Path) -> list[str]:
    """Every link of every page of the export in ``site`` (served from ``server_root``) that is not a file."""
    pages = list(site.rglob("*.html"))
    assert len(pages) > 50
    missing = set()
    for page in pages:
        for link in re.findall(r'(?:href|src)="([^"#]+)"', page.read_text()):
            if link.startswith(("http:", "https:", "//", "data:", "mailto:")):
                continue
            path = link.split("?")[0]
            target = server_root / path.lstrip("/") if path.startswith("/") else page.parent / path
            if not (target / "index.html" if target.is_dir() else target).is_file():
                missing.add(link)
    return sorted(missing)


def test_every_link_of_every_page_is_a_file(site):
    _, root = site
    assert not missing_links(root, root)
    films = json.loads((root / "api/v1/films/rocky-1976/locations.geojson").read_text())
    assert films["numberMatched"] == len(films["features"]) > 5


def only_from(context, origins: tuple[str, ...]) -> list[str]:
    """Abort every request not to one of ``origins``; return the list of those blocked."""
    blocked: list[str] = []

    def handle(route):
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob", "about") or url.startswith(origins):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", handle)
    return blocked


def painted(page) -> None:
    page.wait_for_selector(".leaflet-container[data-ft-ready='1'][data-ft-painted]", timeout=30_000)


def street_pixels(page) -> int:
    """Pixels of the screenshot in the basemap style's street casing or water colour: streets and rivers were
    drawn from the exported tiles (without them there is only the paper colour)."""
    shot = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"), dtype=int)
    found = 0
    for colour in (STREET_CASING, WATER):
        found += int((np.abs(shot - np.array(colour)) <= 10).all(axis=2).sum())
    return found


def test_static_pages_paint_streets_markers_and_popups(browser, site):
    url, _ = site
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    blocked = only_from(context, (url,))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    home = page.goto(f"{url}/")
    assert home and home.ok
    assert "needs the filmtour service" in page.locator("#ft-planning").inner_text()
    page.goto(f"{url}/map/")
    painted(page)
    page.wait_for_load_state("networkidle")
    assert street_pixels(page) > 1000
    assert page.locator(".leaflet-marker-icon").count() > 0
    page.goto(f"{url}/tours/{MONTAGE}/map/")
    painted(page)
    page.wait_for_load_state("networkidle")
    assert street_pixels(page) > 1000
    assert page.locator(".ft-route-line").count() == 1
    page.locator(".leaflet-marker-icon").first.click()
    page.locator(".leaflet-popup-content").wait_for()
    gpx = page.locator("a", has_text="GPX").get_attribute("href")
    assert httpx.get(gpx if gpx.startswith("http") else url + gpx).text.lstrip().startswith("<?xml")
    page.goto(f"{url}/films/rocky-1976/")
    assert page.locator("h1").inner_text() == "Rocky (1976)"
    assert not blocked and not errors, (blocked, errors)
    context.close()


def test_embed_works_from_another_origin(browser, site, tmp_path):
    url, _ = site
    (tmp_path / "index.html").write_text(
        f'<!doctype html><title>blog</title><iframe src="{url}/embed/tours/{MONTAGE}/" width="800" height="600"></iframe>'
    )
    with static_server(tmp_path) as blog:
        context = browser.new_context()
        blocked = only_from(context, (url, blog))
        page = context.new_page()
        page.goto(f"{blog}/")
        frame = page.frame_locator("iframe")
        frame.locator(".leaflet-container[data-ft-ready='1'][data-ft-painted]").wait_for(timeout=30_000)
        assert frame.locator(".ft-route-line").count() == 1
        assert not blocked
        context.close()


def test_save_for_offline_from_the_static_copy(browser, site):
    url, _ = site
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    blocked = only_from(context, (url,))
    page = context.new_page()
    page.goto(f"{url}/tours/{MONTAGE}/map/")
    painted(page)
    page.get_by_role("button", name="Save for offline").click()
    page.wait_for_selector("#ft-offline[data-ft-offline='saved']", timeout=180_000)
    context.set_offline(True)
    page.reload()
    painted(page)
    assert page.locator(".ft-route-line").count() == 1
    assert not blocked
    context.close()


def test_export_under_a_sub_path(browser, site):
    """A second export from the same data directory (as a rebuild for another address would be): its cards
    are read back from the first export's, every page and link is written for the sub-path."""
    tmp_path = site[1].parent
    port = free_port()
    out = export(tmp_path, tmp_path / "www" / "atlas", "--base-url", f"http://127.0.0.1:{port}/atlas")
    assert f"for http://127.0.0.1:{port}/atlas" in " ".join(out.split())  # Rich wraps long lines
    assert not missing_links(tmp_path / "www" / "atlas", tmp_path / "www")
    cards = tmp_path / "www" / "atlas" / "cards"
    assert (cards / "tours" / f"{MONTAGE}.png").read_bytes() == (
        site[1] / "cards/tours" / f"{MONTAGE}.png"
    ).read_bytes()
    page_html = (tmp_path / "www" / "atlas" / "tours" / MONTAGE / "map" / "index.html").read_text()
    assert (
        'href="/atlas/static/' in page_html
        and f"http://127.0.0.1:{port}/atlas/cards/tours/{MONTAGE}.png" in page_html
    )
    with static_server(tmp_path / "www", port) as base:
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        blocked = only_from(context, (base,))
        page = context.new_page()
        page.goto(f"{base}/atlas/map/")
        painted(page)
        page.wait_for_load_state("networkidle")
        assert street_pixels(page) > 1000 and page.locator(".leaflet-marker-icon").count() > 0
        # a place's popup links to its page, which is a file under /atlas/ with its marker and view cone
        page.locator(".leaflet-marker-icon.ft-public").first.click()
        link = page.locator(".leaflet-popup-content .ft-place-link a")
        assert link.get_attribute("href").startswith("/atlas/places/")
        link.click()
        painted(page)
        assert page.url.startswith(f"{base}/atlas/places/") and page.locator("h1").count() == 1
        assert page.locator(".leaflet-marker-icon").count() == 1
        page.goto(f"{base}/atlas/places/art-museum-steps/")
        painted(page)
        assert int(page.locator("#ft-map").get_attribute("data-ft-cones")) >= 1
        # "Save for offline" under the sub-path: the worker is /atlas/sw.js with scope /atlas/
        page.goto(f"{base}/atlas/tours/{MONTAGE}/map/")
        painted(page)
        page.get_by_role("button", name="Save for offline").click()
        page.wait_for_selector("#ft-offline[data-ft-offline='saved']", timeout=180_000)
        scope = page.evaluate(
            "navigator.serviceWorker.getRegistration().then(r => [r.scope, r.active.scriptURL])"
        )
        assert scope == [f"{base}/atlas/", f"{base}/atlas/sw.js"]
        context.set_offline(True)
        page.reload()
        painted(page)
        assert page.locator(".ft-route-line").count() == 1
        assert street_pixels(page) > 1000  # the saved tiles, answered by the worker
        assert not blocked
        context.close()
