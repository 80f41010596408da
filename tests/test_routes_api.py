"""POST/GET /api/v1/routes and /api/v1/tours through the real app: GeoJSON, exports, limits and errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import gpxpy
import pytest
from fastapi.testclient import TestClient
from geojson_pydantic import FeatureCollection
from sqlalchemy import func
from sqlmodel import Session, select

from app.api.state import app_state
from app.db.models import SavedRoute
from app.main import create_app
from tests.conftest import make_settings
from tests.support.http_stub import Reply, closed_port_url, http_stub
from tests.test_locations_api import assert_problem

RUN = {"tour": "rocky-1976-montage", "activity": "run", "pace_min_per_km": 6}


def create(client, body: dict) -> dict:
    resp = client.post("/api/v1/routes", json=body)
    assert resp.status_code == 201, resp.text
    assert resp.headers["location"] == f"/api/v1/routes/{resp.json()['id']}"
    assert resp.headers["content-type"].startswith("application/geo+json")
    return resp.json()


def stops_of(fc: dict) -> list[dict]:
    return [f["properties"] for f in fc["features"] if f["properties"]["kind"] == "stop"]


def route_of(fc: dict) -> dict:
    return next(f for f in fc["features"] if f["properties"]["kind"] == "route")


def test_montage_tour_route_is_geojson_with_stops_legs_and_etas(client):
    fc = create(client, RUN)
    parsed = FeatureCollection(**fc)  # valid RFC 7946 by geojson-pydantic's models
    assert {type(f.geometry).__name__ for f in parsed.features} == {"LineString", "Point"}
    assert fc["type"] == "FeatureCollection" and len(fc["id"]) >= 16  # >= 96 random bits, url-safe
    route = route_of(fc)
    assert route["geometry"]["type"] == "LineString" and len(route["geometry"]["coordinates"]) > 100
    stops = stops_of(fc)
    assert [s["scene_order"] for s in stops] == sorted(s["scene_order"] for s in stops)
    assert {s["visitable"] for s in stops} <= {"public", "view_from_street"}
    skipped = {s["location_id"]: s for s in fc["skipped"]}
    assert (
        "shamrock-meats-vernon" in skipped
        and "not filmed in Philadelphia" in skipped["shamrock-meats-vernon"]["reason"]
    )
    # scene 1's rail bed still exists and is seen from the street: routed, not skipped
    assert stops[0]["location_id"] == "railroad-yard-dawn" and "railroad-yard-dawn" not in skipped
    legs = route["properties"]["legs"]
    assert len(legs) == len(stops) - 1 and all(leg["maneuvers"] for leg in legs)
    assert all(
        {"instruction", "distance_m", "street_names"} <= m.keys() for leg in legs for m in leg["maneuvers"]
    )
    # ETA = distance / pace, at every stop
    for s in stops:
        assert s["arrival_elapsed_s"] == pytest.approx(s["distance_from_start_m"] / 1000 * 6 * 60, abs=0.2)
    assert fc["properties"]["duration_s"] == pytest.approx(fc["properties"]["distance_m"] * 0.36, abs=0.5)
    assert "OpenStreetMap" in fc["properties"]["attribution"]
    assert fc["delete_token"]


def test_every_leg_of_every_tour_is_routable(client):
    tours = client.get("/api/v1/tours").json()["tours"]
    assert {t["id"] for t in tours} >= {"rocky-1976-montage", "rocky-steps-run"}
    for t in tours:
        fc = client.get(f"/api/v1/tours/{t['id']}").json()
        assert route_of(fc)["properties"]["distance_m"] > 500
        assert all(leg["distance_m"] > 0 for leg in route_of(fc)["properties"]["legs"])
    gpx = gpxpy.parse(client.get("/api/v1/tours/rocky-steps-run?format=gpx").text)
    finish = [w for w in gpx.waypoints if w.type == "finish"]
    steps_name = client.get("/api/v1/locations/art-museum-steps").json()["properties"]["name"]
    assert finish[-1].name.endswith(steps_name)
    steps_run = client.get("/api/v1/tours/rocky-steps-run").json()
    assert stops_of(steps_run)[-1]["location_id"] == "art-museum-steps"
    assert_problem(client.get("/api/v1/tours/no-such-tour"), 404, "tour_id")


def test_saved_route_reads_back_in_every_format(client):
    fc = create(client, {**RUN, "start_at_dawn": "2026-06-01", "title": "Dawn run"})
    rid = fc["id"]
    again = client.get(f"/api/v1/routes/{rid}")
    assert again.status_code == 200 and again.json()["features"] == fc["features"]
    assert fc["properties"]["dawn"]["civil_dawn"].startswith("2026-06-01T05:")
    assert stops_of(fc)[0]["arrival_time"] == fc["properties"]["dawn"]["civil_dawn"]

    gpx = gpxpy.parse(client.get(f"/api/v1/routes/{rid}?format=gpx").text)
    stop_wpts = [w for w in gpx.waypoints if w.type in ("start", "stop", "finish")]
    assert [w.name.split(". ", 1)[1] for w in stop_wpts] == [s["name"] for s in stops_of(fc)]
    assert "In the film" in gpx.waypoints[1].description
    assert len(gpx.tracks[0].segments[0].points) == len(route_of(fc)["geometry"]["coordinates"])
    assert gpx.tracks[0].length_2d() == pytest.approx(fc["properties"]["distance_m"], rel=0.02)
    assert "OpenStreetMap" in gpx.description

    kml = client.get(f"/api/v1/routes/{rid}", headers={"Accept": "application/vnd.google-earth.kml+xml"})
    assert kml.headers["content-type"].startswith("application/vnd.google-earth.kml+xml")
    root = ET.fromstring(kml.content)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    assert len(root.findall(".//k:Placemark", ns)) == len(stops_of(fc)) + 1

    cue = client.get(f"/api/v1/routes/{rid}", headers={"Accept": "text/plain"}).text
    assert "Dawn run" in cue and "Civil dawn" in cue and "Turn" in cue
    assert_problem(client.get(f"/api/v1/routes/{rid}?format=pdf"), 422, "format")


def test_unknown_route_is_404(client):
    assert_problem(client.get("/api/v1/routes/AAAAAAAAAAAAAAAA"), 404, "route_id")
    assert_problem(client.get("/api/v1/routes/bad$id"), 422, "route_id")


def test_delete_needs_the_token(client):
    fc = create(client, {"stops": ["italian-market", "art-museum-steps"]})
    url = f"/api/v1/routes/{fc['id']}"
    assert_problem(client.delete(url), 403, "X-Delete-Token")
    assert_problem(client.delete(url, headers={"X-Delete-Token": "wrong"}), 403, "X-Delete-Token")
    assert client.get(url).status_code == 200
    assert client.delete(url, headers={"X-Delete-Token": fc["delete_token"]}).status_code == 204
    assert client.get(url).status_code == 404


def test_points_and_ids_in_given_order_with_return(client):
    body = {
        "stops": [{"lat": 39.9526, "lon": -75.1635, "name": "City Hall"}, "art-museum-steps"],
        "order": "as_given",
        "return_to_start": True,
        "activity": "walk",
    }
    fc = create(client, body)
    names = [s["name"] for s in stops_of(fc)]
    assert names[0] == "City Hall" and names[-1] == "City Hall" and stops_of(fc)[-1]["role"] == "finish"
    assert fc["properties"]["pace_min_per_km"] == 12.0


def test_loop_from_a_hotel(client):
    fc = create(
        client,
        {
            "start": {"lat": 39.9505, "lon": -75.1660, "name": "Hotel"},
            "loop_km": 8,
            "activity": "run",
            "finish_at": "art-museum-steps",
        },
    )
    assert abs(fc["properties"]["distance_m"] - 8000) <= 800
    assert stops_of(fc)[-1]["location_id"] == "art-museum-steps"


def test_address_start_is_found_offline_and_the_fallback_only_for_the_rest(tmp_path):
    answer = json.dumps(
        [
            {
                "lat": "39.9505",
                "lon": "-75.1660",
                "display_name": "A hotel",
                "place_id": 1,
                "boundingbox": ["39.95", "39.96", "-75.17", "-75.16"],
            }
        ]
    ).encode()
    with http_stub(lambda req: Reply(body=answer)) as stub:
        settings = make_settings(
            tmp_path, geocoder_url=stub.url, geocoder_min_interval_s=0, geocoder_fallback=True
        )
        with TestClient(create_app(settings)) as c:
            fc = create(c, {"start": {"address": "1200 Market St"}, "stops": ["art-museum-steps"]})
            assert not stub.requests  # a Philadelphia address never leaves the machine
            create(c, {"start": {"address": "17 Zzyzx Road"}, "stops": ["italian-market"]})
            create(c, {"start": {"address": "17 zzyzx road "}, "stops": ["italian-market"]})
    start = stops_of(fc)[0]
    assert start["name"] == "Start"
    assert (
        len(stub.requests) == 1
    )  # the unknown one went to the fallback once; the second came from the cache


def test_unknown_address_without_the_fallback_is_a_clear_422(client):
    resp = client.post(
        "/api/v1/routes", json={"start": {"address": "17 Zzyzx Road"}, "stops": ["italian-market"]}
    )
    body = assert_problem(resp, 422, "start.address")
    assert body["type"].endswith("/address-not-found")


def test_fallback_down_is_503(tmp_path):
    settings = make_settings(tmp_path, geocoder_url=closed_port_url(), geocoder_fallback=True)
    with TestClient(create_app(settings)) as c:
        resp = c.post(
            "/api/v1/routes", json={"start": {"address": "17 Zzyzx Road"}, "stops": ["italian-market"]}
        )
    assert_problem(resp, 503, None)
    assert "Retry-After" in resp.headers


def saved_route_count(client) -> int:
    with Session(app_state(client.app).db_engine) as session:
        return session.exec(select(func.count()).select_from(SavedRoute)).one()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stops": ["nowhere-at-all", "italian-market"]}, "stops[0]"),
        ({"stops": [{"lat": 95, "lon": 0}, "italian-market"]}, "stops[0].lat"),
        ({"stops": ["italian-market"] * 26}, "stops"),
        ({"stops": ["italian-market", {"lat": 39.95, "lon": -75.13}]}, "stops[1]"),
        ({"start": {"lat": 39.95, "lon": -75.16}, "loop_km": 51}, "loop_km"),
        ({"loop_km": 5}, "start"),
        ({"stops": ["italian-market", "art-museum-steps"], "pace_min_per_km": 1}, "pace_min_per_km"),
        ({"stops": ["italian-market", "art-museum-steps"], "activity": "swim"}, "activity"),
        ({"stops": ["italian-market", "art-museum-steps"], "order": "random"}, "order"),
        ({"tour": "nope"}, "tour"),
        ({"stops": []}, "stops"),
        ({"stops": ["italian-market", "art-museum-steps"], "surprise": 1}, "surprise"),
        ({"stops": ["shamrock-meats-vernon", "olympic-auditorium"]}, "stops"),
    ],
)
def test_bad_route_requests_are_named_and_save_nothing(client, body, field):
    create(client, {"stops": ["italian-market", "art-museum-steps"]})  # one good route, so "nothing" is seen
    before = saved_route_count(client)
    resp = client.post("/api/v1/routes", json=body)
    assert resp.status_code in (404, 422), resp.text
    problem = assert_problem(resp, resp.status_code, None)
    assert problem["field"].startswith(field), problem
    assert before == 1 and saved_route_count(client) == before


def test_body_limit_and_bad_json(client):
    assert_problem(
        client.post(
            "/api/v1/routes",
            content=b"{" + b" " * 70_000 + b"}",
            headers={"content-type": "application/json"},
        ),
        413,
        "body",
    )
    assert (
        client.post(
            "/api/v1/routes", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )


def test_rate_limit_on_route_creation(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, rate_limit_routes_per_minute=2))) as c:
        body = {"stops": ["italian-market", "art-museum-steps"]}
        assert c.post("/api/v1/routes", json=body).status_code == 201
        assert c.post("/api/v1/routes", json=body).status_code == 201
        resp = c.post("/api/v1/routes", json=body)
        assert_problem(resp, 429, None)
        assert int(resp.headers["Retry-After"]) > 0


def test_a_loop_lists_the_places_that_did_not_fit(client):
    """The loop planner's RoutePlan.skipped reaches the answer, each with why (it was never read: a 5 km loop
    silently left out most of the montage)."""
    resp = client.post("/api/v1/routes", json={"start": {"lat": 39.9526, "lon": -75.1635}, "loop_km": 5})
    assert resp.status_code == 201, resp.text
    doc = resp.json()
    visited = {
        f["properties"].get("location_id") for f in doc["features"] if f["properties"]["kind"] == "stop"
    }
    unfit = [s for s in doc["skipped"] if s["reason"].startswith("does not fit a 5 km route")]
    assert unfit, doc["skipped"]
    assert all(s["location_id"] and s["location_id"] not in visited and s["name"] for s in unfit)
