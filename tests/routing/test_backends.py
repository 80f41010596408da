"""The HTTP backend against a real valhalla_service, the embedded engine under threads, and outages."""

from __future__ import annotations

import random
import threading

import pytest

from app.core.errors import problem_for
from app.core.exceptions import ServiceUnavailable
from app.routing.http import HttpEngine
from app.routing.planner import Stop, plan_route
from tests.routing.conftest import CITY_HALL, ITALIAN_MARKET, MONTAGE, MOSHULU, STEPS
from tests.support.http_stub import closed_port_url


def test_http_service_gives_the_same_routes_as_embedded(engine, valhalla_service):
    http = HttpEngine(valhalla_service, timeout_s=10)
    for stops in ([ITALIAN_MARKET, STEPS], MONTAGE, [MOSHULU, CITY_HALL]):
        here = plan_route(engine, stops, pace_min_per_km=6)
        there = plan_route(http, stops, pace_min_per_km=6)
        assert there.distance_m == pytest.approx(here.distance_m, abs=1.0)
        assert [m["instruction"] for m in there.legs[0].maneuvers] == [
            m["instruction"] for m in here.legs[0].maneuvers
        ]
    assert http.status()["version"]


def test_http_service_refusal_is_named(valhalla_service):
    from app.core.exceptions import Unroutable

    http = HttpEngine(valhalla_service, timeout_s=10)
    with pytest.raises(Unroutable) as exc:
        plan_route(http, [ITALIAN_MARKET, Stop(39.95, -75.13, "river")])
    assert exc.value.field == "stops[1]"


def test_service_down_is_503_with_retry_after():
    http = HttpEngine(closed_port_url(), timeout_s=2)
    with pytest.raises(ServiceUnavailable) as exc:
        plan_route(http, [ITALIAN_MARKET, STEPS])
    problem = problem_for(exc.value)
    assert problem.status == 503 and int(problem.headers["Retry-After"]) > 0


def test_embedded_engine_is_safe_across_threads(engine):
    """One actor per thread: 8 threads routing at once must neither crash nor disagree."""
    rng = random.Random(7)
    pairs = [(rng.choice(MONTAGE), rng.choice(MONTAGE)) for _ in range(40)]
    pairs = [(a, b) for a, b in pairs if a != b]
    expected = {(a.name, b.name): plan_route(engine, [a, b]).distance_m for a, b in pairs}
    errors: list[BaseException] = []
    results: list[tuple[tuple[str, str], float]] = []

    def work(chunk):
        try:
            for a, b in chunk:
                results.append(((a.name, b.name), plan_route(engine, [a, b]).distance_m))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(pairs[i::8] * 3,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert len(results) == len(pairs) * 3
    assert all(dist == pytest.approx(expected[key]) for key, dist in results)


def test_embedded_engine_routes_on_at_most_its_own_threads(tiles):
    """Valhalla runs on the engine's ``threads`` (one Actor each, ~20-30 MB): 6 callers at once create 2
    routing threads, not 6 Actors, and the answers are the same as one caller's. Closing ends them."""
    from app.routing.embedded import EmbeddedEngine

    others = set(threading.enumerate())  # e.g. the session engine's routing threads
    engine = EmbeddedEngine(tiles.config_path, threads=2)
    expected = plan_route(engine, [CITY_HALL, STEPS]).distance_m
    start = threading.Barrier(6)
    results: list[float] = []

    def work() -> None:
        start.wait()
        results.extend(plan_route(engine, [CITY_HALL, STEPS]).distance_m for _ in range(3))

    callers = [threading.Thread(target=work) for _ in range(6)]
    for t in callers:
        t.start()
    for t in callers:
        t.join(timeout=120)
    routing = {t for t in threading.enumerate() if t.name.startswith("valhalla") and t not in others}
    assert results == [pytest.approx(expected)] * 18 and 1 <= len(routing) <= 2
    engine.close()
    for t in routing:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in routing)
