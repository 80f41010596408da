"""Fair limits: whom a request is counted against, cost-weighted budgets shared by two real API processes on
one real PostgreSQL, the planning-slot cap, and tour plans re-timed for any pace without re-planning."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api.state import app_state
from app.core.exceptions import ServiceUnavailable
from app.core.ratelimit import PlanningSlots, client_key_of, parse_networks
from app.main import create_app
from app.routing.planner import duration_for
from tests.conftest import REAL_LOCATIONS, make_settings
from tests.support.live import live_app

PROXY = parse_networks(["10.0.0.5", "fd00::/8"])


@pytest.mark.parametrize(
    ("peer", "xff", "key"),
    [
        ("127.0.0.1", ["6.6.6.6"], "127.0.0.1"),  # not a trusted proxy: its header is the client's own lie
        ("10.0.0.5", ["6.6.6.6, 203.0.113.7"], "203.0.113.7"),  # rightmost untrusted hop
        ("10.0.0.5", ["203.0.113.7, 10.0.0.5"], "203.0.113.7"),  # proxies in the chain are skipped
        ("10.0.0.5", ["not-an-ip"], "10.0.0.5"),  # garbage: blame the proxy that passed it on
        ("10.0.0.5", [], "10.0.0.5"),
        ("2001:db8:1:2:aaaa::1", [], "2001:db8:1:2::/64"),  # IPv6 grouped by /64
        ("2001:db8:1:2:bbbb::9", [], "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.4", [], "198.51.100.4"),
        ("testclient", ["1.2.3.4"], "0.0.0.0"),  # not an address at all: one shared key, never free text
    ],
)
def test_client_key(peer, xff, key):
    assert client_key_of(peer, xff, PROXY) == key


def _bad_route(n_stops: int = 2, **extra) -> dict:
    # Unknown ids: refused (422) after the budget is charged, so no routing is needed to spend it.
    return {"stops": [f"nowhere-{i}" for i in range(n_stops)], **extra}


@pytest.mark.postgres
def test_budget_is_shared_by_two_processes_weighted_and_not_dodged(fresh_postgres_db, tmp_path):
    env = {
        "DATABASE_URL": fresh_postgres_db,
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_BUILD_TILES_ON_STARTUP": "false",
        "FILMTOUR_RATE_LIMIT_ROUTES_PER_MINUTE": "14",
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    with (
        live_app({**env, "FILMTOUR_DATA_DIR": str(tmp_path / "a")}, tmp_path) as a,
        live_app({**env, "FILMTOUR_DATA_DIR": str(tmp_path / "b")}, tmp_path) as b,
    ):
        # 14 A→B units, spread over both processes, then both refuse: one budget, not one per process
        codes = [
            httpx.post(f"{(a, b)[i % 2].url}/api/v1/routes", json=_bad_route()).status_code for i in range(14)
        ]
        assert codes == [422] * 14
        for app in (a, b):
            r = httpx.post(f"{app.url}/api/v1/routes", json=_bad_route())
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        # a made-up X-Forwarded-For from an untrusted peer does not buy a fresh budget
        for i in range(5):
            spoofed = {"X-Forwarded-For": f"198.51.100.{i}"}
            assert httpx.post(f"{a.url}/api/v1/routes", json=_bad_route(), headers=spoofed).status_code == 429


@pytest.mark.postgres
def test_expensive_requests_cost_more(fresh_postgres_db, tmp_path):
    env = {
        "DATABASE_URL": fresh_postgres_db,
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_BUILD_TILES_ON_STARTUP": "false",
        "FILMTOUR_RATE_LIMIT_ROUTES_PER_MINUTE": "14",
        "FILMTOUR_DATA_DIR": str(tmp_path / "a"),
        "FILMTOUR_LOG_LEVEL": "warning",
    }
    with live_app(env, tmp_path) as a:
        big = _bad_route(25, order="optimized")
        assert httpx.post(f"{a.url}/api/v1/routes", json=big).status_code == 422
        # that one request spent all 14 units: even an A→B is refused now
        assert httpx.post(f"{a.url}/api/v1/routes", json=_bad_route()).status_code == 429


def test_sqlite_workers_share_one_budget(tmp_path):
    """Single node on SQLite: the counters live in data_dir/ratelimit.db, shared by every app on it."""
    s = make_settings(tmp_path, rate_limit_routes_per_minute=3)
    with TestClient(create_app(s)) as one, TestClient(create_app(s)) as two:
        assert [c.post("/api/v1/routes", json=_bad_route()).status_code for c in (one, two, one)] == [422] * 3
        assert two.post("/api/v1/routes", json=_bad_route()).status_code == 429
    assert (tmp_path / "data" / "ratelimit.db").is_file()


def test_planning_slots_refuse_with_retry_after_when_full():
    slots = PlanningSlots(1, wait_s=0.05)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with slots:
            held.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    with pytest.raises(ServiceUnavailable) as exc, slots:
        pass
    assert exc.value.retry_after_s >= 1
    release.set()
    t.join()
    with slots:  # free again
        pass


def test_tour_plans_are_retimed_for_any_pace_without_replanning(client, monkeypatch):
    """Counted where every plan must pass: the app's own routing engine (route, optimized_route, locate)."""
    engine = app_state(client.app).routing
    calls: list[str] = []
    real_call = engine._call

    def counted(action, request):
        calls.append(action)
        return real_call(action, request)

    monkeypatch.setattr(engine, "_call", counted)
    docs = []
    for pace in (10.0001, 10.0002, 7.5):
        r = client.get("/api/v1/tours/rocky-steps-run", params={"activity": "run", "pace_min_per_km": pace})
        assert r.status_code == 200, r.text
        docs.append((pace, r.json()))
        if len(docs) == 1:
            first_plan = list(calls)
            assert "route" in first_plan or "optimized_route" in first_plan  # the seam is the one tours use
    assert calls == first_plan  # one plan for the tour and activity; every other pace re-timed from it
    for pace, fc in docs:
        props = fc["properties"]
        assert props["pace_min_per_km"] == pace
        assert props["duration_s"] == pytest.approx(duration_for(props["distance_m"], pace), abs=0.1)
        stops = [f["properties"] for f in fc["features"] if f["properties"]["kind"] == "stop"]
        for s in stops:
            assert s["arrival_elapsed_s"] == pytest.approx(
                duration_for(s["distance_from_start_m"], pace), abs=0.1
            )
    assert docs[0][1]["properties"]["distance_m"] == docs[2][1]["properties"]["distance_m"]


def test_a_repeated_tour_answer_is_served_from_memory(client, monkeypatch):
    """GET /api/v1/tours/{id}: the rendered answer is kept per query and format (app.api.caching.DatasetCache):
    the same query again is not re-planned, re-timed or re-encoded; another pace or format is its own entry."""
    plans = app_state(client.app).tour_plans
    calls: list[str] = []
    real_get = plans.get
    monkeypatch.setattr(plans, "get", lambda *a, **k: calls.append(a[3]) or real_get(*a, **k))
    url = "/api/v1/tours/rocky-steps-run"
    first = client.get(url, params={"pace_min_per_km": 8.5})
    again = client.get(url, params={"pace_min_per_km": 8.5})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert calls == ["rocky-steps-run"]
    gpx = client.get(url, params={"pace_min_per_km": 8.5, "format": "gpx"})
    assert gpx.status_code == 200 and gpx.headers["content-disposition"].endswith('.gpx"')
    other = client.get(url, params={"pace_min_per_km": 9})
    assert other.json()["properties"]["pace_min_per_km"] == 9
    assert len(calls) == 3
    assert (
        client.get(
            url, headers={"If-None-Match": first.headers["etag"]}, params={"pace_min_per_km": 8.5}
        ).status_code
        == 304
    )
    missing = client.get("/api/v1/tours/no-such-tour")
    assert missing.status_code == 404 and missing.json()["field"] == "tour_id"


def test_tour_plans_follow_a_dataset_change(client):
    """A ``db load`` (here: the tour row edited in the database, as another process would) is seen by the
    tour answers and by POSTed tours within the recheck time: plans are keyed by the dataset's fingerprint."""
    from sqlmodel import Session

    from app.db.models import Tour

    state = app_state(client.app)
    state.dataset_cache.recheck_s = 0  # re-read the fingerprint on every request
    url = "/api/v1/tours/rocky-1976-montage"
    before = client.get(url).json()
    posted = client.post("/api/v1/routes", json={"tour": "rocky-1976-montage"}).json()
    stops = [f["properties"]["location_id"] for f in before["features"] if f["properties"]["kind"] == "stop"]
    assert len(stops) >= 3
    with Session(state.db_engine) as session:
        row = session.get(Tour, "rocky-1976-montage")
        row.data = {**row.data, "stops": [s for s in row.data["stops"] if s != stops[1]]}
        session.add(row)
        session.commit()
    after = client.get(url).json()
    posted_after = client.post("/api/v1/routes", json={"tour": "rocky-1976-montage"}).json()
    for doc in (after, posted_after):
        ids = [f["properties"]["location_id"] for f in doc["features"] if f["properties"]["kind"] == "stop"]
        assert stops[1] not in ids and ids == [s for s in stops if s != stops[1]]
    assert posted["properties"]["distance_m"] != posted_after["properties"]["distance_m"]


def _without_ids(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("id", "links", "delete_token")}


def _differences(a, b, path="") -> list[str]:
    """Where two JSON documents differ (paths), for a readable failure."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in a.keys() | b.keys() for d in _differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"[:300]]


@pytest.mark.parametrize(
    "body",
    [
        {"tour": "rocky-1976-montage", "activity": "run", "pace_min_per_km": 6},
        {"tour": "rocky-steps-run", "activity": "walk", "title": "Mine", "workout": {"level": "beginner"}},
        {"tour": "rocky-1976-montage", "activity": "run", "pace": "tempo", "song_s": 200, "language": "es"},
    ],
)
def test_a_posted_tour_is_planned_once_and_answers_as_a_fresh_plan(client, monkeypatch, body):
    """POST /api/v1/routes of a ready-made tour uses the tour plans: the engine is asked once for the tour
    and activity, and what is saved is exactly what planning it afresh gives."""
    from sqlmodel import Session

    from app.schemas.routes import RouteRequest
    from app.services import routes as routes_service

    state = app_state(client.app)
    engine = state.routing
    calls: list[str] = []
    real_call = engine._call
    monkeypatch.setattr(engine, "_call", lambda action, req: calls.append(action) or real_call(action, req))
    first = client.post("/api/v1/routes", json=body)
    assert first.status_code == 201, first.text
    planned = len(calls)
    second = client.post("/api/v1/routes", json={**body, "pace_min_per_km": 9.25})
    assert second.status_code == 201, second.text
    assert len(calls) == planned  # re-timed, not re-planned
    assert second.json()["properties"]["pace_min_per_km"] == 9.25
    with Session(state.db_engine) as session:
        fresh = routes_service.plan(session, RouteRequest.model_validate(body), engine, state.settings)
    assert not _differences(_without_ids(first.json()), _without_ids(fresh))
    saved = client.get(first.headers["Location"]).json()
    assert not _differences(_without_ids(saved), _without_ids(fresh))


def test_a_posted_tour_with_its_own_options_is_planned_afresh(client):
    """A start time (arrival clock times) or another order is not the ready-made tour: planned, not cached."""
    r = client.post(
        "/api/v1/routes",
        json={"tour": "rocky-steps-run", "start_time": "2026-06-01T06:00:00", "order": "as_given"},
    )
    assert r.status_code == 201, r.text
    stops = [f["properties"] for f in r.json()["features"] if f["properties"]["kind"] == "stop"]
    assert stops[0]["arrival_time"].startswith("2026-06-01T06:00:00")
    unknown = client.post("/api/v1/routes", json={"tour": "no-such-tour"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "tour"


@pytest.mark.postgres
def test_start_up_work_on_a_fresh_database_takes_turns(fresh_postgres_db, tmp_path):
    """Three start-ups (each its own engine and connections, as replicas have) migrate and load the dataset at
    once on an empty PostgreSQL: the advisory lock makes them take turns; all succeed, the dataset is there once."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import text

    from app.main import prepare_database

    def start(i: int):
        return prepare_database(make_settings(tmp_path / f"r{i}", database_url=fresh_postgres_db))

    with ThreadPoolExecutor(3) as pool:
        engines = list(pool.map(start, range(3)))
    with engines[0].connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM location")).scalar_one()
        rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    assert n > 0 and len(rev) == 1
    for e in engines:
        e.dispose()


@pytest.mark.postgres
@pytest.mark.timeout(240)
def test_two_server_processes_starting_together_on_a_fresh_postgres(fresh_postgres_db, tmp_path):
    """Two real uvicorn processes (as two replicas) start at the same moment on an empty PostgreSQL: both come
    up (each waits at most 90 s for /readyz), the schema is migrated once and the dataset is there once."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine, text

    from tests.support.live import start_app

    env = {
        "DATABASE_URL": fresh_postgres_db,
        "FILMTOUR_LOCATIONS_FILE": str(REAL_LOCATIONS),
        "FILMTOUR_BUILD_TILES_ON_STARTUP": "false",
        "FILMTOUR_LOG_LEVEL": "warning",
    }

    def start(name: str):
        (tmp_path / name).mkdir()
        return start_app({**env, "FILMTOUR_DATA_DIR": str(tmp_path / name)}, tmp_path / name)

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(start, n) for n in ("a", "b")]
    apps = [f.result() for f in futures if f.exception() is None]  # (each start_app stops its own on failure)
    try:
        assert len(apps) == 2, [str(f.exception()) for f in futures if f.exception()]
        for app in apps:
            assert httpx.get(f"{app.url}/readyz", timeout=10).status_code == 200
            assert len(httpx.get(f"{app.url}/api/v1/locations", timeout=10).json()["features"]) > 0
        engine = create_engine(fresh_postgres_db)
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM location")).scalar_one()
            ids = conn.execute(text("SELECT count(DISTINCT id) FROM location")).scalar_one()
            revs = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        engine.dispose()
        assert n == ids == len(json.loads(REAL_LOCATIONS.read_text())["features"]) and len(revs) == 1
    finally:
        for app in apps:
            app.stop()
