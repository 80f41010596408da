"""Films, appearances, film filter, full-text search (SQLite FTS5 and PostgreSQL tsvector) and tours as data."""

from __future__ import annotations

import json
import shutil

import pytest
from fastapi.testclient import TestClient

from app.api.state import app_state
from app.db.loader import DatasetError, read_dataset
from app.main import create_app
from tests.conftest import SAMPLE_LOCATIONS, make_settings
from tests.test_locations_api import assert_problem


def ids(body: dict) -> list[str]:
    return [f["id"] for f in body["features"]]


def test_films_list_counts_places_per_film(sample_client):
    films = {f["id"]: f for f in sample_client.get("/api/v1/films").json()["films"]}
    assert films["rocky-1976"]["location_count"] == 3
    assert films["creed-2015"]["location_count"] == 1
    assert films["creed-2015"]["title"] == "Creed <i>&</i>"


def test_one_film_and_unknown_film(sample_client):
    film = sample_client.get("/api/v1/films/rocky-1976").json()
    assert (film["title"], film["year"], film["director"]) == ("Rocky", 1976, "John G. Avildsen")
    assert {t["id"] for t in film["tours"]} == {"rocky-1976-montage", "rocky-steps-run"}
    assert film["sequences"] == [{"id": "training-montage", "name": "Montage"}]
    assert_problem(sample_client.get("/api/v1/films/rocky-1977"), 404, "film_id")


def test_film_filter_by_id_and_v1_title(sample_client):
    assert ids(sample_client.get("/api/v1/locations", params={"film": "creed-2015"}).json()) == ["steps"]
    by_title = sample_client.get("/api/v1/locations", params={"film": "rocky"}).json()
    assert sorted(ids(by_title)) == ["market", "meat-plant", "steps"]
    assert sample_client.get("/api/v1/locations", params={"film": "nope"}).json()["numberMatched"] == 0


def test_v1_properties_come_from_the_rocky_appearance(sample_client):
    p = sample_client.get("/api/v1/locations/steps").json()["properties"]
    assert p["film"] == {"title": "Rocky", "year": 1976}
    assert (p["scene_order"], p["scene"], p["exercise"]) == (7, "The finale.", "Runs up the steps")
    assert [a["film"] for a in p["appearances"]] == ["rocky-1976", "creed-2015"]
    assert p["appearances"][1]["film_title"] == "Creed <i>&</i>"
    assert (p["locality"], p["in_philadelphia"], p["precision_m"], p["gone_since"]) == (
        "Philadelphia, PA",
        True,
        50,
        None,
    )


def search_ids(client: TestClient, q: str, **params) -> list[str]:
    resp = client.get("/api/v1/locations", params={"q": q, **params})
    assert resp.status_code == 200, resp.text
    return ids(resp.json())


def exercise_search(client: TestClient) -> None:
    assert search_ids(client, "museum") == ["steps"]  # name
    assert search_ids(client, "creed") == ["steps"]  # film title
    assert search_ids(client, "stall") == ["market"]  # scene, stemmed: "stalls"
    assert search_ids(client, "pkwy") == ["steps"]  # address
    assert search_ids(client, "punch beef") == ["meat-plant"]  # every word, stemmed
    assert search_ids(client, "punch museum") == []
    assert search_ids(client, "sho") == ["steps"]  # prefix of "shouts"
    assert search_ids(client, '"beef* (punch:* -') == ["meat-plant"]  # operators are text, never syntax
    assert search_ids(client, "runs", film="creed-2015") == ["steps"]
    # ranked: a name match comes before a scene-only match
    assert search_ids(client, "steps")[0] == "steps"
    for bad in ("", "   ", "!!!", "x" * 201):
        assert_problem(client.get("/api/v1/locations", params={"q": bad}), 422, "q")


def test_search_on_sqlite_fts5(sample_client):
    exercise_search(sample_client)


@pytest.mark.postgres
def test_search_on_postgres_tsvector(tmp_path, fresh_postgres_db):
    settings = make_settings(tmp_path, database_url=fresh_postgres_db, locations_file=SAMPLE_LOCATIONS)
    with TestClient(create_app(settings)) as c:
        exercise_search(c)
        engine = app_state(c.app).db_engine
        with engine.connect() as conn:
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(
                r[0]
                for r in conn.exec_driver_sql(
                    "EXPLAIN SELECT id FROM location WHERE "
                    "(setweight(to_tsvector('english', name), 'A') || "
                    "setweight(to_tsvector('english', search_text), 'B')) @@ to_tsquery('english', 'steps:*')"
                )
            )
        assert "ix_location_fts" in plan  # the GIN index serves the query


def test_tours_list_has_films_activity_and_distance(client):
    tours = {t["id"]: t for t in client.get("/api/v1/tours").json()["tours"]}
    montage = tours["rocky-1976-montage"]
    assert montage["films"] == ["rocky-1976"] and montage["activity"] == "run"
    assert montage["distance_m"] > 3000
    skipped = {s["location_id"]: s["reason"] for s in montage["skipped"]}
    # the meat plant was filmed in Vernon, California: listed as skipped, never routed to
    assert "shamrock-meats-vernon" in skipped
    assert skipped["shamrock-meats-vernon"].startswith("this scene was not filmed in Philadelphia")
    assert tours["rocky-steps-run"]["pace"] == "easy"


def tour_dir(tmp_path, stops: list[str]):
    """A copy of the sample dataset with one extra tour."""
    d = tmp_path / "ds"
    d.mkdir(parents=True)
    for name in ("films.json", "tours.json"):
        shutil.copy(SAMPLE_LOCATIONS.parent / name, d / name)
    doc = json.loads(SAMPLE_LOCATIONS.read_text())
    far = json.loads(json.dumps(doc["features"][1]))
    far["id"] = far["properties"]["id"] = "roxborough"  # in Philadelphia, outside the old downtown box
    far["geometry"]["coordinates"] = [-75.21, 40.03]
    beyond = json.loads(json.dumps(doc["features"][1]))
    beyond["id"] = beyond["properties"]["id"] = "beyond"  # where no street network of ours reaches
    beyond["geometry"]["coordinates"] = [-75.35, 40.12]
    river = json.loads(json.dumps(doc["features"][1]))
    river["id"] = river["properties"]["id"] = "mid-river"  # in the box, 400 m from any walkable way
    river["geometry"]["coordinates"] = [-75.1335, 39.9530]
    doc["features"] += [far, river, beyond]
    (d / "locations.geojson").write_text(json.dumps(doc))
    tours = json.loads((d / "tours.json").read_text())
    tours["tours"].append(
        {
            "id": "mixed",
            "name": "Mixed",
            "description": "Test tour",
            "activity": "walk",
            "pace": "easy",
            "films": ["rocky-1976"],
            "stops": stops,
        }
    )
    (d / "tours.json").write_text(json.dumps(tours))
    return d


def test_unroutable_tour_stops_are_skipped_with_the_reason(tmp_path):
    d = tour_dir(tmp_path, ["market", "roxborough", "meat-plant", "mid-river", "beyond", "steps"])
    with TestClient(create_app(make_settings(tmp_path, locations_file=d / "locations.geojson"))) as c:
        fc = c.get("/api/v1/tours/mixed").json()
        # The whole city is routed: Roxborough is a stop; where the network does not reach, the network says so.
        stops = [
            f["properties"]["location_id"] for f in fc["features"] if f["properties"].get("kind") == "stop"
        ]
        assert stops == ["market", "roxborough", "steps"]
        reasons = {s["location_id"]: s["reason"] for s in fc["skipped"]}
        assert reasons["beyond"].startswith("too far from the street network: ")  # "10294 m from the ..."
        assert reasons["meat-plant"].startswith("this scene was not filmed in Philadelphia")
        assert reasons["mid-river"].startswith("too far from the street network")


def test_loader_refuses_inconsistent_files(tmp_path):
    d = tour_dir(tmp_path, ["market", "no-such-place"])
    with pytest.raises(DatasetError, match="no-such-place"):
        read_dataset(d / "locations.geojson")
    d2 = tour_dir(tmp_path / "b", ["market", "steps"])
    doc = json.loads((d2 / "locations.geojson").read_text())
    doc["features"][0]["properties"]["appearances"][0]["film"] = "rocky-1977"
    (d2 / "locations.geojson").write_text(json.dumps(doc))
    with pytest.raises(DatasetError, match="rocky-1977"):
        read_dataset(d2 / "locations.geojson")
    doc["features"][0]["properties"]["appearances"][0]["film"] = "rocky-1976"
    doc["features"][0]["properties"]["colour"] = "red"  # the schema allows no extra keys
    (d2 / "locations.geojson").write_text(json.dumps(doc))
    with pytest.raises(DatasetError, match="colour"):
        read_dataset(d2 / "locations.geojson")
