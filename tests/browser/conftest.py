"""Real-browser fixtures: the app under uvicorn on 127.0.0.1, a local tile server, a second origin for the
'blog' that embeds our iframe, and Debian's Chromium driven by Playwright. Every request the pages make is
recorded; a test fails if any leaves 127.0.0.1.

Chromium itself keeps requests on loopback (OUTSIDE_BLOCKED: every other host goes to a proxy that is not
there, and no name resolves), rather than Playwright routing every request through Python (~0.3 s a page
load, and Chromium bypasses service workers while routing is on). tests/browser/test_leak_guard.py proves both
that an outside request is blocked and that the watch below records it."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.core.config import PROJECT_ROOT, Settings
from app.maps.basemap import ensure_basemap
from app.routing.tiles import ensure_tiles
from tests.conftest import REAL_LOCATIONS, SHARED_BASEMAP, SHARED_TILES
from tests.support.http_stub import Reply, http_stub
from tests.support.live import live_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# A 1×1 light-grey PNG stands in for every map tile.
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4//8/AAX+Av4N70a4AAAAAElFTkSuQmCC"
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Nothing leaves 127.0.0.1: other hosts (IP literals too) go through a proxy on the discard port, where nothing
# listens (Chromium goes direct to loopback without asking a proxy), and every other name resolves to nothing.
OUTSIDE_BLOCKED = [
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


BROWSER_TOOLS = Path(__file__).parent  # package.json + package-lock.json: test-only npm tools
AXE = BROWSER_TOOLS / "node_modules" / "axe-core" / "axe.min.js"
# axe's options for every audit: every rule runs and every violation comes with all its nodes; passes and
# "incomplete" keep one node a rule (making a selector for every node that passed is most of axe's time).
AXE_OPTIONS = "{ resultTypes: ['violations'] }"


def _missing(what: str) -> None:
    """A program the tests need is not here: a failure in CI, a skip on a developer machine."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} is not installed")


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        _missing("Debian's chromium (apt-get install chromium)")


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's script, installed on first use from the pinned lock file (`npm ci` in tests/browser), so a
    fresh clone's `uv run pytest` needs nothing run by hand."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            _missing("npm (for axe-core, tests/browser/package-lock.json)")
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=BROWSER_TOOLS,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or not AXE.exists():
            pytest.fail(f"npm ci in {BROWSER_TOOLS} failed ({done.returncode}): {done.stderr[-1500:]}")
    return AXE


@pytest.fixture(scope="session")
def tile_server() -> Iterator[str]:
    with http_stub(lambda req: Reply(body=TILE_PNG, content_type="image/png")) as stub:
        yield stub.url


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app in its own uvicorn process, as a user would run it."""
    env = {
        "FILMTOUR_DATA_DIR": str(tmp_path_factory.mktemp("live-data")),
        "FILMTOUR_VALHALLA_TILES_DIR": str(SHARED_TILES),
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_BASEMAP_DIR": str(SHARED_BASEMAP),  # our own vector basemap: no tile server at all
        "FILMTOUR_GEOCODER_URL": "http://127.0.0.1:9",
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    # Build routing tiles and basemap here, unhurried, so the server's startup only finds them cached.
    prebuilt = Settings(
        data_dir=tmp_path_factory.mktemp("prebuild"),
        valhalla_tiles_dir=SHARED_TILES,
        basemap_dir=SHARED_BASEMAP,
        locations_file=REAL_LOCATIONS,
    )
    ensure_tiles(prebuilt)
    ensure_basemap(prebuilt)
    with live_app(env, tmp_path_factory.mktemp("live-log")) as app:
        yield app.url


@dataclass
class PageWatch:
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def non_local(self) -> list[str]:
        return [
            u
            for u in self.requests
            if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname != "127.0.0.1"
        ]

    def assert_clean(self) -> None:
        assert not self.non_local(), f"requests left 127.0.0.1: {self.non_local()}"
        assert not self.console_errors, self.console_errors
        assert not self.page_errors, self.page_errors
        assert not self.dialogs, f"a dialog fired (script injection?): {self.dialogs}"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *OUTSIDE_BLOCKED])
        yield b
        b.close()


# Test-side instrument (an init script, before the page's own): the basemap layer that basemap.js makes is kept
# as window.__ftBasemap, and its renders in flight are counted, re-renders for labels laid out later included.
MAP_PROBE = """
(() => {
  let make;
  window.__ftTilesDrawing = 0;
  Object.defineProperty(window, "filmtourBasemap", { configurable: true, get: () => make, set(f) {
    make = (tiles) => {
      const layer = f(tiles), render = layer.renderTile;
      layer.renderTile = function (...args) {
        window.__ftTilesDrawing++;
        return Promise.resolve(render.apply(this, args)).finally(() => window.__ftTilesDrawing--);
      };
      window.__ftBasemap = layer;
      return layer;
    };
  } });
  // The map's view (zoom, centre) now, and as it was when the page first said it was ready: a view still
  // animating then would move.
  window.__ftView = () => {
    const map = window.filmtourMap.map, c = map.getCenter();
    return [map.getZoom(), c.lat.toFixed(6), c.lng.toFixed(6)];
  };
  new MutationObserver(() => {
    const map = window.filmtourMap && window.filmtourMap.map;
    if (window.__ftViewAtReady || !map || !document.querySelector("[data-ft-ready='1']")) return;
    window.__ftViewAtReady = window.__ftView();
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ft-ready"] });
})();
"""
# The view's tiles all fetched and drawn (labels too), faded in, and the page's images decoded: what the
# screenshot shows is final. A function (polling an expression needs eval, which the pages' CSP forbids).
MAP_DRAWN = """() => {
  const map = document.querySelector(".leaflet-container[data-ft-ready='1'][data-ft-painted]");
  const layer = window.__ftBasemap;
  if (!map || !layer || layer.isLoading() || window.__ftTilesDrawing !== 0) return false;
  const tiles = Array.from(layer.getContainer().querySelectorAll(".leaflet-tile"));
  return tiles.every((t) => t.style.opacity === "" || t.style.opacity === "1")
    && Array.from(document.images).every((i) => i.complete);
}"""


def wait_map_drawn(page, timeout: float = 20_000) -> None:
    """Wait until the map (opened in a context with MAP_PROBE) shows its final pixels for the current view."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(MAP_DRAWN, timeout=timeout)
    except PlaywrightTimeout:
        state = page.evaluate(
            """() => ({ probe: !!window.__ftBasemap, drawing: window.__ftTilesDrawing,
                        loading: window.__ftBasemap ? window.__ftBasemap.isLoading() : null,
                        map: document.querySelector('.leaflet-container')?.outerHTML.slice(0, 200) })"""
        )
        raise AssertionError(
            f"the map was not drawn within {timeout} ms (MAP_PROBE in the context?): {state}"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so page_and_watch knows whether to keep a screenshot."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def watch_context(context, page) -> PageWatch:
    """Record every request of the context (its service workers' included), and the page's errors and dialogs."""
    watch = PageWatch()
    context.on("request", lambda r: watch.requests.append(r.url))
    # Every error the page logs, a /favicon.ico 404 included (every page names its icon, base.html).
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))

    def on_dialog(d):
        watch.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return watch


@pytest.fixture
def page_and_watch(browser, request) -> Iterator[tuple[object, PageWatch]]:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    context.add_init_script(MAP_PROBE)
    page = context.new_page()
    watch = watch_context(context, page)
    yield page, watch
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:  # the page as it was when the test failed
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()
