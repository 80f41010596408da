"""Bad input is refused by name and changes nothing: control characters in any text a client sends, dates out
of range (year 9999 was a 500), and a stop that cannot be reached is named as the client sent it (stops[0],
start), whatever order the route visits it in. A route stored with control characters before these checks still
exports as well-formed GPX and KML."""

from __future__ import annotations

import xml.dom.minidom

import pytest
from sqlmodel import Session, select

from app.api.state import app_state
from app.db.models import SavedRoute

A_TO_B = ["italian-market", "art-museum-steps"]
FAR = {"lat": 39.95, "lon": -75.05}  # in the Delaware, kilometres from any walkable way


def _count(client) -> int:
    with Session(app_state(client.app).db_engine) as s:
        return len(s.exec(select(SavedRoute.id)).all())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stops": A_TO_B, "title": "Rocky\x01"}, "title"),
        ({"stops": A_TO_B, "title": "tab\tin title"}, "title"),
        ({"stops": A_TO_B, "title": "C1 \x85 control"}, "title"),
        ({"stops": ["italian-market\x00", "art-museum-steps"]}, "stops[0]"),
        ({"stops": [{"lat": 39.95, "lon": -75.16, "name": "a\x1bb"}, *A_TO_B]}, "stops[0].name"),
        ({"start": {"address": "1 S Broad\x0b St"}, "stops": A_TO_B}, "start.address"),
        ({"tour": "rocky-1976-montage\x7f"}, "tour"),
        ({"stops": A_TO_B, "start_time": "9999-12-31T23:59:00"}, "start_time"),
        ({"stops": A_TO_B, "start_time": "1066-10-14T09:00:00"}, "start_time"),
        ({"stops": A_TO_B, "start_at_dawn": "9999-12-31"}, "start_at_dawn"),
    ],
)
def test_bad_text_and_dates_are_refused_by_name(client, body, field):
    r = client.post("/api/v1/routes", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["field"] == field and field in r.json()["detail"]
    assert _count(client) == 0


def test_dates_inside_the_bounds_work(client):
    r = client.post("/api/v1/routes", json={"stops": A_TO_B, "start_at_dawn": "2199-06-21"})
    assert r.status_code == 201, r.text
    assert r.json()["properties"]["dawn"]["civil_dawn"].startswith("2199-06-21")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stops": [FAR, *A_TO_B]}, "stops[0]"),  # as_filmed visits the point after the montage places
        ({"stops": [*A_TO_B, FAR], "order": "as_given"}, "stops[2]"),
        ({"start": FAR, "stops": A_TO_B}, "start"),
    ],
)
def test_an_unreachable_stop_is_named_as_sent(client, body, field):
    r = client.post("/api/v1/routes", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and r.json()["detail"].startswith(field)


def test_a_stored_control_character_does_not_break_the_exports(client):
    rid = client.post("/api/v1/routes", json={"stops": A_TO_B, "title": "Fine"}).json()["id"]
    with Session(app_state(client.app).db_engine) as s:  # as saved before titles were checked
        row = s.get(SavedRoute, rid)
        row.result = {**row.result, "properties": {**row.result["properties"], "title": "Bad\x01\x0bTitle"}}
        s.add(row)
        s.commit()
    for fmt in ("kml", "gpx"):
        r = client.get(f"/api/v1/routes/{rid}", params={"format": fmt})
        assert r.status_code == 200, r.text
        doc = xml.dom.minidom.parseString(r.content)  # well-formed XML
        assert "BadTitle" in doc.toxml()
