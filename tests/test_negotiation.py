"""One q-value parser for Accept, Accept-Language and Accept-Encoding (app.core.negotiation): q-values rank the
items, q=0 refuses one, language tags are case-insensitive (?lang=ES, Accept-Language: En-GB gave a 500), and
long headers are capped before parsing."""

from __future__ import annotations

import time

import pytest

from app.api.formats import choose_format
from app.core.negotiation import MAX_HEADER, acceptable, parse_qlist
from app.maps.i18n import choose_language


def test_parse_qlist_ranks_by_q_and_keeps_order_among_equals():
    assert parse_qlist("a;q=0.5, B, c;q=0.9, d;q=x, e;q=0") == (
        ("b", 1.0),
        ("c", 0.9),
        ("a", 0.5),
        ("e", 0.0),
    )
    assert acceptable("a;q=0.5, B, e;q=0") == ["b", "a"]
    assert parse_qlist("gzip;q=0.8, GZIP;q=0") == (("gzip", 0.0),)  # a refusal wins
    assert parse_qlist("") == () and parse_qlist(None) == ()


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/gpx+xml;q=0, application/geo+json", "geojson"),
        ("application/json;q=0, text/plain", "txt"),
        ("application/geo+json;q=0.5, application/vnd.google-earth.kml+xml", "kml"),
        ("text/plain;q=0.2, application/gpx+xml;q=0.9", "gpx"),
        ("*/*", "geojson"),
    ],
)
def test_accept_q_values_choose_the_format(accept, fmt):
    assert choose_format(None, accept) == fmt


@pytest.mark.parametrize(
    ("lang", "header", "expected"),
    [
        ("ES", None, "es"),
        ("EN", None, "en"),
        ("Es-MX", None, "es"),
        (None, "En-GB", "en"),
        (None, "ES", "es"),
        (None, "fr, ES;q=0.5", "es"),
        (None, "es;q=0, en", "en"),
        (None, "*", "en"),
    ],
)
def test_language_tags_are_case_insensitive(lang, header, expected):
    assert choose_language(lang, header) == expected


def test_a_huge_accept_language_is_capped_before_parsing():
    header = "xx-yy;q=0.1, " * 200_000  # 2.6 MB
    started = time.perf_counter()
    assert choose_language(None, header) == "en"
    assert time.perf_counter() - started < 0.05  # was ~0.1 s per MB; now only MAX_HEADER characters are read
    assert len(",".join(v for v, _ in parse_qlist(header))) <= MAX_HEADER


@pytest.mark.parametrize("query", ["?lang=ES", "?lang=EN", "?lang=Es-mx"])
def test_upper_case_lang_pages_answer(client, query):
    resp = client.get("/map" + query)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-language"] in ("en", "es")


@pytest.mark.parametrize(("header", "expected"), [("En-GB", "en"), ("ES", "es"), ("fr, ES;q=0.5", "es")])
def test_upper_case_accept_language_pages_answer(client, header, expected):
    resp = client.get("/", headers={"Accept-Language": header})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-language"] == expected


def test_tour_export_follows_accept_q_values(client):
    resp = client.get(
        "/api/v1/tours/rocky-1976-montage",
        headers={"Accept": "application/gpx+xml;q=0, application/geo+json"},
    )
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/geo+json")
