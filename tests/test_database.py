"""Migrations, idempotent loading and the PostgreSQL path (against a real server)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select

from app.db.loader import DatasetError, load_dataset, sibling_files
from app.db.migrate import current_revision, upgrade_to_head
from app.db.models import Location
from app.db.session import make_engine
from tests.conftest import REAL_LOCATIONS, SAMPLE_LOCATIONS, make_settings


def migrated_engine(settings):
    engine = make_engine(settings)
    upgrade_to_head(engine)
    return engine


def exercise_loading(engine, tmp_path: Path) -> None:
    first = load_dataset(engine, REAL_LOCATIONS)
    n = len(json.loads(REAL_LOCATIONS.read_text())["features"])
    assert (first.inserted, first.updated, first.unchanged) == (n, 0, 0)
    second = load_dataset(engine, REAL_LOCATIONS)
    assert (second.inserted, second.updated, second.unchanged, second.removed) == (0, 0, n, 0)

    # an edited dataset updates only the changed row
    doc = json.loads(REAL_LOCATIONS.read_text())
    doc["features"][0]["properties"]["tips"] = "Changed tip"
    edited = tmp_path / "edited.geojson"
    edited.write_text(json.dumps(doc))
    third = load_dataset(engine, edited, *sibling_files(REAL_LOCATIONS))
    assert (third.updated, third.unchanged) == (1, n - 1)
    with Session(engine) as s:
        row = s.get(Location, doc["features"][0]["properties"]["id"])
        assert row.properties["tips"] == "Changed tip"
        assert len(s.exec(select(Location)).all()) == n


def test_sqlite_is_created_in_the_data_dir_and_migrated(tmp_path):
    settings = make_settings(tmp_path, seed=False)
    engine = migrated_engine(settings)
    assert (tmp_path / "data" / "filmtour.db").exists()
    assert current_revision(engine) is not None
    assert {"location", "saved_route", "geocode_cache"} <= set(inspect(engine).get_table_names())
    upgrade_to_head(engine)  # running again is harmless


def test_loading_is_idempotent_on_sqlite(tmp_path):
    exercise_loading(migrated_engine(make_settings(tmp_path, seed=False)), tmp_path)


def test_bad_dataset_changes_nothing(tmp_path):
    engine = migrated_engine(make_settings(tmp_path, seed=False))
    load_dataset(engine, SAMPLE_LOCATIONS)
    broken = tmp_path / "broken.geojson"
    doc = json.loads(SAMPLE_LOCATIONS.read_text())
    del doc["features"][1]["properties"]["visitable"]
    broken.write_text(json.dumps(doc))
    with pytest.raises(DatasetError, match="visitable"):
        load_dataset(engine, broken, *sibling_files(SAMPLE_LOCATIONS))
    (tmp_path / "junk.geojson").write_text("{not json")
    with pytest.raises(DatasetError, match="not valid JSON"):
        load_dataset(engine, tmp_path / "junk.geojson", *sibling_files(SAMPLE_LOCATIONS))
    with Session(engine) as s:
        assert len(s.exec(select(Location)).all()) == 3


@pytest.mark.postgres
def test_postgres_migrates_and_loads_idempotently(fresh_postgres_db, tmp_path):
    settings = make_settings(tmp_path, database_url=fresh_postgres_db)
    engine = migrated_engine(settings)
    assert engine.dialect.name == "postgresql"
    assert {"location", "saved_route", "geocode_cache"} <= set(inspect(engine).get_table_names())
    exercise_loading(engine, tmp_path)


@pytest.mark.postgres
def test_api_on_postgres(fresh_postgres_db, tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app

    settings = make_settings(tmp_path, database_url=fresh_postgres_db)
    with TestClient(create_app(settings)) as c:
        body = c.get("/api/v1/locations").json()
        assert body["numberMatched"] == len(json.loads(REAL_LOCATIONS.read_text())["features"])
        assert c.get("/readyz").json()["database"] == "ok"
