"""OGC API – Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) under /ogc, for GIS tools (QGIS, ArcGIS,
GDAL's OAPIF driver, OWSLib). The documents come from app.services.ogc; this router picks the format (``f``,
else the Accept header) and sends JSON with the OGC media types or an HTML page from templates/ogc.html.
Kept out of the app's /openapi.json: the OGC API describes itself at /ogc/api (OpenAPI 3.0)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.caching import cached_response, dumps
from app.api.deps import SessionDep, SettingsDep, base_url
from app.core.config import Settings
from app.core.exceptions import InvalidQuery
from app.maps import assets
from app.maps.render import page_csp, templates
from app.services import ogc
from app.services.ogc_openapi import document as openapi_document

router = APIRouter(prefix="/ogc", tags=["ogc"], include_in_schema=False)
# No length limits here: any bad value is the service's 400 or 404 (OGC's codes), not FastAPI's 422.
Format = Annotated[str | None, Query(description="json or html (else the Accept header)")]
CollectionId = Annotated[str, Path()]
FeatureId = Annotated[str, Path()]


def _format(request: Request, f: str | None) -> str:
    """``f`` when given; else HTML only for a client that asks for it before any JSON type (a browser)."""
    if f is not None:
        if f not in ("json", "html"):
            raise InvalidQuery(f"f must be json or html, not {f!r}", field="f")
        return f
    accept = request.headers.get("accept", "").lower()
    html_at, json_at = accept.find("text/html"), accept.find("json")
    return "html" if html_at >= 0 and (json_at < 0 or html_at < json_at) else "json"


def _root(request: Request, settings: Settings) -> str:
    return base_url(request, settings) + "/ogc"


def _answer(
    request: Request, settings: Settings, fmt: str, kind: str, doc: dict[str, Any], json_type: str
) -> Response:
    if fmt == "json":
        return cached_response(request, dumps(doc), media_type=json_type, max_age=60)
    page = (
        templates()
        .get_template("ogc.html")
        .render(
            title=f"{doc.get('title') or kind} — filmtour OGC API",
            kind=kind,
            doc=doc,
            root=_root(request, settings),
            assets={"css": [assets.own_asset("filmtour/map.css")]},
        )
    )
    headers = {"Content-Security-Policy": page_csp(settings.tile_url, False)}
    return cached_response(
        request, page.encode(), media_type="text/html; charset=utf-8", max_age=60, headers=headers
    )


@router.get("", summary="OGC API landing page")
@router.get("/", summary="OGC API landing page")
def landing(request: Request, settings: SettingsDep, f: Format = None) -> Response:
    fmt = _format(request, f)
    return _answer(request, settings, fmt, "landing", ogc.landing(_root(request, settings), fmt), ogc.JSON)


@router.get("/conformance", summary="OGC API conformance classes")
def conformance(request: Request, settings: SettingsDep, f: Format = None) -> Response:
    fmt = _format(request, f)
    doc = ogc.conformance(_root(request, settings), fmt)
    return _answer(request, settings, fmt, "conformance", doc, ogc.JSON)


@router.get("/api", summary="The OGC API's definition (OpenAPI 3.0)")
def api_definition(request: Request, settings: SettingsDep, f: Format = None) -> Response:
    fmt = _format(request, f)
    doc = openapi_document(_root(request, settings))
    return _answer(request, settings, fmt, "api", doc, ogc.OPENAPI)


@router.get("/collections", summary="OGC API collections")
def collections(request: Request, session: SessionDep, settings: SettingsDep, f: Format = None) -> Response:
    fmt = _format(request, f)
    doc = ogc.collections(_root(request, settings), session, fmt)
    return _answer(request, settings, fmt, "collections", doc, ogc.JSON)


@router.get("/collections/{collection_id}", summary="One OGC API collection")
def collection(
    collection_id: CollectionId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    f: Format = None,
) -> Response:
    fmt = _format(request, f)
    table = ogc.table_of(collection_id)
    doc = ogc.collection(_root(request, settings), session, table, fmt)
    return _answer(request, settings, fmt, "collection", doc, ogc.JSON)


@router.get("/collections/{collection_id}/items", summary="A page of a collection's features")
def items(
    collection_id: CollectionId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    f: Format = None,
) -> Response:
    # limit, offset, bbox and datetime are read by the service from the raw query: an unknown parameter or a
    # bad value is a 400 there (OGC's rule), not FastAPI's 422.
    fmt = _format(request, f)
    table = ogc.table_of(collection_id)
    doc = ogc.items(_root(request, settings), session, table, dict(request.query_params), fmt)
    if fmt == "html":
        doc = {**doc, "title": table.title, "collection": table.id}
    return _answer(request, settings, fmt, "items", doc, ogc.GEOJSON)


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature")
def feature(
    collection_id: CollectionId,
    feature_id: FeatureId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    f: Format = None,
) -> Response:
    fmt = _format(request, f)
    table = ogc.table_of(collection_id)
    doc = ogc.feature(_root(request, settings), session, table, feature_id, fmt)
    if fmt == "html":
        doc = {**doc, "title": str(doc["properties"].get("name") or feature_id), "fields": table.names}
    return _answer(request, settings, fmt, "feature", doc, ogc.GEOJSON)
