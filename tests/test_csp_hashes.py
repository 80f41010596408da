"""/docs' CSP hashes come from an HTML parser, not a regular expression: inline scripts with attributes and
inline styles are hashed too, scripts with src are not, and the hashes are of the text exactly as written."""

from __future__ import annotations

import base64
import hashlib

from app.api.docs import inline_hashes


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_inline_scripts_and_styles_are_hashed_whatever_their_attributes():
    html = (
        '<html><head><style media="all">b{color:red}</style><script src="/static/x.js"></script></head>'
        "<body><script>go(1 < 2 && '&amp;')</script>"
        '<script type="module">import("/m.js")</script></body></html>'
    )
    scripts, styles = inline_hashes(html)
    assert scripts == [sha("go(1 < 2 && '&amp;')"), sha('import("/m.js")')]  # the regex missed the second
    assert styles == [sha("b{color:red}")]


def test_the_docs_page_allows_exactly_its_inline_script(client):
    resp = client.get("/docs")
    csp = resp.headers["content-security-policy"]
    scripts, styles = inline_hashes(resp.text)
    assert scripts and all(h in csp for h in scripts) and not styles
    assert "'unsafe-inline'" not in csp
