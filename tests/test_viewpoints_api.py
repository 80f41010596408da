"""Where to stand (issue 22 item 4) through the product: the place's API answer (documented in the OpenAPI),
a route's stops and their GPX waypoints, and the map pages' data and strings (Spanish included)."""

from __future__ import annotations

import json

import gpxpy
import pytest
from pyproj import Geod

from tests.conftest import REAL_LOCATIONS

GEOD = Geod(ellps="WGS84")


def shipped(pid: str) -> dict:
    return next(f for f in json.loads(REAL_LOCATIONS.read_text())["features"] if f["id"] == pid)["properties"]


def test_a_place_answers_its_viewpoints_as_of_and_history(client):
    props = client.get("/api/v1/locations/art-museum-steps").json()["properties"]
    written = shipped("art-museum-steps")
    first = props["appearances"][0]
    vp = first["viewpoint"]
    assert {k: vp[k] for k in written["appearances"][0]["viewpoint"]} == written["appearances"][0][
        "viewpoint"
    ]
    assert vp["compass"] == "SE" and len(vp["cone"]) == 7 and vp["cone"][0] == vp["cone"][-1]
    az = GEOD.inv(*vp["coordinates"], *vp["cone"][3])[0] % 360
    assert az == pytest.approx(vp["bearing_deg"], abs=0.5)  # the cone opens the way the camera looked
    assert props["viewpoint"]["film"] == "rocky-1976" and props["viewpoint"]["compass"] == "SE"
    assert props["as_of"] == written["as_of"]
    assert (
        props["film"] == {"title": "Rocky", "year": 1976} and props["scene_order"] == 7
    )  # v1 fields unchanged
    statue = client.get("/api/v1/locations/rocky-statue").json()["properties"]
    moves = [e for e in statue["history"] if e.get("from") or e.get("to")]
    assert len(moves) >= 5 and all(e["source"].startswith("https://") for e in statue["history"])


def test_a_place_without_a_viewpoint_has_none(client):
    props = client.get("/api/v1/locations/railroad-yard-dawn").json()["properties"]
    assert props["viewpoint"] is None
    assert all("viewpoint" not in a for a in props["appearances"])


def test_the_openapi_documents_viewpoint_as_of_and_history(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"bearing_deg", "compass", "cone", "confidence"} <= set(schemas["Viewpoint"]["properties"])
    place = schemas["LocationProperties"]["properties"]
    assert {"as_of", "history", "viewpoint"} <= set(place)
    assert "viewpoint" in schemas["AppearanceOut"]["properties"]
    assert "viewpoint" in schemas["StopProperties"]["properties"]


def test_route_stops_and_gpx_waypoints_say_where_to_stand(client):
    created = client.post("/api/v1/routes", json={"tour": "rocky-steps-run"})
    assert created.status_code == 201, created.text
    doc = created.json()
    steps = next(f for f in doc["features"] if f["properties"].get("location_id") == "art-museum-steps")
    vp = steps["properties"]["viewpoint"]
    assert vp["compass"] == "SE" and vp["film"] == "rocky-1976"
    gpx = gpxpy.parse(client.get(f"/api/v1/routes/{doc['id']}", params={"format": "gpx"}).text)
    wpt = next(w for w in gpx.waypoints if "Steps" in (w.name or ""))
    lon, lat = vp["coordinates"]
    assert f"Where to stand: {lat:.5f}, {lon:.5f}, face SE ({vp['bearing_deg']:.0f}°)." in wpt.description
    assert vp["note"] in wpt.description
    market = next(w for w in gpx.waypoints if "Market" in (w.name or ""))
    assert "Where to stand" not in (
        market.description or ""
    )  # no viewpoint researched there: nothing invented


@pytest.mark.parametrize(("lang", "phrase"), [("en", None), ("es", "Colóquese aquí, mirando al {dir}")])
def test_the_map_pages_carry_the_cones_and_the_words(client, lang, phrase):
    page = client.get("/map", params={"lang": lang}).text
    data = json.loads(page.split('id="ft-data">', 1)[1].split("</script>", 1)[0])
    cones = [
        a["viewpoint"] for f in data["features"] for a in f["properties"]["appearances"] if a.get("viewpoint")
    ]
    assert len(cones) >= 30 and all(len(v["cone"]) == 7 and v["compass"] for v in cones)
    if phrase:
        config = json.loads(page.split('id="ft-config">', 1)[1].split("</script>", 1)[0])
        assert config["i18n"]["Stand here, face {dir}"] == phrase and config["i18n"]["SW"] == "SO"
