"""filmtour export-site's link rewriting and file naming (the browser test proves the whole export), and its
clean refusals."""

from __future__ import annotations

from typer.testing import CliRunner

from app.cli import cli
from app.cli.export import PLACEHOLDER, file_for, rewrite


def test_file_names_for_pages_documents_and_oembed():
    assert file_for("/") == "index.html"
    assert file_for("/map") == "map/index.html"
    assert file_for("/tours/a-b/map") == "tours/a-b/map/index.html"
    assert file_for("/tours/a-b/run") == "tours/a-b/run/index.html"
    assert file_for("/embed/tours/a-b") == "embed/tours/a-b/index.html"
    assert file_for("/films/rocky-1976") == "films/rocky-1976/index.html"
    assert file_for("/api/v1/tours/a-b") == "api/v1/tours/a-b.geojson"
    assert file_for("/api/v1/tours/a-b", "format=gpx") == "api/v1/tours/a-b.gpx"
    assert (
        file_for("/oembed", "url=https%3A%2F%2Fx.org%2Ftours%2Fa-b%2Fmap&format=json")
        == "oembed/tours/a-b.json"
    )
    assert file_for("/cards/tours/a-b.png") == "cards/tours/a-b.png"
    assert file_for("/api/v1/tours/a-b/offline-manifest") == "api/v1/tours/a-b/offline-manifest"


def test_links_become_files_under_the_base_path():
    page = (
        '<link href="/static/x.css?v=1"><a href="https://ex.org/films/api/v1/tours/t?format=kml">'
        '<a href="/api/v1/tours/t">'
        '<link type="application/json+oembed" href="https://ex.org/films/oembed?url=https%3A%2F%2Fex.org%2Ffilms'
        '%2Ftours%2Ft%2Fmap&amp;format=json">{"vector":"/tiles/{z}/{x}/{y}.mvt?v=9"}<a href="//cdn.x/y">'
    )
    out = rewrite(page, "https://ex.org/films", "/films")
    assert 'href="/films/static/x.css?v=1"' in out
    assert 'href="https://ex.org/films/api/v1/tours/t.kml"' in out
    assert 'href="/films/api/v1/tours/t.geojson"' in out
    assert 'href="https://ex.org/films/oembed/tours/t.json"' in out
    assert '"/films/tiles/{z}/{x}/{y}.mvt?v=9"' in out
    assert 'href="//cdn.x/y"' in out  # not ours: left alone
    # Without a public URL, absolute links become root-relative: the files work on any host.
    assert rewrite(f'<a href="{PLACEHOLDER}/map">', PLACEHOLDER, "") == '<a href="/map">'


def test_refuses_a_non_empty_directory_and_a_bad_base_url(tmp_path):
    (tmp_path / "old.html").write_text("x")
    result = CliRunner().invoke(cli, ["export-site", str(tmp_path)])
    assert result.exit_code == 1 and "give a new or empty directory" in " ".join(result.output.split())
    result = CliRunner().invoke(cli, ["export-site", str(tmp_path / "new"), "--base-url", "ftp://x"])
    assert result.exit_code == 1 and "must be an http(s) URL" in " ".join(result.output.split())
