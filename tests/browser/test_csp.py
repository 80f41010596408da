"""The Content-Security-Policy the app sends with map pages, enforced by real Chromium: the page's own inline
scripts run (their hashes are listed), and a script injected into the same page does not."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

INJECTED = "<script>window.ftInjected = 1;</script>"


@pytest.mark.parametrize("path", ["/map", "/", "/tours/rocky-1976-montage/run"])
def test_csp_runs_the_page_and_blocks_an_injected_script(live_server, browser, path):
    context = browser.new_context()
    # Every violation the browser reports, with where it happened (not console text, whose count may vary).
    context.add_init_script(
        "window.ftViolations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.ftViolations.push("
        "{directive: e.effectiveDirective, blocked: e.blockedURI, line: e.lineNumber}));"
    )
    page = context.new_page()
    seen_csp: list[str] = []
    injected_line: list[int] = []

    def inject(route):
        # The real response with its real headers, plus one inline script the server never rendered.
        response = route.fetch()
        seen_csp.append(response.headers["content-security-policy"])
        text = response.text()
        at = text.index("</body>")
        injected_line.append(text.count("\n", 0, at) + 1)
        route.fulfill(response=response, body=text[:at] + INJECTED + text[at:])

    page.route(f"{live_server}{path}", inject)
    page.goto(f"{live_server}{path}")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    assert page.evaluate("typeof window.L") == "object"  # Leaflet and our static scripts ran
    assert page.evaluate("window.ftInjected") is None  # the injected one did not
    assert seen_csp and "'unsafe-inline'" not in seen_csp[0].split("script-src")[1].split(";")[0]
    violations = page.evaluate("window.ftViolations")
    assert violations, "the injected script was not reported as blocked"
    # every report is the injected inline script; nothing of ours (scripts, styles, images) was refused
    assert all(
        v["directive"].startswith("script-src") and v["blocked"] == "inline" and v["line"] == injected_line[0]
        for v in violations
    ), (violations, injected_line)
    context.close()
