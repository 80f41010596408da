"""The interface in Spanish: a complete Babel catalog for every template and script string, the language
chosen by ?lang= then Accept-Language, <html lang>, Content-Language and Vary, dataset text marked English."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.core.config import DEFAULT_ROUTE_TITLE, PROJECT_ROOT
from app.maps.i18n import (
    GENERATED_TITLES,
    JS_MESSAGES,
    LOCALE_DIR,
    choose_language,
    js_messages,
    translations,
)

APP = PROJECT_ROOT / "app"
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


def extracted() -> set[str]:
    """Every marked string in the code, extracted as `pybabel extract -F babel.cfg -k N_` does."""
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}}
    keywords = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
    return {
        msg if isinstance(msg, str) else msg[0]
        for _, _, msg, _, _ in extract_from_dir(str(APP), method_map, options, keywords=keywords)
    }


def spanish() -> dict[str, str]:
    with (LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def test_the_spanish_catalog_is_complete_and_keeps_every_placeholder():
    code, es = extracted(), spanish()
    assert len(code) > 100
    assert code == set(es)  # nothing untranslated, nothing stale
    assert all(es.values())
    for msgid, msgstr in es.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
    assert set(JS_MESSAGES) <= code
    assert js_messages("es")["Stop {n}"] == "Parada {n}"
    assert js_messages("en") == {}
    assert translations("es").gettext("Run the Rocky montage") == "Corre el montaje de Rocky"


@pytest.mark.parametrize(
    ("lang", "accept", "chosen"),
    [
        (None, None, "en"),
        ("es", None, "es"),
        ("es-MX", "en", "es"),
        ("fr", "es-ES,es;q=0.9", "es"),  # an interface language we do not have: the header decides
        (None, "fr-CA, es;q=0.8, en;q=0.5", "es"),
        (None, "en-US, es;q=0.5", "en"),
        (None, "es;q=0, en;q=0.1", "en"),  # q=0 means "not this"
        (None, "*, de", "en"),
        (None, "es;q=bogus, en", "en"),
    ],
)
def test_language_choice(lang, accept, chosen):
    assert choose_language(lang, accept) == chosen


PAGES = ["/", "/map", "/tours/rocky-1976-montage/map", "/embed/tours/rocky-1976-montage", "/films/rocky-1976"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_follow_the_language(client, path):
    es = client.get(path, params={"lang": "es"})
    assert es.status_code == 200, es.text
    assert '<html lang="es">' in es.text
    assert es.headers["content-language"] == "es"
    assert "Accept-Language" in es.headers["vary"]
    by_header = client.get(path, headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert by_header.text == es.text
    en = client.get(path)
    assert '<html lang="en">' in en.text and en.headers["content-language"] == "en"
    assert en.headers["etag"] != es.headers["etag"]
    assert 'lang="en"' not in en.text.replace('<html lang="en">', "")


def test_the_spanish_planner_has_no_english_interface_text(client):
    page = client.get("/", params={"lang": "es"}).text
    es = spanish()
    for msgid in ("The hardest part is lacing up your shoes", "Plan the route", "Cue sheet", "First steps"):
        assert msgid not in page
    assert es["Plan the route"] in page and "Lo más difícil es atarse las zapatillas" in page
    # the scripts' strings travel in the config block, not in an inline script
    assert '"Parada {n}"' in page and "<script>" not in page


def test_dataset_text_on_a_spanish_page_is_marked_english(client):
    page = client.get("/films/rocky-1976", params={"lang": "es"}).text
    assert "Dirigida por" in page
    # the scene notes have no Spanish translation in the dataset: shown in English, marked as such
    assert re.search(r'<span lang="en">[^<]*Rocky', page)


def test_a_dataset_translation_is_shown_in_its_language(tmp_path):
    """Where the dataset carries a scene's translation, the Spanish page shows it (escaped), unmarked."""
    import json
    import shutil

    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import SAMPLE_LOCATIONS, make_settings

    data = tmp_path / "dataset"
    shutil.copytree(SAMPLE_LOCATIONS.parent, data)
    fc = json.loads((data / SAMPLE_LOCATIONS.name).read_text())
    place = fc["features"][0]["properties"]
    appearance = place["appearances"][0]
    appearance["translations"] = {"es": {"scene": "Rocky sube <b>corriendo</b> la escalinata."}}
    (data / SAMPLE_LOCATIONS.name).write_text(json.dumps(fc))
    settings = make_settings(tmp_path, locations_file=data / SAMPLE_LOCATIONS.name)
    with TestClient(create_app(settings)) as c:
        es = c.get(f"/films/{appearance['film']}", params={"lang": "es"}).text
        en = c.get(f"/films/{appearance['film']}").text
    assert "Rocky sube &lt;b&gt;corriendo&lt;/b&gt; la escalinata." in es
    assert '<span lang="en">Rocky sube' not in es
    assert "Rocky sube" not in en


def test_a_spanish_route_has_a_spanish_cue_sheet(client):
    created = client.post(
        "/api/v1/routes",
        json={"tour": "rocky-steps-run", "language": "es", "workout": {"level": "beginner"}},
    )
    assert created.status_code == 201, created.text
    fc = created.json()
    sheet = client.get(f"/api/v1/routes/{fc['id']}", params={"format": "txt"}).text
    first = fc["features"][0]["properties"]["legs"][0]["maneuvers"][0]["instruction"]
    assert first in sheet and first.startswith("Camine")  # Valhalla's Spanish narrative
    assert (
        "Pulsa play en «Gonna Fly Now»" in sheet
        and "PARADA " in sheet
        and "Entrenamiento (principiante)" in sheet
    )
    assert "Press play" not in sheet and "STOP " not in sheet and "Datos de la ruta" in sheet
    english = client.post("/api/v1/routes", json={"tour": "rocky-steps-run"}).json()
    assert "Press play on" in client.get(f"/api/v1/routes/{english['id']}", params={"format": "txt"}).text


def test_titles_the_code_makes_follow_the_language(client):
    """The default title (an untitled route) and the first-steps title are interface text: Spanish on a Spanish
    page and cue sheet, in the language the route was asked in; a title the person gave is theirs, untouched."""
    assert GENERATED_TITLES[0] == DEFAULT_ROUTE_TITLE
    untitled = client.post("/api/v1/routes", json={"stops": ["italian-market", "art-museum-steps"]}).json()
    es_page = client.get(f"/routes/{untitled['id']}/map", params={"lang": "es"}).text
    assert "Ruta del montaje de Rocky (1976)" in es_page and DEFAULT_ROUTE_TITLE not in es_page
    assert DEFAULT_ROUTE_TITLE in client.get(f"/routes/{untitled['id']}/map").text
    steps = {"start": {"lat": 39.9656, "lon": -75.1810}, "first_steps": {"km": 1}, "language": "es"}
    first = client.post("/api/v1/routes", json=steps)
    assert first.status_code == 201, first.text
    assert first.json()["properties"]["title"] == "Primeros pasos: 1 km"
    sheet = client.get(f"/api/v1/routes/{first.json()['id']}", params={"format": "txt"}).text
    assert sheet.startswith("Primeros pasos: 1 km\n")
    mine = client.post("/api/v1/routes", json={**steps, "title": "Mi carrera"}).json()
    assert mine["properties"]["title"] == "Mi carrera"
