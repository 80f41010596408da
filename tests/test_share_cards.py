"""Share cards: every tour, route, film and the locations map page carries Open Graph and Twitter card tags with
the configured public base URL, and its og:image is a 1200×630 PNG of ≤ 200 KB drawn from our own basemap,
showing the route in the route's colour; cached with an ETag."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.maps.basemap import ensure_basemap
from app.maps.card_content import BAND, PARK, ROUTE_COLOUR, VISIT_COLOUR, WATER
from tests.conftest import SHARED_BASEMAP, make_settings

BASE = "https://films.example/atlas"  # a public base URL with a path prefix
MONTAGE = "rocky-1976-montage"


class Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a["name"]] = a.get("content") or ""
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical = a.get("href")


def head_of(html: str) -> Head:
    parser = Head()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    settings = make_settings(
        tmp_path_factory.mktemp("cards"),
        basemap_dir=SHARED_BASEMAP,
        build_tiles_on_startup=True,
        public_base_url=BASE,
    )
    ensure_basemap(settings)
    with TestClient(create_app(settings)) as c:
        yield c


def card_image(client: TestClient, url: str) -> tuple[Image.Image, bytes]:
    assert url.startswith(BASE + "/cards/")
    r = client.get(url.removeprefix(BASE))
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(r.content))
    image.load()
    return image.convert("RGB"), r.content


def colour_share(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 12) -> float:
    """The share of the image's pixels within ``tolerance`` of ``colour`` in every channel."""
    pixels = np.asarray(image, dtype=int)
    return float((np.abs(pixels - np.array(colour)) <= tolerance).all(axis=2).mean())


def test_tour_page_tags_and_its_card_show_the_route_on_our_map(app_client: TestClient):
    page = app_client.get(f"/tours/{MONTAGE}/map")
    head = head_of(page.text)
    assert head.canonical == f"{BASE}/tours/{MONTAGE}/map" == head.meta["og:url"]
    assert head.meta["og:title"] == "The Rocky (1976) training montage, in film order"
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["og:description"] and head.meta["twitter:description"] == head.meta["og:description"]
    assert (head.meta["og:image:width"], head.meta["og:image:height"]) == ("1200", "630")
    assert head.meta["og:image"] == head.meta["twitter:image"] == f"{BASE}/cards/tours/{MONTAGE}.png"
    image, png = card_image(app_client, head.meta["og:image"])
    assert image.size == (1200, 630) and len(png) <= 200_000
    assert colour_share(image, ROUTE_COLOUR) > 0.005  # the line and the numbered stops
    assert colour_share(image, WATER) > 0.005  # the Schuylkill and the Delaware, from the basemap archive
    assert colour_share(image, PARK) > 0.001  # Fairmount Park


def test_cards_are_cached_with_an_etag(app_client: TestClient):
    first = app_client.get(f"/cards/tours/{MONTAGE}.png")
    again = app_client.get(f"/cards/tours/{MONTAGE}.png", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert app_client.get(f"/cards/tours/{MONTAGE}.png").content == first.content


def test_saved_route_page_and_card(app_client: TestClient):
    made = app_client.post("/api/v1/routes", json={"tour": "rocky-steps-run", "activity": "walk"})
    assert made.status_code == 201, made.text
    route_id = made.json()["id"]
    head = head_of(app_client.get(f"/routes/{route_id}/map").text)
    assert head.canonical == f"{BASE}/routes/{route_id}/map"
    assert " km walk · " in head.meta["og:description"]
    image, _ = card_image(app_client, head.meta["og:image"])
    assert image.size == (1200, 630) and colour_share(image, ROUTE_COLOUR) > 0.002
    token = made.json()["delete_token"]
    assert (
        app_client.delete(f"/api/v1/routes/{route_id}", headers={"X-Delete-Token": token}).status_code == 204
    )
    gone = app_client.get(f"/cards/routes/{route_id}.png")
    assert gone.status_code == 404 and gone.headers["content-type"] == "application/problem+json"


def test_film_and_locations_map_pages_have_cards(app_client: TestClient):
    film = head_of(app_client.get("/films/rocky-1976").text)
    assert film.meta["og:title"] == "Rocky (1976)" and film.canonical == f"{BASE}/films/rocky-1976"
    image, _ = card_image(app_client, film.meta["og:image"])
    assert image.size == (1200, 630) and colour_share(image, ROUTE_COLOUR) > 0.001  # the numbered places
    every = head_of(app_client.get("/map").text)
    assert every.canonical == f"{BASE}/map"
    image, _ = card_image(app_client, every.meta["og:image"])
    assert image.size == (1200, 630)
    assert app_client.get("/cards/films/nope.png").status_code == 404


def test_embeds_carry_no_card(app_client: TestClient):
    assert "og:image" not in app_client.get(f"/embed/tours/{MONTAGE}").text
    assert "og:image" in app_client.get(f"/tours/{MONTAGE}/map").text


def test_place_page_tags_and_its_card_show_the_marker_on_our_map(app_client: TestClient):
    head = head_of(app_client.get("/places/kelly-drive-arched-bridge").text)
    assert head.canonical == f"{BASE}/places/kelly-drive-arched-bridge" == head.meta["og:url"]
    assert head.meta["og:title"] == "Arched stone bridge on the Schuylkill (Kelly Drive trail)"
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["og:description"].startswith("Filmed here: Rocky")
    assert head.meta["og:image"] == head.meta["twitter:image"]
    image, png = card_image(app_client, head.meta["og:image"])
    assert image.size == (1200, 630) and len(png) <= 200_000
    above_band = image.crop((0, 0, 1200, 630 - BAND))  # the band's stripe is red too
    assert colour_share(above_band, ROUTE_COLOUR) > 0.0005  # the marker (a public place: the map's red)
    assert colour_share(image, WATER) > 0.01  # the Schuylkill beside it, from our basemap
    # a place seen from the street only: its marker in that colour, as on the map
    street = next(
        f["id"]
        for f in app_client.get("/api/v1/locations?visitable=view_from_street").json()["features"]
        if f["properties"]["in_philadelphia"]
    )
    image, _ = card_image(app_client, head_of(app_client.get(f"/places/{street}").text).meta["og:image"])
    assert colour_share(image.crop((0, 0, 1200, 630 - BAND)), VISIT_COLOUR["view_from_street"]) > 0.0005
    etag = app_client.get(f"/cards/places/{street}.png").headers["etag"]
    again = app_client.get(f"/cards/places/{street}.png", headers={"If-None-Match": etag})
    assert again.status_code == 304
