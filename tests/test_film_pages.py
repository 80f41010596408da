"""The film page, the map's film chooser data and the self-hosted marker-cluster plugin."""

from __future__ import annotations

import json
import re
from html import escape, unescape
from html.parser import HTMLParser

from app.maps.assets import STATIC_DIR
from tests.test_locations_api import assert_problem, real_features


class Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.links += [v for k, v in attrs if k == "href" and v]


def parse(html: str) -> Texts:
    p = Texts()
    p.feed(html)
    return p


def test_film_page_lists_places_scenes_today_and_tour_maps(client):
    resp = client.get("/films/rocky-1976")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    html = resp.text
    assert "<h1>Rocky (1976)</h1>" in html
    market = next(f["properties"] for f in real_features() if f["id"] == "italian-market")
    assert escape(market["name"]) in html
    assert escape(market["status_note"]) in html  # what is there today
    assert escape(market["appearances"][0]["scene"]) in html  # the scene note
    page = parse(html)
    assert "/tours/rocky-1976-montage/map" in page.links and "/tours/rocky-steps-run/map" in page.links
    assert "/map?film=rocky-1976" in page.links
    assert "script" not in page.tags
    # montage places come in film order
    names = [unescape(n) for n in re.findall(r"<h3><a href=\"/places/[^\"]+\">(.*?)</a></h3>", html)]
    by_id = {f["id"]: f["properties"]["name"] for f in real_features()}
    assert names.index(by_id["italian-market"]) < names.index(by_id["art-museum-steps"])


def test_film_page_escapes_dataset_text(sample_client):
    html = sample_client.get("/films/creed-2015").text
    assert "<script>alert(2)</script>" not in html and "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<i>&</i>" not in html and "Creed &lt;i&gt;&amp;&lt;/i&gt;" in html
    assert "Adonis &lt;b&gt;runs&lt;/b&gt;" in html
    rocky = sample_client.get("/films/rocky-1976").text
    assert "<img src=x" not in rocky and "<script>alert(1)" not in rocky
    assert '/films/creed-2015"' in rocky  # "also in" links the other film of a shared place


def test_unknown_film_page_is_404(client):
    assert_problem(client.get("/films/rocky-1977"), 404, "film_id")


def ft_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="ft-data">(.*?)</script>', html, re.DOTALL)
    return json.loads(m.group(1))


def test_map_page_carries_films_and_loads_the_vendored_cluster_plugin(sample_client):
    html = sample_client.get("/map").text
    data = ft_data(html)
    assert [f["id"] for f in data["films"]] == ["rocky-1976", "creed-2015"]
    steps = next(f for f in data["features"] if f["id"] == "steps")
    assert [a["film"] for a in steps["properties"]["appearances"]] == ["rocky-1976", "creed-2015"]
    srcs = re.findall(r'<script src="([^"]+)"', html)
    cluster = [s for s in srcs if "markercluster" in s]
    assert cluster == ["/static/vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js"]
    assert all(s.startswith("/static/") for s in srcs)  # nothing from a CDN
    assert sample_client.get(cluster[0]).status_code == 200
    assert sample_client.get("/").text.count("leaflet.markercluster.js") == 1  # the planner too


def test_cluster_plugin_is_vendored_with_its_licence():
    d = STATIC_DIR / "vendor" / "leaflet.markercluster-1.5.3"
    assert (
        "MIT" in (d / "MIT-LICENCE.txt").read_text()
        or "Permission is hereby granted" in (d / "MIT-LICENCE.txt").read_text()
    )
    assert "markerClusterGroup" in (d / "leaflet.markercluster.js").read_text()
