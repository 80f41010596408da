"""Workout mode and the song cue through the real app: stations from data/exercises.json, ETAs, exports."""

from __future__ import annotations

import itertools
import json

import gpxpy
import jsonschema
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point

from app.core.config import SHIPPED_DATA
from app.services import workout
from tests.test_locations_api import assert_problem
from tests.test_routes_api import create, route_of, stops_of

MONTAGE = {"tour": "rocky-1976-montage", "activity": "run", "pace_min_per_km": 6}
TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)


def metres_from_route(fc: dict, lat: float, lon: float) -> float:
    coords = route_of(fc)["geometry"]["coordinates"]
    xs, ys = TO_M.transform([c[0] for c in coords], [c[1] for c in coords])
    line = LineString(list(zip(xs, ys, strict=True)))
    return line.distance(Point(*TO_M.transform(lon, lat)))


def test_exercises_file_is_valid_sourced_and_points_at_real_places():
    doc = json.loads((SHIPPED_DATA / "exercises.json").read_text())
    jsonschema.validate(doc, json.loads((SHIPPED_DATA / "exercises.schema.json").read_text()))
    ids = {
        f["properties"]["id"]
        for f in json.loads((SHIPPED_DATA / "locations.geojson").read_text())["features"]
    }
    assert set(doc["stations_at"]) <= ids
    for ex in doc["exercises"].values():
        assert ex["sources"] and all(s["url"].startswith("http") for s in ex["sources"])
        assert set(ex.get("location_ids", [])) <= ids
    assert workout.catalogue()["song"]["default_song_s"] == 193
    bad = {**doc, "leg_rotation": ["no-such-exercise"]}
    with pytest.raises(ValueError, match="no-such-exercise"):
        workout.catalogue.__wrapped__(_write(bad))


def _write(doc: dict):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "exercises.json"
    path.write_text(json.dumps(doc))
    return path


def test_workout_levels_stations_and_etas(client):
    plain = create(client, MONTAGE)
    totals = {}
    for level in ("beginner", "intermediate", "rocky"):
        fc = create(client, {**MONTAGE, "workout": {"level": level}})
        w = fc["properties"]["workout"]
        stations = w["stations"]
        at_stops = {s["after_seq"]: s for s in stations if s["kind"] == "stop"}
        by_seq = {s["seq"]: s for s in stops_of(fc)}
        # the gym and the steps get the scene's exercises; the runs do not
        assert {by_seq[q]["location_id"] for q in at_stops} == {"mighty-micks-gym", "art-museum-steps"}
        gym = next(
            s
            for s in stations
            if s["kind"] == "stop" and by_seq[s["after_seq"]]["location_id"] == "mighty-micks-gym"
        )
        assert {e["film_exercise"] for e in gym["exercises"]} >= {
            "One-armed push-ups",
            "Medicine ball to the stomach",
        }
        for st in stations:
            assert st["scene"] and st["safety"] and st["duration_s"] > 0
            assert all((e["reps"] is None) != (e["seconds"] is None) for e in st["exercises"])
            assert metres_from_route(fc, st["lat"], st["lon"]) < 30
        # long legs get evenly spaced stations
        legs = route_of(fc)["properties"]["legs"]
        for leg in legs:
            on_leg = [
                s["distance_from_start_m"]
                for s in stations
                if s["kind"] == "leg" and s["after_seq"] == leg["from_seq"]
            ]
            assert len(on_leg) == int(leg["distance_m"] // 1500) if leg["distance_m"] >= 1500 else not on_leg
            if len(on_leg) > 1:
                gaps = [b - a for a, b in itertools.pairwise(on_leg)]
                assert max(gaps) - min(gaps) < 1
        # ETAs include the stations met before each stop
        for s_plain, s in zip(stops_of(plain), stops_of(fc), strict=True):
            before = sum(st["duration_s"] for st in stations if st["after_seq"] < s["seq"])
            assert s["arrival_elapsed_s"] == pytest.approx(s_plain["arrival_elapsed_s"] + before, abs=0.2)
        assert w["total_s"] == pytest.approx(w["running_s"] + w["stations_s"], abs=0.2)
        assert w["stations_s"] == pytest.approx(sum(s["duration_s"] for s in stations), abs=0.2)
        elapsed = [s["elapsed_s"] for s in stations]
        assert elapsed == sorted(elapsed)
        totals[level] = w["total_s"]
    assert totals["beginner"] < totals["intermediate"] < totals["rocky"]
    # the same on a tour, and in the saved copy
    tour = client.get("/api/v1/tours/rocky-1976-montage?workout=rocky&pace_min_per_km=6").json()
    assert tour["properties"]["workout"]["total_s"] == pytest.approx(totals["rocky"], abs=0.5)
    assert "workout" not in client.get("/api/v1/tours/rocky-1976-montage").json()["properties"]


def test_song_cue_lands_the_peak_at_the_steps(client):
    for pace in (5, 6, 7):
        fc = create(client, {**MONTAGE, "pace_min_per_km": pace})
        cue = fc["properties"]["song_cue"]
        steps = next(s for s in stops_of(fc) if s["location_id"] == "art-museum-steps")
        assert cue["song_s"] == 193 and cue["peak_elapsed_s"] == steps["arrival_elapsed_s"]
        assert cue["elapsed_s"] == pytest.approx(steps["arrival_elapsed_s"] - 193, abs=0.2)
        # no stations: distance = elapsed time at the pace
        assert cue["distance_from_start_m"] == pytest.approx(cue["elapsed_s"] / (pace * 60) * 1000, abs=0.5)
        assert metres_from_route(fc, cue["lat"], cue["lon"]) < 5
    long_song = create(client, {**MONTAGE, "song_s": 600})["properties"]["song_cue"]
    assert long_song["song_s"] == 600 and long_song["elapsed_s"] == pytest.approx(
        long_song["peak_elapsed_s"] - 600, abs=0.2
    )
    # with a workout, the cue counts the stations' time before it
    w = create(client, {**MONTAGE, "workout": {"level": "rocky"}})["properties"]
    assert w["song_cue"]["elapsed_s"] == pytest.approx(w["song_cue"]["peak_elapsed_s"] - 193, abs=0.2)
    # a route shorter than the song: start at the start, part way into the song
    short = create(
        client, {"stops": [{"lat": 39.9645, "lon": -75.1794}, "art-museum-steps"], "activity": "run"}
    )
    cue = short["properties"]["song_cue"]
    assert cue["elapsed_s"] == 0 and cue["distance_from_start_m"] == 0
    assert (
        cue["skip_into_song_s"] == pytest.approx(193 - cue["peak_elapsed_s"], abs=0.2)
        and cue["skip_into_song_s"] > 0
    )


@pytest.mark.parametrize("song_s", [10, 5000, "long", -193])
def test_bad_song_length_is_named(client, song_s):
    assert_problem(client.post("/api/v1/routes", json={**MONTAGE, "song_s": song_s}), 422, "song_s")
    assert_problem(client.get(f"/api/v1/tours/rocky-steps-run?song_s={song_s}"), 422, "song_s")


def test_bad_workout_level_is_named(client):
    assert_problem(
        client.post("/api/v1/routes", json={**MONTAGE, "workout": {"level": "expert"}}), 422, "workout.level"
    )
    assert_problem(client.get("/api/v1/tours/rocky-steps-run?workout=expert"), 422, "workout")


def test_cue_sheet_and_gpx_show_the_workout_and_the_cue(client):
    fc = create(client, {**MONTAGE, "workout": {"level": "beginner"}})
    n = len(fc["properties"]["workout"]["stations"])
    txt = client.get(f"/api/v1/routes/{fc['id']}?format=txt").text
    assert txt.count("WORKOUT ") == n and 'Press play on "Gonna Fly Now"' in txt
    assert "Incline push-ups (8 reps)" in txt and "Safety:" in txt
    gpx = gpxpy.parse(client.get(f"/api/v1/routes/{fc['id']}?format=gpx").text)
    workouts = [w for w in gpx.waypoints if w.type == "workout"]
    assert len(workouts) == n and all("Safety:" in w.description for w in workouts)
    cue = next(w for w in gpx.waypoints if w.type == "song_cue")
    assert (cue.latitude, cue.longitude) == (
        fc["properties"]["song_cue"]["lat"],
        fc["properties"]["song_cue"]["lon"],
    )


FAIRMOUNT = {"lat": 39.9672, "lon": -75.1735}  # 1 km from the steps up Fairmount Avenue


def test_first_steps_one_way_ends_at_the_steps_when_in_reach(client):
    for km in (1, 2, 3):
        fc = create(client, {"start": FAIRMOUNT, "first_steps": {"km": km}})
        p = fc["properties"]
        assert (
            p["first_steps"]["place"] == "art-museum-steps"
            and "lacing up" in p["first_steps"]["call_to_action"]
        )
        assert stops_of(fc)[-1]["location_id"] == "art-museum-steps"
        assert 0.9 * km * 1000 <= p["distance_m"] <= 1.1 * km * 1000, p["distance_m"]
        assert p["activity"] == "run" and p["pace_min_per_km"] == 7.0 and p["workout"]["level"] == "beginner"
        assert p["song_cue"]["peak_at"]["name"] == stops_of(fc)[-1]["name"]


def test_first_steps_loop_and_nearest_place(client):
    fc = create(client, {"start": FAIRMOUNT, "first_steps": {"km": 3, "shape": "loop"}, "activity": "walk"})
    p, stops = fc["properties"], stops_of(fc)
    assert p["activity"] == "walk" and stops[0]["name"] == stops[-1]["name"] == "Start"
    assert p["first_steps"]["place"] in {s["location_id"] for s in stops}
    assert 2700 <= p["distance_m"] <= 3300
    # from the Italian Market, 1 km reaches only the market itself, not the steps (4 km away)
    near_market = create(client, {"start": {"lat": 39.9400, "lon": -75.1590}, "first_steps": {"km": 1}})
    assert near_market["properties"]["first_steps"]["place"] == "italian-market"


def test_first_steps_refusals_are_named(client):
    far = {"lat": 39.99, "lon": -75.20}
    assert_problem(
        client.post("/api/v1/routes", json={"start": far, "first_steps": {"km": 1}}), 422, "first_steps.km"
    )
    assert_problem(client.post("/api/v1/routes", json={"first_steps": {"km": 1}}), 422, "start")
    assert_problem(
        client.post("/api/v1/routes", json={"start": FAIRMOUNT, "first_steps": {"km": 5}}),
        422,
        "first_steps.km",
    )
    bad = {"start": FAIRMOUNT, "first_steps": {"km": 2}, "tour": "rocky-steps-run"}
    assert_problem(client.post("/api/v1/routes", json=bad), 422, "first_steps")
