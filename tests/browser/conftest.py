"""Real-browser fixtures: the app under uvicorn on 127.0.0.1, a local tile server, a second origin for the
'blog' that embeds our iframe, and Debian's Chromium driven by Playwright. Every request the pages make is
recorded; a test fails if any leaves 127.0.0.1."""

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


BROWSER_TOOLS = Path(__file__).parent  # package.json + package-lock.json: test-only npm tools
AXE = BROWSER_TOOLS / "node_modules" / "axe-core" / "axe.min.js"


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
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page_and_watch(browser, request) -> Iterator[tuple[object, PageWatch]]:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    watch = PageWatch()
    page.on("request", lambda r: watch.requests.append(r.url))
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))

    def on_dialog(d):
        watch.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    # Block anything not on loopback, so a leak is recorded rather than attempted.
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if urlsplit(route.request.url).hostname in (None, "127.0.0.1")
            or urlsplit(route.request.url).scheme in ("data", "blob", "about")
            else route.abort()
        ),
    )
    yield page, watch
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()
