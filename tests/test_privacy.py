"""A person's start is never kept more precisely than needed: a device position, a clicked point or a geocoded
address is rounded to 3 decimals (~100 m) before planning, so neither the saved route (a public, shareable
document) nor its stored request holds it to the 10 cm the device sent. Saved routes leave shared caches
within five minutes of being deleted (they were cached for a day)."""

from __future__ import annotations

import json

from sqlmodel import Session

from app.api.state import app_state
from app.db.models import SavedRoute

PRECISE = {"lat": 39.9512345, "lon": -75.1645678}


def test_a_first_steps_start_is_stored_rounded(client):
    resp = client.post("/api/v1/routes", json={"first_steps": {"km": 2}, "start": PRECISE})
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    start = next(f for f in doc["features"] if f["properties"].get("kind") == "stop")
    assert start["geometry"]["coordinates"] == [-75.165, 39.951]
    with Session(app_state(client.app).db_engine) as session:
        row = session.get(SavedRoute, doc["id"])
        stored = json.dumps(row.result) + json.dumps(row.request)
    assert row.request["start"]["lat"] == 39.951 and row.request["start"]["lon"] == -75.165
    for precise in ("39.95123", "75.16456", "39.951234", "75.164568"):
        assert precise not in stored and precise not in resp.text


def test_a_stop_list_start_point_is_rounded_too(client):
    resp = client.post("/api/v1/routes", json={"start": PRECISE, "stops": ["art-museum-steps"]})
    assert resp.status_code == 201, resp.text
    assert "39.95123" not in resp.text and "75.16456" not in resp.text


def test_saved_routes_leave_shared_caches_soon(client):
    rid = client.post("/api/v1/routes", json={"stops": ["italian-market", "art-museum-steps"]}).json()["id"]
    for url in (f"/api/v1/routes/{rid}", f"/routes/{rid}/map", f"/api/v1/routes/{rid}?format=gpx"):
        cache = client.get(url).headers["cache-control"]
        assert "max-age=300" in cache, (url, cache)
