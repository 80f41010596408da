"""Upgrade without loss (issue 10 item 6): a database made by the format-1 version (schema 0001, its location
rows, saved routes, delete-token hashes, geocoder cache) is upgraded to head; every saved route reads back the
same as GeoJSON and GPX, its delete token still works, the cache survives, and the places are format 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import gpxpy
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api.state import app_state
from app.db.migrate import alembic_config, current_revision
from app.db.models import SavedRoute
from app.db.session import make_engine
from app.main import create_app
from tests.conftest import REAL_LOCATIONS, make_settings

ROUTE_BODIES = [
    {"stops": ["italian-market", "art-museum-steps"], "activity": "run", "title": "Market to steps"},
    {"tour": "rocky-steps-run"},
    {"stops": [{"lat": 39.9496, "lon": -75.1503, "name": "Hotel"}, "art-museum-steps"], "activity": "walk"},
]


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def saved_routes_made_by_the_app(tmp_path) -> list[tuple[dict, str, dict]]:
    """Routes saved through the real API: the saved_route rows (unchanged between 0001 and 0002), their tokens
    and their GeoJSON as first served."""
    settings = make_settings(tmp_path / "maker", seed=False)
    out = []
    with TestClient(create_app(settings)) as c:
        for body in ROUTE_BODIES:
            created = c.post("/api/v1/routes", json=body)
            assert created.status_code == 201, created.text
            doc = created.json()
            out.append((doc["id"], doc["delete_token"], c.get(f"/api/v1/routes/{doc['id']}").json()))
        engine = app_state(c.app).db_engine
        with Session(engine) as session:
            rows = {r.id: r.model_dump() for r in session.exec(select(SavedRoute)).all()}
    return [(rows[i], token, served) for i, token, served in out]


def format1_location_rows() -> list[dict]:
    """Location rows as the format-1 loader wrote them (film title/year columns, v1 properties)."""
    rows = []
    for f in json.loads(REAL_LOCATIONS.read_text())["features"]:
        p = f["properties"]
        first = p["appearances"][0]
        v1 = {k: v for k, v in p.items() if k not in ("appearances", "locality", "in_philadelphia")}
        v1.update(
            film={"title": "Rocky", "year": 1976}, scene_order=first["scene_order"], scene=first["scene"]
        )
        rows.append(
            {
                "id": p["id"],
                "name": p["name"],
                "film_title": "Rocky",
                "film_year": 1976,
                "scene_order": first["scene_order"],
                "visitable": p["visitable"],
                "confidence": p["confidence"],
                "lon": f["geometry"]["coordinates"][0],
                "lat": f["geometry"]["coordinates"][1],
                "properties": v1,
                "updated_at": datetime.now(UTC),
            }
        )
    return rows


def build_0001_database(engine: sa.Engine, routes: list[dict]) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        conn.execute(meta.tables["location"].insert(), format1_location_rows())
        conn.execute(meta.tables["saved_route"].insert(), routes)
        conn.execute(
            meta.tables["geocode_cache"].insert(),
            [
                {
                    "query": "1 logan sq, philadelphia",
                    "lat": 39.957,
                    "lon": -75.170,
                    "display_name": "Logan Square",
                    "provider": "nominatim",
                    "created_at": datetime.now(UTC),
                }
            ],
        )


def exercise_upgrade(tmp_path, database_url: str | None) -> None:
    made = saved_routes_made_by_the_app(tmp_path)
    settings = make_settings(tmp_path / "old", seed=False, database_url=database_url)
    engine = make_engine(settings)
    build_0001_database(engine, [row for row, _, _ in made])
    assert current_revision(engine) == "0001"

    with TestClient(create_app(settings)) as c:  # start-up upgrades to head and loads format 2
        assert current_revision(engine) == head_revision()
        for row, token, served in made:
            url = f"/api/v1/routes/{row['id']}"
            assert c.get(url).json() == served
            gpx = gpxpy.parse(c.get(url, params={"format": "gpx"}).text)
            points = [p for t in gpx.tracks for s in t.segments for p in s.points]
            line = served["features"][0]["geometry"]["coordinates"]
            assert len(points) == len(line)
            assert (points[0].longitude, points[0].latitude) == pytest.approx(tuple(line[0]), abs=1e-6)
        last_row, last_token, _ = made[-1]
        url = f"/api/v1/routes/{last_row['id']}"
        assert c.delete(url, headers={"X-Delete-Token": "wrong"}).status_code == 403
        assert c.delete(url, headers={"X-Delete-Token": last_token}).status_code == 204
        assert c.get(url).status_code == 404
        steps = c.get("/api/v1/locations/art-museum-steps").json()["properties"]
        assert steps["film"] == {"title": "Rocky", "year": 1976} and steps["scene_order"] == 7
        assert steps["appearances"][0]["film"] == "rocky-1976"
        assert c.get("/api/v1/locations", params={"q": "steps"}).json()["numberMatched"] >= 1
    with engine.connect() as conn:
        cached = conn.execute(sa.text("SELECT display_name FROM geocode_cache")).scalars().all()
        assert cached == ["Logan Square"]
        assert conn.execute(sa.text("SELECT count(*) FROM saved_route")).scalar() == len(made) - 1
    engine.dispose()


def test_upgrade_from_0001_keeps_every_saved_route_on_sqlite(tmp_path):
    exercise_upgrade(tmp_path, None)


@pytest.mark.postgres
def test_upgrade_from_0001_keeps_every_saved_route_on_postgres(tmp_path, fresh_postgres_db):
    exercise_upgrade(tmp_path, fresh_postgres_db)


def test_downgrade_to_0001_keeps_saved_routes(tmp_path):
    made = saved_routes_made_by_the_app(tmp_path)
    engine = make_engine(make_settings(tmp_path / "old", seed=False))
    build_0001_database(engine, [row for row, _, _ in made[:1]])
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id FROM saved_route")).scalars().all() == [made[0][0]["id"]]
        assert "film_title" in {c["name"] for c in sa.inspect(conn).get_columns("location")}
