"""Place pages (/places/{id}): the place's films and scenes, today, visiting, where to stand, its sources and
tours, in English and Spanish, with every dataset text escaped; an unknown id is a 404 problem; the API's
place features link to them and so do film pages."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import make_settings


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def test_hostile_text_is_escaped_on_the_place_page(sample_client: TestClient):
    page = sample_client.get("/places/market")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    html = page.text
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "Italian &lt;script&gt;alert(1)&lt;/script&gt; Market" in html  # the name, shown as text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt; runs past stalls" in html  # the scene
    # the only <script> elements: the two JSON blocks and our own files (no inline code, no injected tag)
    assert parsed(html).tags.count("img") == 0
    steps = sample_client.get("/places/steps").text
    assert "Adonis &lt;b&gt;runs&lt;/b&gt; up &amp; &#34;shouts&#34;" in steps
    assert 'href="/films/creed-2015"' in steps and 'href="/films/rocky-1976"' in steps


def test_place_page_content_and_links(sample_client: TestClient):
    html = sample_client.get("/places/steps").text
    hrefs = parsed(html).hrefs
    assert "/tours/rocky-1976-montage/map" in hrefs  # a tour that stops here
    assert "https://example.org/a" in hrefs and "https://example.org/d" in hrefs  # its sources
    assert "/api/v1/locations/steps" in hrefs
    for text in ("Filmed here", "Open to the public", "72 steps", "Go early", "Runs up the steps"):
        assert text in html
    elsewhere = sample_client.get("/places/meat-plant").text
    assert "outside Philadelphia" in elsewhere and "Shot in Los Angeles" in elsewhere


def test_unknown_place_is_a_404_problem(sample_client: TestClient):
    for url in ("/places/nope", "/cards/places/nope.png"):
        r = sample_client.get(url)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["field"] == "place_id"
    assert sample_client.get("/places/bad%20id").status_code == 422


def test_the_api_and_the_film_page_link_to_place_pages(sample_client: TestClient):
    one = sample_client.get("/api/v1/locations/steps").json()
    assert {"rel": "page", "type": "text/html", "href": "/places/steps"} in one["links"]
    every = sample_client.get("/api/v1/locations").json()
    assert all(f["links"][0]["href"] == f"/places/{f['id']}" for f in every["features"])
    assert "/places/steps" in parsed(sample_client.get("/films/rocky-1976").text).hrefs
    # the map page's data carries the same links, for the popups' "About this place"
    assert '"href":"/places/market"' in sample_client.get("/map").text


@pytest.fixture(scope="module")
def real_client(tmp_path_factory):
    with TestClient(create_app(make_settings(tmp_path_factory.mktemp("places")))) as c:
        yield c


def test_a_viewpoint_says_where_to_stand_in_both_languages(real_client: TestClient):
    en = real_client.get("/places/kelly-drive-arched-bridge")
    assert "Stand here, face NW" in en.text and "(322°)" in en.text
    assert "as of 2026-12-07" in en.text
    es = real_client.get("/places/kelly-drive-arched-bridge?lang=es")
    assert es.headers["content-language"] == "es" and '<html lang="es">' in es.text
    assert "Colóquese aquí, mirando al NO" in es.text and "Rodado aquí" in es.text
    assert "<h2>Filmed here</h2>" not in es.text and "<h2>Rodado aquí</h2>" in es.text


def test_only_web_addresses_among_the_sources_become_links(sample_client: TestClient, tmp_path):
    from app.maps.render import render_place_page

    feature = sample_client.get("/api/v1/locations/steps").json()
    feature["properties"]["sources"] = ["javascript:alert(1)", "https://example.org/ok", '"><b>x</b>']
    html = render_place_page(feature, [], make_settings(tmp_path))
    assert 'href="javascript:' not in html and "<b>x</b>" not in html
    assert "<li>javascript:alert(1)</li>" in html and 'href="https://example.org/ok"' in html
