"""/docs: the interactive API documentation, served by the app itself under a strict CSP.

Swagger UI's script and stylesheet come from the fastapi-offline package (MIT; mounted under /static), never a
CDN; its one inline start-up script is allowed by its sha256 hash, not by 'unsafe-inline'. ReDoc is off: it
injects its styles as inline <style> elements, which that CSP refuses (the same OpenAPI document is at
/openapi.json)."""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from html.parser import HTMLParser

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.maps.assets import APIDOCS_PATH, STATIC_PREFIX

router = APIRouter(include_in_schema=False)
ASSETS = f"{STATIC_PREFIX}/{APIDOCS_PATH}"


class _InlineCode(HTMLParser):
    """The text of the page's inline <script> (no src) and <style> elements, read by an HTML parser: a
    regular expression missed any element with an attribute (<script type="module">) and so its hash."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)  # script and style text is raw: hash it as written
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._into: list[str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not dict(attrs).get("src"):
            self._into, self._text = self.scripts, []
        elif tag == "style":
            self._into, self._text = self.styles, []

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._into is not None and tag in ("script", "style"):
            self._into.append("".join(self._text))
            self._into = None


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def inline_hashes(html: str) -> tuple[list[str], list[str]]:
    """CSP hash sources for the inline scripts and styles of ``html``."""
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return [_sha256(s) for s in parser.scripts], [_sha256(s) for s in parser.styles]


@cache
def docs_page(openapi_url: str, title: str) -> tuple[bytes, str]:
    """The page and its Content-Security-Policy (its inline scripts allowed by hash)."""
    html = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} – API",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
    ).body
    scripts, styles = inline_hashes(bytes(html).decode())
    csp = (
        f"default-src 'none'; script-src {' '.join(["'self'", *scripts])}; "
        f"style-src {' '.join(["'self'", *styles])}; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return bytes(html), csp


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    body, csp = docs_page(request.app.openapi_url or "/openapi.json", request.app.title)
    return HTMLResponse(
        body, headers={"Content-Security-Policy": csp, "Cache-Control": "public, max-age=300"}
    )
