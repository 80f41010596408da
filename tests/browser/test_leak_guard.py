"""The guard every browser test stands on (conftest.py): Chromium sends nothing past 127.0.0.1 (outside hosts,
named or by address, end at a proxy that is not there), and the page fixture's watch records such a request
so that the test fails on it. Loopback still works."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

OUTSIDE = [
    "http://example.com/leak.js",
    "https://tile.openstreetmap.org/0/0/0.png",
    "http://192.0.2.7/beacon",
]


def test_an_outside_request_is_blocked_by_chromium_and_caught_by_the_watch(tile_server, page_and_watch):
    page, watch = page_and_watch
    failed: dict[str, str] = {}
    page.context.on("requestfailed", lambda r: failed.setdefault(r.url, r.failure or ""))
    page.goto(tile_server)  # a loopback origin without a CSP (the app's would refuse the fetches itself)
    outcome = page.evaluate(
        """async (urls) => Promise.all(urls.map(u => fetch(u, { mode: "no-cors" }).then(() => "answered",
                                                                                   () => "failed")))""",
        OUTSIDE,
    )
    assert outcome == ["failed"] * len(OUTSIDE)
    for _ in range(100):  # the failures' events may come just after the page's answer
        if len(failed) >= len(OUTSIDE):
            break
        page.wait_for_timeout(20)
    # Blocked by the browser's own settings, not merely by a machine without internet: each went to the dead
    # proxy (a missing network would say ERR_NAME_NOT_RESOLVED or time out on the address).
    assert {u: failed.get(u) for u in OUTSIDE} == {u: "net::ERR_PROXY_CONNECTION_FAILED" for u in OUTSIDE}
    assert watch.non_local() == OUTSIDE
    with pytest.raises(AssertionError, match="requests left 127.0.0.1"):
        watch.assert_clean()
    # ...while loopback answers as before
    assert page.evaluate(f"fetch('{tile_server}/1/0/0.png').then(r => r.status)") == 200
