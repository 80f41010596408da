"""Scale-out on existing engines: two stateless API processes on one real PostgreSQL and one real
valhalla_service. A route saved through one is read, as GPX, through the other."""

from __future__ import annotations

import gpxpy
import httpx
import pytest

from app.core.config import Settings
from app.routing.tiles import ensure_tiles
from tests.conftest import REAL_LOCATIONS, SHARED_TILES
from tests.support.live import live_app
from tests.support.valhalla import start_valhalla_service, stop_process


@pytest.mark.postgres
def test_two_api_processes_share_postgres_and_valhalla_service(fresh_postgres_db, tmp_path):
    tiles = ensure_tiles(Settings(data_dir=tmp_path, valhalla_tiles_dir=SHARED_TILES))
    valhalla, valhalla_url = start_valhalla_service(tiles.config_path, tmp_path)
    env = {
        "DATABASE_URL": fresh_postgres_db,
        "FILMTOUR_VALHALLA_URL": valhalla_url,
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    try:
        with (
            live_app({**env, "FILMTOUR_DATA_DIR": str(tmp_path / "a")}, tmp_path) as a,
            live_app({**env, "FILMTOUR_DATA_DIR": str(tmp_path / "b")}, tmp_path) as b,
        ):
            created = httpx.post(
                f"{a.url}/api/v1/routes",
                timeout=30,
                json={"tour": "rocky-1976-montage", "activity": "run", "pace_min_per_km": 6},
            )
            assert created.status_code == 201, created.text
            fc = created.json()
            gpx_text = httpx.get(f"{b.url}/api/v1/routes/{fc['id']}?format=gpx", timeout=30).text
            gpx = gpxpy.parse(gpx_text)
            stops = [f for f in fc["features"] if f["properties"]["kind"] == "stop"]
            assert len([w for w in gpx.waypoints if w.type != "song_cue"]) == len(stops)
            assert gpx.tracks[0].length_2d() == pytest.approx(fc["properties"]["distance_m"], rel=0.02)
            # a delete through B, with the token A handed out, is seen by A
            assert (
                httpx.delete(
                    f"{b.url}/api/v1/routes/{fc['id']}", headers={"X-Delete-Token": fc["delete_token"]}
                ).status_code
                == 204
            )
            assert httpx.get(f"{a.url}/api/v1/routes/{fc['id']}").status_code == 404

            stop_process(valhalla)  # the routing service goes away: routes 503, the rest keeps working
            down = httpx.post(
                f"{a.url}/api/v1/routes", json={"stops": ["italian-market", "art-museum-steps"]}
            )
            assert down.status_code == 503 and "retry-after" in down.headers
            assert httpx.get(f"{b.url}/api/v1/locations").status_code == 200
    finally:
        if valhalla.poll() is None:
            stop_process(valhalla)
