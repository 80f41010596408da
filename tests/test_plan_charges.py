"""What plans is charged, and what can never be served is refused first: a request costing more than a client
may spend in a minute (or over the service's limits) gets 422 before any budget is touched; a GET of a tour
that plans afresh (another language, step_free or activity) is charged like a POST; a cached one, and a tour's
default plan (the server's own, shared by everyone and by the tours list), are free."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api.state import app_state
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


def test_get_tour_variants_afresh_are_charged_cached_ones_and_defaults_are_free(tight):
    for _ in range(5):
        assert tight.get(TOUR).status_code == 200  # the tour's default plan: the server's own, free
    assert tight.get(TOUR, params={"pace_min_per_km": 9.5}).status_code == 200  # re-timed, not planned: free
    assert tight.get(TOUR, params={"step_free": "true"}).status_code == 200  # a fresh variant: 2 units
    assert tight.get(TOUR, params={"language": "de-DE"}).status_code == 200  # a fresh variant: 4 units
    third = tight.get(TOUR, params={"activity": "walk"})  # fresh: would be 6
    assert third.status_code == 429, third.text
    assert int(third.headers["retry-after"]) >= 1
    assert tight.get(TOUR, params={"step_free": "true"}).status_code == 200  # cached: still free
    assert tight.get(TOUR).status_code == 200  # the default: still free for a client out of budget


def test_the_tours_list_is_never_charged_to_the_client_who_opens_it(tight):
    """Every tour's default plan (33 tours, 2 units each, against a 5-unit budget) is planned for the list and
    charged to no one: a fresh app's list answers 200 with a distance for every tour, again and again, and a
    variant asked for afterwards is still charged to the client's whole budget."""
    for _ in range(2):
        resp = tight.get("/api/v1/tours")
        assert resp.status_code == 200, resp.text
        tours = resp.json()["tours"]
        assert len(tours) >= 30
        assert all(t["distance_m"] and t["distance_m"] > 0 for t in tours), [
            (t["id"], t.get("unroutable")) for t in tours if not t["distance_m"]
        ]
    assert tight.get(TOUR, params={"step_free": "true"}).status_code == 200  # 2 units
    assert tight.get(TOUR, params={"language": "es"}).status_code == 200  # 4 units
    assert tight.get(TOUR, params={"activity": "walk"}).status_code == 429  # 6: the list cost nothing


def test_variants_cannot_evict_the_default_plans(tight):
    """The variant cache is bounded; the default plans are kept apart (one per tour), so a client paying for
    variants cannot push them out and make the list plan them again for free."""
    plans = app_state(tight.app).tour_plans
    plans.size = 1
    assert tight.get("/api/v1/tours").status_code == 200
    kept = dict(plans._defaults)
    assert tight.get(TOUR, params={"step_free": "true"}).status_code == 200
    assert tight.get(TOUR, params={"language": "es"}).status_code == 200
    assert len(plans._plans) == 1 and plans._defaults == kept
