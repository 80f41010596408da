"""What plans is charged, and what can never be served is refused first: a request costing more than a client
may spend in a minute (or over the service's limits) gets 422 before any budget is touched; a GET of a tour
that plans afresh (another language, step_free or activity) is charged like a POST; a cached one is free."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import make_settings

TOUR = "/api/v1/tours/rocky-1976-montage"


@pytest.fixture
def tight(tmp_path) -> Iterator[TestClient]:
    """An app whose clients may spend 5 route-planning units a minute (a tour plan costs 2)."""
    with TestClient(create_app(make_settings(tmp_path, rate_limit_routes_per_minute=5))) as c:
        yield c


def test_a_loop_over_the_limit_is_422_not_429(tight):
    resp = tight.post("/api/v1/routes", json={"start": {"lat": 39.9526, "lon": -75.1652}, "loop_km": 500})
    assert resp.status_code == 422, resp.text
    assert resp.json()["field"] == "loop_km" and "retry-after" not in resp.headers
    # Nothing was charged: a 5-unit budget still takes an A→B route (1 unit) and a tour plan (2).
    ok = tight.post("/api/v1/routes", json={"stops": ["art-museum-steps", "italian-market"]})
    assert ok.status_code == 201, ok.text


def test_a_request_costing_more_than_a_minute_of_budget_is_422(tight):
    # A 20 km loop costs 1 + 2 + 4 = 7 units, more than the 5 a minute: it could never be served.
    resp = tight.post("/api/v1/routes", json={"start": {"lat": 39.9526, "lon": -75.1652}, "loop_km": 20})
    assert resp.status_code == 422, resp.text
    assert "more than the 5" in resp.json()["detail"]
    assert (
        tight.post("/api/v1/routes", json={"stops": ["art-museum-steps", "italian-market"]}).status_code
        == 201
    )


def test_get_tour_plans_afresh_are_charged_cached_ones_are_free(tight):
    assert tight.get(TOUR).status_code == 200  # a fresh plan: 2 units
    for _ in range(5):
        assert tight.get(TOUR).status_code == 200  # served from memory: free
    assert tight.get(TOUR, params={"pace_min_per_km": 9.5}).status_code == 200  # re-timed, not planned: free
    assert tight.get(TOUR, params={"step_free": "true"}).status_code == 200  # fresh: 4 units spent
    third = tight.get(TOUR, params={"language": "de-DE"})  # fresh: would be 6
    assert third.status_code == 429, third.text
    assert int(third.headers["retry-after"]) >= 1
    assert tight.get(TOUR, params={"step_free": "true"}).status_code == 200  # cached: still free
