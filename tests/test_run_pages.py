"""The run pages' HTTP side (issue 21): reachable from every map, the planner and the film pages; the route,
the strings it speaks (in the route's language) in the JSON block, no inline script; the modules under a
versioned path; part of the offline pack."""

from __future__ import annotations

import json
import re

from app.maps.assets import run_module_path

TOUR = "rocky-1976-montage"


def page_data(html: str) -> dict:
    return json.loads(
        re.search(r'<script type="application/json" id="ft-data">(.*?)</script>', html, re.DOTALL).group(1)
    )


def test_run_pages_for_a_tour_and_a_saved_route(client):
    tour = client.get(f"/tours/{TOUR}/run?workout=rocky")
    assert tour.status_code == 200
    assert "script-src 'self'" in tour.headers["content-security-policy"]
    assert (
        re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", tour.text) == []
    )  # no inline script
    data = page_data(tour.text)
    assert data["route"]["properties"]["workout"]["level"] == "rocky"
    assert data["speech_lang"] == "en-US" and data["messages"]["Start run"] == "Start run"
    assert f'<script type="module" src="/static/{run_module_path()}/main.js">' in tour.text

    created = client.post(
        "/api/v1/routes", json={"stops": ["italian-market", "art-museum-steps"], "language": "es"}
    )
    rid = created.json()["id"]
    route = client.get(f"/routes/{rid}/run")  # no ?lang=: the route's own language
    data = page_data(route.text)
    assert route.headers["content-language"] == "es" and data["speech_lang"] == "es-ES"
    assert data["messages"]["Start run"] == "Empezar a correr"
    assert client.get(f"/routes/{rid}/run?lang=en").headers["content-language"] == "en"
    assert client.get("/routes/nosuchroute1/run").status_code == 404
    assert client.get("/tours/nosuchtour/run").status_code == 404
    # every map links to it
    assert re.search(f'href="[^"]*/routes/{rid}/run"', client.get(f"/routes/{rid}/map").text)
    assert re.search(f'href="[^"]*/tours/{TOUR}/run"', client.get(f"/tours/{TOUR}/map").text)
    assert f'href="/tours/{TOUR}/run"' in client.get("/films/rocky-1976").text
    assert 'id="ft-run-link"' in client.get("/").text


def test_run_modules_are_versioned_and_in_the_offline_pack(client):
    main = client.get(f"/static/{run_module_path()}/main.js")
    assert main.status_code == 200 and "immutable" in main.headers["cache-control"]
    assert "javascript" in main.headers["content-type"]
    urls = client.get(f"/api/v1/tours/{TOUR}/offline-manifest").json()["urls"]
    assert any(u.endswith(f"/tours/{TOUR}/run") for u in urls)
    for name in ("main.js", "geo.js", "tracker.js", "cues.js", "store.js", "gpx.js", "voice.js", "text.js"):
        assert any(u.endswith(f"/static/{run_module_path()}/{name}") for u in urls), name
