"""/docs: the interactive API documentation, served by the app itself under a strict CSP.

Swagger UI's script and stylesheet come from the fastapi-offline package (MIT; mounted under /static), never a
CDN; its one inline start-up script is allowed by its sha256 hash, not by 'unsafe-inline'. ReDoc is off: it
injects its styles as inline <style> elements, which that CSP refuses (the same OpenAPI document is at
/openapi.json)."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from app.maps.assets import APIDOCS_PATH, STATIC_PREFIX

router = APIRouter(include_in_schema=False)
ASSETS = f"{STATIC_PREFIX}/{APIDOCS_PATH}"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


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
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html.decode())
    )
    csp = (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return bytes(html), csp


@router.get("/docs")
async def docs(request: Request) -> HTMLResponse:
    body, csp = docs_page(request.app.openapi_url or "/openapi.json", request.app.title)
    return HTMLResponse(
        body, headers={"Content-Security-Policy": csp, "Cache-Control": "public, max-age=300"}
    )
