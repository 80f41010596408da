"""Upgrade without loss (issue 22 item 5): a database at 0004 (dataset format 2: no as_of, no viewpoint) with
saved routes, places, films and appearances is upgraded to head at start-up; every saved route reads back the
same, its delete token still works, and the places come back in format 3 (as_of, viewpoints) from data/."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from app.db.loader import _location_values
from app.db.migrate import alembic_config, current_revision
from app.db.session import make_engine
from app.main import create_app
from tests.conftest import REAL_LOCATIONS, make_settings
from tests.test_migration_films import head_revision, saved_routes_made_by_the_app


def _only(table: sa.Table, rows: list[dict]) -> list[dict]:
    names = set(table.c.keys())
    return [{k: v for k, v in row.items() if k in names} for row in rows]


def build_0004_database(engine: sa.Engine, routes: list[dict]) -> None:
    """The schema of 0004 with the rows the format-2 loader wrote there."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    meta = sa.MetaData()
    meta.reflect(engine)
    films = json.loads((REAL_LOCATIONS.parent / "films.json").read_text())["films"]
    features = json.loads(REAL_LOCATIONS.read_text())["features"]
    now = datetime.now(UTC)
    titles = {f["id"]: f["title"] for f in films}
    with engine.begin() as conn:
        conn.execute(
            meta.tables["film"].insert(),
            [
                {"id": f["id"], "title": f["title"], "year": f["year"], "data": f, "updated_at": now}
                for f in films
            ],
        )
        places = [_location_values(f, titles) | {"updated_at": now} for f in features]
        for place in places:  # as format 2 had them
            place["properties"] = {
                k: v for k, v in place["properties"].items() if k not in ("as_of", "history")
            }
        conn.execute(meta.tables["location"].insert(), _only(meta.tables["location"], places))
        appearances = [
            {
                "location_id": f["id"],
                "position": j,
                "film_id": a["film"],
                "scene": a["scene"],
                "scene_order": a["scene_order"],
                "sequence": a["sequence"],
                "exercise": a["exercise"],
                "filmed": a["filmed"],
                "viewpoint": a.get("viewpoint"),
            }
            for f in features
            for j, a in enumerate(f["properties"]["appearances"])
        ]
        conn.execute(meta.tables["appearance"].insert(), _only(meta.tables["appearance"], appearances))
        conn.execute(meta.tables["saved_route"].insert(), routes)


def exercise_upgrade(tmp_path, database_url: str | None) -> None:
    made = saved_routes_made_by_the_app(tmp_path)
    # seed=False: this test builds the 0004 database itself; the prepared template (head, data loaded) must
    # not be copied in first.
    settings = make_settings(tmp_path / "old", database_url=database_url, seed=False)
    engine = make_engine(settings)
    build_0004_database(engine, [row for row, _, _ in made])
    assert current_revision(engine) == "0004"
    assert "viewpoint" not in {c["name"] for c in sa.inspect(engine).get_columns("appearance")}

    with TestClient(create_app(settings)) as c:  # start-up upgrades to head and reloads data/
        assert current_revision(engine) == head_revision()
        for row, _token, served in made:
            assert c.get(f"/api/v1/routes/{row['id']}").json() == served
        last_row, last_token, _ = made[-1]
        url = f"/api/v1/routes/{last_row['id']}"
        assert c.delete(url, headers={"X-Delete-Token": last_token}).status_code == 204
        steps = c.get("/api/v1/locations/art-museum-steps").json()["properties"]
        assert (
            steps["film"] == {"title": "Rocky", "year": 1976} and steps["scene_order"] == 7
        )  # v1 fields kept
        shipped = {f["id"]: f["properties"] for f in json.loads(REAL_LOCATIONS.read_text())["features"]}
        assert steps.get("as_of") == shipped["art-museum-steps"].get("as_of")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM saved_route")).scalar() == len(made) - 1
        loaded = conn.execute(sa.text("SELECT count(*) FROM location WHERE as_of IS NOT NULL")).scalar()
        assert loaded == sum(1 for p in shipped.values() if p.get("as_of"))
        viewpoints = conn.execute(
            sa.text("SELECT count(*) FROM appearance WHERE viewpoint IS NOT NULL")
        ).scalar()
        assert viewpoints == sum(1 for p in shipped.values() for a in p["appearances"] if a.get("viewpoint"))
    engine.dispose()


def test_upgrade_from_0004_keeps_every_saved_route_on_sqlite(tmp_path):
    exercise_upgrade(tmp_path, None)


@pytest.mark.postgres
def test_upgrade_from_0004_keeps_every_saved_route_on_postgres(tmp_path, fresh_postgres_db):
    exercise_upgrade(tmp_path, fresh_postgres_db)


def test_downgrade_to_0004_keeps_saved_routes(tmp_path):
    made = saved_routes_made_by_the_app(tmp_path)
    engine = make_engine(
        make_settings(tmp_path / "old", seed=False)
    )  # an empty database, built as 0004 below
    build_0004_database(engine, [row for row, _, _ in made])
    cfg = alembic_config()
    for target in ("head", "0004"):
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target) if target == "head" else command.downgrade(cfg, target)
    with engine.connect() as conn:
        ids = set(conn.execute(sa.text("SELECT id FROM saved_route")).scalars().all())
        assert ids == {row["id"] for row, _, _ in made}
        assert "as_of" not in {c["name"] for c in sa.inspect(conn).get_columns("location")}
    engine.dispose()
