"""What a route POST costs the server beyond planning (docs/route-post-costs.md): one thread-pool hop whatever
the outcome, its database connection given back on every path, and the garbage collector kept off what start-up
loaded while the app runs (and released when it stops)."""

from __future__ import annotations

import gc
import time

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from app.api.state import app_state
from app.core import gc_tuning
from app.main import create_app
from tests.conftest import make_settings
from tests.test_locations_api import assert_problem

POINTS = {"stops": [{"lat": 39.9526, "lon": -75.1635}, {"lat": 39.9656, "lon": -75.1810}], "activity": "walk"}


@pytest.fixture
def hops(monkeypatch) -> list[str]:
    """The names of the callables the app handed to the thread pool (FastAPI's sync endpoints and dependencies
    and our run_in_threadpool calls all go through anyio.to_thread.run_sync)."""
    seen: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(func, *args, **kwargs):
        seen.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return seen


@pytest.fixture
def tight(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, rate_limit_routes_per_minute=2))) as c:
        yield c


def posted(client: TestClient, hops: list[str], body: dict) -> tuple[object, list[str]]:
    """The answer to one POST and the thread-pool hops it took; no connection is left checked out after it."""
    hops.clear()
    resp = client.post("/api/v1/routes", json=body)
    assert app_state(client.app).db_engine.pool.checkedout() == 0  # the session closed, whatever the outcome
    return resp, list(hops)


def test_a_route_post_takes_one_thread_hop_saved_or_not_planned_or_from_a_tour(client, hops):
    resp, took = posted(client, hops, POINTS)
    assert resp.status_code == 201 and len(took) == 1, took
    resp, took = posted(client, hops, {**POINTS, "save": False})
    assert resp.status_code == 200 and len(took) == 1, took
    resp, took = posted(client, hops, {"tour": "rocky-1976-montage", "activity": "run"})
    assert resp.status_code == 201 and len(took) == 1, took


def test_refusals_are_problems_with_one_hop_or_none_and_no_connection_kept(tight, hops):
    # The body's shape is checked on the event loop: no hop at all.
    resp, took = posted(tight, hops, {"stops": "everywhere"})
    assert_problem(resp, 422, None)
    assert took == []
    # Over max_stops: refused inside the one hop, before anything is charged.
    resp, took = posted(tight, hops, {"stops": [POINTS["stops"][0]] * 26, "activity": "walk"})
    assert_problem(resp, 422, "stops")
    assert len(took) == 1
    # Unroutable (a point in the Delaware, far from any street) and then the minute's budget: one hop each.
    resp, took = posted(
        tight, hops, {"stops": [{"lat": 39.9526, "lon": -75.1635}, {"lat": 39.95, "lon": -75.13}]}
    )
    assert 400 <= resp.status_code < 500 and resp.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert len(took) == 1
    assert posted(tight, hops, POINTS)[0].status_code == 201
    resp, took = posted(tight, hops, POINTS)
    assert_problem(resp, 429, None)
    assert "retry-after" in resp.headers and len(took) == 1


def test_start_up_is_frozen_out_of_collections_while_the_app_runs_and_released_after(settings):
    threshold = gc.get_threshold()
    with TestClient(create_app(settings)) as c:
        assert c.get("/readyz").status_code == 200  # the geocoder's index is built: settling follows it
        deadline = time.monotonic() + 30
        while gc.get_freeze_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gc.get_freeze_count() > 100_000  # the dataset, the index, the libraries' tables
        assert gc.get_threshold()[0] == gc_tuning.YOUNG_THRESHOLD
        assert c.post("/api/v1/routes", json=POINTS).status_code == 201
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold
