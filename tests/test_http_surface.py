"""Headers, metrics, page weight and the deployment files: what a browser, a blog and an operator see."""

from __future__ import annotations

import gzip
import re


def create_route(client) -> dict:
    resp = client.post("/api/v1/routes", json={"tour": "rocky-steps-run", "activity": "run"})
    assert resp.status_code == 201
    return resp.json()


def test_security_headers_on_api_and_pages(client):
    api = client.get("/api/v1/locations")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "default-src 'none'" in api.headers["content-security-policy"]
    page = client.get("/map")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp  # no inline script at all: the same policy on every page
    assert client.get("/").headers["content-security-policy"] == csp
    assert "frame-ancestors 'none'" in csp and page.headers["x-frame-options"] == "DENY"
    # Our own vector basemap by default: nothing may load from elsewhere, not even tiles.
    assert "img-src 'self' data: blob:;" in csp and "connect-src 'self'" in csp


def test_embed_pages_may_be_framed_by_any_site_and_others_not(client):
    rid = create_route(client)["id"]
    embed = client.get(f"/embed/routes/{rid}")
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert "x-frame-options" not in embed.headers
    assert client.get(f"/routes/{rid}/map").headers["x-frame-options"] == "DENY"
    assert client.get("/").headers["x-frame-options"] == "DENY"


def test_cors_is_for_reads_only(client):
    pre = client.options(
        "/api/v1/routes", headers={"Origin": "https://blog.example", "Access-Control-Request-Method": "POST"}
    )
    assert "POST" not in pre.headers.get("access-control-allow-methods", "")


def test_request_id_and_metrics(client):
    resp = client.get("/api/v1/locations", headers={"X-Request-ID": "blog-request-0001"})
    assert resp.headers["x-request-id"] == "blog-request-0001"
    assert len(client.get("/healthz").headers["x-request-id"]) == 16
    create_route(client)
    metrics = client.get("/metrics").text
    assert re.search(
        r'filmtour_http_requests_total\{method="GET",route="/api/v1/locations",status="200"\} [1-9]', metrics
    )
    assert 'filmtour_routing_engine_seconds_count{action="route",backend="embedded"}' in metrics
    assert "filmtour_http_request_duration_seconds_bucket" in metrics


def test_logs_are_json_with_request_ids_and_no_addresses(client):
    import io
    import json
    import logging

    from app.core.logging import JsonFormatter

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    logging.getLogger("filmtour").addHandler(handler)
    try:
        client.post(
            "/api/v1/routes?home=1600+Secret+Lane",
            json={"start": {"address": "1600 Secret Lane"}, "stops": ["italian-market"]},
        )
    finally:
        logging.getLogger("filmtour").removeHandler(handler)
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert lines and all("request_id" in line for line in lines if line["logger"] == "filmtour.access")
    assert "Secret" not in buffer.getvalue()


def _asset_urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', page)


def test_embed_page_weight_is_under_150_kb_gzipped(client):
    """Everything the embed page loads before tiles, as gzip sends it."""
    rid = create_route(client)["id"]
    page = client.get(f"/embed/routes/{rid}", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("content-encoding") == "gzip"
    total = len(gzip.compress(page.content))
    for url in _asset_urls(page.text):
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert "immutable" in asset.headers["cache-control"]
        total += len(gzip.compress(asset.content))
    assert total <= 150_000, total
    assert not re.search(r"(?:src|href)=\"https?://", page.text)  # nothing from a CDN


def test_docs_are_self_hosted_and_redoc_is_off(client):
    page = client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "'sha256-" in csp
    import re

    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and all(a.startswith("/static/apidocs-") for a in assets), assets
    for a in assets:
        assert client.get(a).status_code == 200
    assert client.get("/redoc").status_code == 404
