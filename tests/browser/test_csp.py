"""The Content-Security-Policy the app sends with map pages, enforced by real Chromium: the page's own inline
scripts run (their hashes are listed), and a script injected into the same page does not."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

INJECTED = "<script>window.ftInjected = 1;</script>"


@pytest.mark.parametrize("path", ["/map", "/"])
def test_csp_runs_the_page_and_blocks_an_injected_script(live_server, browser, path):
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    seen_csp: list[str] = []

    def inject(route):
        # The real response with its real headers, plus one inline script the server never rendered.
        response = route.fetch()
        seen_csp.append(response.headers["content-security-policy"])
        body = response.text().replace("</body>", INJECTED + "</body>", 1)
        route.fulfill(response=response, body=body)

    page.route(f"{live_server}{path}", inject)
    page.goto(f"{live_server}{path}")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    assert page.evaluate("typeof window.L") == "object"  # Leaflet and our static scripts ran
    assert page.evaluate("window.ftInjected") is None  # the injected one did not
    assert seen_csp and "'unsafe-inline'" not in seen_csp[0].split("script-src")[1].split(";")[0]
    blocked = [m for m in console if "Content Security Policy" in m]
    assert len(blocked) == 1, console  # exactly the injected script, nothing of ours
    context.close()
