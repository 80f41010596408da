"""/docs in real Chromium: Swagger UI loads from the app itself (nothing from a CDN), renders every operation
of our OpenAPI document under the page's strict CSP (no 'unsafe-inline') with no violation reported. /redoc is off (ReDoc needs inline styles)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.browser


def test_docs_render_self_hosted_under_the_csp(live_server, page_and_watch):
    page, watch = page_and_watch
    page.context.add_init_script(
        "window.ftViolations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.ftViolations.push("
        "{directive: e.effectiveDirective, blocked: e.blockedURI}));"
    )
    response = page.goto(f"{live_server}/docs")
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "script-src 'self' 'sha256-" in csp
    page.wait_for_selector(".opblock", timeout=20_000)  # Swagger UI ran and read /openapi.json
    paths = httpx.get(f"{live_server}/openapi.json").json()["paths"]
    shown = page.locator(".opblock-summary-path").all_inner_texts()
    assert {p.replace("\u200b", "") for p in shown} == set(paths)
    assert page.evaluate("window.ftViolations") == []  # no script or style the CSP had to refuse
    watch.assert_clean()  # nothing left 127.0.0.1, no console or page errors
    assert httpx.get(f"{live_server}/redoc").status_code == 404
