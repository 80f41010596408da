"""The OGC API's own definition, OpenAPI 3.0 (conformance class oas30): its paths, parameters and answers.
Written out here rather than taken from the app's /openapi.json, which FastAPI writes as OpenAPI 3.1 and which
describes the JSON API, not this one. GDAL's OAPIF driver reads ``limit``'s maximum from it."""

from __future__ import annotations

from typing import Any

from app.services import atlas, ogc

_TYPES = {
    "string": {"type": "string", "nullable": True},
    "integer": {"type": "integer", "nullable": True},
    "boolean": {"type": "boolean"},
}


def _param(name: str, where: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "schema": schema, "description": description, **extra}


F = _param("f", "query", {"type": "string", "enum": ["json", "html"]}, "The format (else the Accept header)")
COLLECTION_ID = _param(
    "collectionId", "path", {"type": "string", "enum": list(ogc.COLLECTIONS)}, "A collection", required=True
)
ITEM_PARAMS = [
    COLLECTION_ID,
    _param(
        "limit",
        "query",
        {"type": "integer", "minimum": 1, "maximum": ogc.MAX_LIMIT, "default": ogc.DEFAULT_LIMIT},
        "Features per page (above the maximum: the maximum)",
        style="form",
        explode=False,
    ),
    _param("offset", "query", {"type": "integer", "minimum": 0, "default": 0}, "Features to skip (paging)"),
    _param(
        "bbox",
        "query",
        {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        "minLon,minLat,maxLon,maxLat in CRS84",
        style="form",
        explode=False,
    ),
    _param("datetime", "query", {"type": "string"}, "RFC 3339 instant or interval (rows have no time)"),
    F,
]


def _ok(description: str, *media: str, schema: str | None = None) -> dict[str, Any]:
    """A 200 in these media types; the schema describes the JSON ones (the HTML page is a page)."""
    body = {"schema": {"$ref": f"#/components/schemas/{schema}"}} if schema else {}
    return {"description": description, "content": {m: dict(body) if m != ogc.HTML else {} for m in media}}


def _op(op_id: str, summary: str, params: list[dict[str, Any]], ok: dict[str, Any]) -> dict[str, Any]:
    problem = {"content": {"application/problem+json": {"schema": {"type": "object"}}}}
    return {
        "get": {
            "operationId": op_id,
            "summary": summary,
            "tags": ["Features"],
            "parameters": params,
            "responses": {
                "200": ok,
                "400": {"description": "A bad query parameter (problem+json names it)", **problem},
                "404": {"description": "Not found", **problem},
            },
        }
    }


def _feature_schema(table: atlas.Table) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"$ref": "#/components/schemas/Point"},
            "properties": {
                "type": "object",
                "properties": {name: _TYPES[kind] for name, kind in table.fields},
            },
        },
    }


def document(root: str) -> dict[str, Any]:
    geo = (ogc.GEOJSON, ogc.HTML)
    tables = list(ogc.COLLECTIONS.values())
    feature = {"anyOf": [{"$ref": f"#/components/schemas/{t.id}Feature"} for t in tables]}
    schemas: dict[str, Any] = {
        "Point": {
            "type": "object",
            "required": ["type", "coordinates"],
            "properties": {
                "type": {"type": "string", "enum": ["Point"]},
                "coordinates": {"type": "array", "minItems": 2, "items": {"type": "number"}},
            },
        },
        "Feature": feature,
        "FeatureCollection": {
            "type": "object",
            "required": ["type", "features"],
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "features": {"type": "array", "items": feature},
                "numberMatched": {"type": "integer", "minimum": 0},
                "numberReturned": {"type": "integer", "minimum": 0},
                "timeStamp": {"type": "string", "format": "date-time"},
                "links": {"type": "array", "items": {"type": "object"}},
            },
        },
        **{f"{t.id}Feature": _feature_schema(t) for t in tables},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": ogc.TITLE,
            "description": ogc.DESCRIPTION,
            "version": "1.0.0",
            "license": {"name": atlas.LICENSE, "url": atlas.LICENSE_URL},
        },
        "servers": [{"url": root}],
        "paths": {
            "/": _op("getLandingPage", "The landing page", [F], _ok("Links to the API", ogc.JSON, ogc.HTML)),
            "/conformance": _op(
                "getConformance", "Conformance classes", [F], _ok("conformsTo", ogc.JSON, ogc.HTML)
            ),
            "/api": _op("getApi", "This definition", [F], _ok("OpenAPI 3.0", ogc.OPENAPI, ogc.HTML)),
            "/collections": _op(
                "getCollections", "The collections", [F], _ok("Collections", ogc.JSON, ogc.HTML)
            ),
            "/collections/{collectionId}": _op(
                "describeCollection",
                "One collection",
                [COLLECTION_ID, F],
                _ok("A collection", ogc.JSON, ogc.HTML),
            ),
            "/collections/{collectionId}/items": _op(
                "getFeatures",
                "A page of features",
                ITEM_PARAMS,
                _ok("Features", *geo, schema="FeatureCollection"),
            ),
            "/collections/{collectionId}/items/{featureId}": _op(
                "getFeature",
                "One feature",
                [COLLECTION_ID, _param("featureId", "path", {"type": "string"}, "Its id", required=True), F],
                _ok("A feature", *geo, schema="Feature"),
            ),
        },
        "components": {"schemas": schemas},
    }
