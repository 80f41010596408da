"""What a server's start costs (docs/performance.md): importing the application loads what its first answers
need and not the libraries of builds, drawing, exports or the optional Nominatim fallback, which load when
first used (each still works then: tests/test_share_cards.py, test_basemap.py, test_runs_api.py, ...)."""

from __future__ import annotations

import subprocess
import sys

from app.city import streets
from app.core.config import PROJECT_ROOT
from app.core.geo import destination, distance_m
from tests.conftest import SHARED_TILES

DEFERRED = (
    "PIL",  # share cards (app.maps.cards)
    "mapbox_vector_tile",  # the cards' tile decoder and the basemap's encoder
    "osmium",  # basemap and network builds
    "jinja2",  # the HTML pages' templates
    "jsonschema",  # the exercises catalogue's check, on its first read
    "gpxpy",  # GPX exports and run uploads
    "simplekml",  # KML exports
    "geopy",  # the Nominatim fallback (distances are pyproj's)
    "httpx",  # the Nominatim fallback and the HTTP routing backend
    "valhalla",  # the first route's Actor, or a tile build (the cache is named from pyvalhalla's metadata)
)


def run_probe(code: str) -> str:
    """What a fresh interpreter prints running ``code`` (a start's imports cannot be seen in this process)."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def loaded_by(code: str) -> set[str]:
    return set(
        run_probe(
            f"import sys\n{code}\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
        ).split()
    )


def test_importing_the_app_leaves_the_deferred_libraries_unloaded():
    loaded = loaded_by("import app.main")
    assert {"fastapi", "sqlalchemy", "numpy", "pyproj"} <= loaded  # the probe sees what is loaded
    assert sorted(loaded & set(DEFERRED)) == []


def test_a_deferred_library_loads_when_its_feature_is_used():
    loaded = loaded_by(
        "import app.main\n"
        "from app.maps.render import templates\n"
        "templates().get_template('_embed_snippet.html')\n"
        "from app.services.workout import catalogue\n"
        "catalogue()"
    )
    assert {"jinja2", "jsonschema"} <= loaded


def test_a_restart_checks_its_cached_tiles_without_loading_valhalla_and_routes_with_it(tmp_path):
    """The lifespan's tile check and the routing engine it creates leave Valhalla's library unloaded; the first
    route loads it (on a routing thread) and answers, and the cache key names the Valhalla that routes."""
    probe = (
        "import sys\n"
        "from app.core.config import Settings\n"
        "from app.routing.factory import get_engine\n"
        "from app.routing.tiles import ensure_tiles, valhalla_version\n"
        f"settings = Settings(data_dir={str(tmp_path)!r}, database_url=None, "
        f"valhalla_tiles_dir={str(SHARED_TILES)!r})\n"
        "ensure_tiles(settings)\n"
        "engine = get_engine(settings)\n"
        "print('valhalla' in sys.modules)\n"
        "engine.route({'locations': [{'lat': 39.9526, 'lon': -75.1635}, {'lat': 39.9656, 'lon': -75.1810}],"
        " 'costing': 'pedestrian'})\n"
        "import valhalla\n"
        "print('valhalla' in sys.modules, valhalla.__version__ == valhalla_version())\n"
    )
    assert run_probe(probe).split() == ["False", "True", "True"]


def test_distances_are_geodesic_on_wgs84():
    # City Hall to the Art Museum steps: 2,050 m or so along the ellipsoid; and back along a bearing.
    city_hall, steps = (39.9524, -75.1636), (39.9656, -75.1810)
    metres = distance_m(city_hall, steps)
    assert 2000 < metres < 2100
    assert distance_m(steps, city_hall) == metres and distance_m(steps, steps) == 0
    lat, lon = destination(*city_hall, 90.0, 1000.0)  # due east: same latitude, 1 km on
    assert abs(lat - city_hall[0]) < 1e-4 and abs(distance_m(city_hall, (lat, lon)) - 1000.0) < 1e-6


def test_the_basemap_build_reads_the_city_streets_without_keeping_them():
    """The serving process builds the basemap at a first start; a cached copy of the City's ~40,000 segments
    would stay resident (~80 MB of the worker's memory) for nothing."""
    streets._load.cache_clear()
    read = streets.read_segments()
    assert len(read) > 10_000 and streets._load.cache_info().currsize == 0
    assert streets.load_segments() == read  # the cached reader (the CLI's builds) reads the same


def test_urllibs_socks_notice_stays_silent_even_when_requests_own_filter_is_lost():
    """requests silences urllib3's "no SOCKS support" notice with a filter that another thread's
    catch_warnings() can undo while the geocoder's index builds in the background (the notice reached
    export-site's output in CI); app.city.addresses sets a narrow filter of its own at import."""
    out = subprocess.run(
        [sys.executable, "-c", "import app.city.addresses\nimport urllib3.contrib.socks"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # it fails on purpose: PySocks is not installed
    )
    assert "No module named 'socks'" in out.stderr  # the import the notice comes with did happen
    assert "SOCKS support" not in out.stderr
