"""Share cards kept on disk (app.maps.card_store): drawn once per content, read back by the next process (a
restart, a re-export), named by everything they are drawn from, never kept for a saved route, and a store that
cannot be written fails no request."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from app.maps.basemap import ensure_basemap
from app.maps.card_content import Card
from app.maps.card_store import CardStore, card_digest, drawing_version
from app.routing.tiles import ensure_tiles
from tests.conftest import make_settings

FILM = "/cards/films/rocky-1976.png"


def _settings(tmp_path: Path):
    settings = make_settings(tmp_path)
    ensure_basemap(settings)
    ensure_tiles(settings)
    return settings


def _stored(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "data" / "cards" / drawing_version()).glob("*.png"))


def test_a_card_drawn_by_one_process_is_read_by_the_next(tmp_path: Path):
    settings = _settings(tmp_path)
    with TestClient(create_app(settings)) as first:
        drawn = first.get(FILM)
    assert drawn.status_code == 200
    [kept] = _stored(tmp_path)
    assert kept.read_bytes() == drawn.content
    # The next start (a restart, a re-export) sends what is on disk rather than drawing it again: a picture
    # planted under the card's name is what it answers.
    planted = io.BytesIO()
    Image.new("P", (1200, 630)).save(planted, "PNG")
    kept.write_bytes(planted.getvalue())
    with TestClient(create_app(settings)) as again:
        assert again.get(FILM).content == planted.getvalue()


def test_a_card_is_named_by_what_it_shows_and_the_basemap_it_is_drawn_on():
    card = Card(
        "Rocky (1976)", "1976 · 12 places", "© OSM", [[(-75.18, 39.96), (-75.16, 39.95)]], [(-75.18, 39.96)]
    )
    name = card_digest(card, "basemap-1")
    assert card_digest(replace(card), "basemap-1") == name  # an equal card made anew: the same name
    assert card_digest(card, "basemap-2") != name
    for change in ({"title": "Rocky II (1979)"}, {"stops": [(-75.18, 39.9601)]}, {"colour": (1, 2, 3)}):
        assert card_digest(replace(card, **change), "basemap-1") != name


def test_a_saved_route_card_is_never_kept_on_disk(tmp_path: Path):
    with TestClient(create_app(_settings(tmp_path))) as client:
        made = client.post("/api/v1/routes", json={"tour": "rocky-steps-run", "activity": "walk"})
        assert made.status_code == 201, made.text
        assert client.get(f"/cards/routes/{made.json()['id']}.png").status_code == 200
        assert client.get("/cards/tours/rocky-steps-run.png").status_code == 200
    assert len(_stored(tmp_path)) == 1  # the tour's card only


def test_other_drawing_versions_are_removed_and_an_unwritable_store_fails_no_request(tmp_path: Path):
    old = tmp_path / "data" / "cards" / "0123456789abcdef"
    old.mkdir(parents=True)
    (old / "x.png").write_bytes(b"old")
    CardStore(tmp_path / "data" / "cards")
    assert not old.exists()
    settings = _settings(tmp_path)
    (tmp_path / "data" / "cards").rmdir()
    (tmp_path / "data" / "cards").write_text("not a directory")  # nothing can be kept there
    with TestClient(create_app(settings)) as client:
        card = client.get(FILM)
    assert card.status_code == 200 and card.content.startswith(b"\x89PNG")
