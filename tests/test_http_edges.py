"""Paths of the HTTP surface that the main API tests do not reach: conditional GETs with weak and `*` tags,
the 500 handler, oEmbed refusals and scaling, public_base_url, /readyz while the database is away, and
Valhalla's request limits."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.api.state import app_state
from app.core.errors import PROBLEM_JSON
from app.main import create_app
from tests.conftest import make_settings
from tests.fixtures.postgres import _admin_sql


def problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM_JSON)
    return resp.json()


# --- conditional GETs ----------------------------------------------------------------------------------


def test_weak_and_star_if_none_match_give_304(client):
    first = client.get("/api/v1/locations/art-museum-steps")
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    for header in (etag, f"W/{etag}", f'"other", W/{etag}', "*"):
        again = client.get("/api/v1/locations/art-museum-steps", headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b"" and again.headers["etag"] == etag
    other = client.get("/api/v1/locations/art-museum-steps", headers={"If-None-Match": '"nope", W/"nope"'})
    assert other.status_code == 200 and other.content == first.content


# --- the 500 handler -----------------------------------------------------------------------------------


def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(settings, caplog):
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret connection string postgres://u:pw@db")

    with TestClient(app, raise_server_exceptions=False) as c, caplog.at_level(logging.ERROR):
        body = problem(c.get("/boom"), 500)
    assert body["type"].endswith("/internal") and body["instance"] == "/boom"
    assert "secret" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    assert any("unhandled error on GET /boom" in r.getMessage() for r in caplog.records)  # but it is logged


# --- oEmbed --------------------------------------------------------------------------------------------


@pytest.fixture
def route_id(client) -> str:
    resp = client.post("/api/v1/routes", json={"tour": "rocky-1976-montage", "title": "Dawn <run>"})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/routes/abcdefgh/map",  # another site
        "ftp://testserver/routes/abcdefgh/map",  # not http(s)
        "http://testserver/api/v1/routes/abcdefgh",  # not a page
        "http://testserver/films/rocky/map",  # not a route or tour
        "http://testserver/routes/abcdefgh",  # no /map
    ],
)
def test_oembed_refuses_urls_that_are_not_our_pages(client, url):
    body = problem(client.get("/oembed", params={"url": url}), 422)
    assert body["field"] == "url"


def test_oembed_unknown_items_are_404_and_other_formats_422(client):
    assert problem(client.get("/oembed", params={"url": "http://testserver/routes/zzzzzzzzzz/map"}), 404)
    assert (
        problem(client.get("/oembed", params={"url": "http://testserver/tours/nope/map"}), 404)["field"]
        == "url"
    )
    url = "http://testserver/tours/rocky-1976-montage/map"
    assert problem(client.get("/oembed", params={"url": url, "format": "xml"}), 422)["field"] == "format"


def test_oembed_scales_to_maxwidth_and_maxheight_keeping_the_shape(client, route_id):
    url = f"http://testserver/routes/{route_id}/map"

    def size(**limits):
        body = client.get("/oembed", params={"url": url, **limits}).json()
        assert f'width="{body["width"]}"' in body["html"] and f'height="{body["height"]}"' in body["html"]
        return body["width"], body["height"]

    assert size() == (800, 600)
    assert size(maxwidth=400) == (400, 300)
    assert size(maxheight=150) == (200, 150)
    assert size(maxwidth=400, maxheight=150) == (200, 150)
    assert size(maxwidth=4000, maxheight=4000) == (800, 600)  # never scaled up
    body = client.get("/oembed", params={"url": f"http://testserver/embed/routes/{route_id}"}).json()
    assert body["title"] == "Dawn <run>" and "Dawn &lt;run&gt;" in body["html"]  # the embed URL works too


# --- public_base_url -----------------------------------------------------------------------------------


def test_public_base_url_is_used_for_links_and_oembed(tmp_path):
    settings = make_settings(tmp_path, public_base_url="https://films.example/tour/")
    with TestClient(create_app(settings)) as c:
        created = c.post("/api/v1/routes", json={"tour": "rocky-1976-montage"}).json()
        hrefs = [link["href"] for link in created["links"]]
        assert hrefs and all(h.startswith("https://films.example/tour/") for h in hrefs), hrefs
        assert f"https://films.example/tour/routes/{created['id']}/map" in hrefs
        page = f"https://films.example/tour/routes/{created['id']}/map"
        body = c.get("/oembed", params={"url": page}).json()
        assert body["provider_url"] == "https://films.example/tour/"
        assert f'src="https://films.example/tour/embed/routes/{created["id"]}"' in body["html"]
        # the request's own host is no longer "this site"
        assert problem(c.get("/oembed", params={"url": f"http://testserver/routes/{created['id']}/map"}), 422)


# --- /readyz while the database is away -----------------------------------------------------------------


@pytest.mark.postgres
def test_readyz_is_503_while_the_database_refuses_connections_and_recovers(
    fresh_postgres_db, postgres_server_url, tmp_path
):
    name = fresh_postgres_db.rsplit("/", 1)[1]
    with TestClient(create_app(make_settings(tmp_path, database_url=fresh_postgres_db))) as c:
        assert c.get("/readyz").json() == {"status": "ready", "database": "ok"}
        _admin_sql(postgres_server_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _admin_sql(
            postgres_server_url,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        )
        try:
            down = c.get("/readyz")
            body = problem(down, 503)
            assert int(down.headers["retry-after"]) > 0 and "database unreachable" in body["detail"]
            assert c.get("/healthz").status_code == 200  # alive, just not ready
        finally:
            _admin_sql(postgres_server_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert c.get("/readyz").status_code == 200


# --- Valhalla's own limits ------------------------------------------------------------------------------


def test_a_request_over_valhallas_limits_is_a_422_naming_the_stops(tmp_path):
    """Valhalla allows 50 pedestrian locations; with our own cap raised, its refusal (code 150) comes back as
    a 422 on `stops`, not a 500."""
    settings = make_settings(tmp_path, max_stops=100, rate_limit_routes_per_minute=0)
    # 60 points on the Benjamin Franklin Parkway, City Hall to the Art Museum
    stops = [
        {"lat": 39.9536 + i * (39.9637 - 39.9536) / 59, "lon": -75.1650 + i * (-75.1790 + 75.1650) / 59}
        for i in range(60)
    ]
    with TestClient(create_app(settings)) as c:
        body = problem(c.post("/api/v1/routes", json={"stops": stops, "order": "as_given"}), 422)
    assert body["field"] == "stops" and "refused" in body["detail"], body


def test_a_spoofed_host_never_reaches_a_link(client):
    """Without FILMTOUR_PUBLIC_BASE_URL, links use the Host only when it is an allowed one."""
    body = {"stops": ["italian-market", "art-museum-steps"]}
    evil = client.post("/api/v1/routes", json=body, headers={"Host": "evil.example"})
    assert evil.status_code == 201
    hrefs = [link["href"] for link in evil.json()["links"]]
    assert hrefs and all(h.startswith("http://localhost") for h in hrefs), hrefs
    rid = evil.json()["id"]
    again = client.get(f"/api/v1/routes/{rid}", headers={"Host": "evil.example:8443"})
    assert "evil.example" not in again.text
    page = client.get(f"/routes/{rid}/map", headers={"Host": "evil.example"})
    assert page.status_code == 200 and "evil.example" not in page.text
    ok = client.get(f"/api/v1/routes/{rid}", headers={"Host": "127.0.0.1:8000"})
    assert ok.json()["links"][0]["href"].startswith("http://127.0.0.1:8000/")


def test_readyz_writes_at_most_every_few_seconds(client):
    """A public or busy /readyz must not become a stream of committed writes: the write check's success is
    reused for a few seconds (the connection and disk checks still run every time)."""
    from sqlalchemy import event

    writes = []
    engine = app_state(client.app).db_engine

    def count(conn, cursor, statement, *args):
        if statement.startswith("UPDATE alembic_version"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(20):
            assert client.get("/readyz").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(writes) <= 1


def test_database_errors_carry_no_bound_parameters(client):
    """A failing statement's message (logged with the traceback) names no bound value: an address being cached
    or a route being saved stayed in the log."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    engine = app_state(client.app).db_engine
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t_hidden (k TEXT PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t_hidden VALUES (:k)"), {"k": "1 S Broad St private"})
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO t_hidden VALUES (:k)"), {"k": "1 S Broad St private"})
    assert "Broad St" not in str(caught.value) and "parameters hidden" in str(caught.value)
