"""OGC API – Features Part 1 documents (landing page, conformance, collections, items, one feature) for the
atlas's spatial tables (app.services.atlas): the same rows the downloads and the JSON API read. Each builder
takes the absolute root of the OGC API (``…/ogc``) and returns a JSON-ready dict; app.api.ogc negotiates the
format and renders the HTML from the same dicts. Shaped after developmentseed/tipg's answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from app.core.exceptions import InvalidParameter, InvalidQuery, NotFound
from app.core.geo import parse_bbox
from app.services import atlas

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
MAX_OFFSET = 100_000
ITEM_PARAMS = frozenset({"f", "bbox", "limit", "offset", "datetime"})
COLLECTIONS = {t.id: t for t in (atlas.PLACES, atlas.APPEARANCES)}  # the spatial tables
TITLE = "filmtour atlas: Philadelphia filming locations"
DESCRIPTION = (
    "The filmtour dataset as OGC API – Features: every filming location and every film appearance, as "
    f"points in WGS 84. Text {atlas.LICENSE}, {atlas.CREDIT}."
)


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _self_and_alternate(
    url: str, fmt: str, params: dict[str, str] | None = None, json_type: str = JSON
) -> list[dict[str, str]]:
    """``self`` in the format sent and ``alternate`` in the other one, with the other parameters kept."""
    out = []
    for f, type_ in (("json", json_type), ("html", HTML)):
        query = urlencode({**(params or {}), "f": f})
        out.append(_link(f"{url}?{query}", "self" if f == fmt else "alternate", type_))
    return out


def landing(root: str, fmt: str) -> dict[str, Any]:
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            *_self_and_alternate(root, fmt),
            _link(f"{root}/api?f=json", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            _link(f"{root}/api?f=html", "service-doc", HTML, "The API documentation"),
            _link(f"{root}/conformance?f=json", "conformance", JSON, "Conformance classes"),
            _link(f"{root}/collections?f=json", "data", JSON, "The collections"),
        ],
    }


def conformance(root: str, fmt: str) -> dict[str, Any]:
    return {"conformsTo": CONFORMANCE, "links": _self_and_alternate(f"{root}/conformance", fmt)}


def table_of(collection_id: str) -> atlas.Table:
    table = COLLECTIONS.get(collection_id)
    if table is None:
        raise NotFound(
            f"no collection {collection_id!r}; there are {', '.join(COLLECTIONS)}", field="collectionId"
        )
    return table


def _extent(points: list[tuple[float, float]]) -> list[float]:
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return [min(lons), min(lats), max(lons), max(lats)] if points else [-180.0, -90.0, 180.0, 90.0]


def collection(root: str, session: Session, table: atlas.Table, fmt: str) -> dict[str, Any]:
    url = f"{root}/collections/{table.id}"
    points = [r.point for r in atlas.rows(session, table) if r.point]
    return {
        "id": table.id,
        "title": table.title,
        "description": table.description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [_extent(points)], "crs": CRS84}},
        "license": atlas.LICENSE,
        "links": [
            *_self_and_alternate(url, fmt),
            _link(f"{url}/items?f=json", "items", GEOJSON, f"{table.title} (GeoJSON)"),
            _link(f"{url}/items?f=html", "items", HTML, f"{table.title} (HTML)"),
            _link(atlas.LICENSE_URL, "license", HTML, atlas.LICENSE),
        ],
    }


def collections(root: str, session: Session, fmt: str) -> dict[str, Any]:
    return {
        "collections": [collection(root, session, t, fmt) for t in COLLECTIONS.values()],
        "links": _self_and_alternate(f"{root}/collections", fmt),
    }


def _feature(row: atlas.Row) -> dict[str, Any]:
    lon, lat = row.point or (0.0, 0.0)
    return {
        "type": "Feature",
        "id": row.id,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": row.values,
    }


def _int(raw: str | None, name: str, default: int, low: int, high: int | None) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidQuery(f"{name} must be an integer, not {raw!r}", field=name) from None
    if value < low:
        raise InvalidQuery(f"{name} must be at least {low}", field=name)
    return value if high is None else min(value, high)  # above the maximum: the maximum (OGC allows it)


def _bbox(raw: str) -> tuple[float, float, float, float]:
    parts = raw.split(",")
    if len(parts) == 6:  # a 3-D box: our points are 2-D, so only its horizontal part counts
        raw = ",".join(parts[i] for i in (0, 1, 3, 4))
    try:
        return parse_bbox(raw)
    except InvalidParameter as exc:
        raise InvalidQuery(exc.detail, field="bbox") from None


def _check_datetime(raw: str) -> None:
    """An instant or an interval (RFC 3339, ``..`` open). Our rows have no time: a valid one matches all."""
    ends = raw.split("/")
    if len(ends) > 2 or not any(e not in ("", "..") for e in ends):
        raise InvalidQuery("datetime must be an RFC 3339 instant or interval", field="datetime")
    for end in ends:
        if end in ("", ".."):
            continue
        try:
            datetime.fromisoformat(end.replace("z", "Z"))
        except ValueError:
            raise InvalidQuery(f"datetime: {end!r} is not an RFC 3339 date-time", field="datetime") from None


def items(
    root: str, session: Session, table: atlas.Table, params: dict[str, str], fmt: str
) -> dict[str, Any]:
    """A page of features: bbox-filtered, ``limit`` from ``offset``, with next/prev links and counts."""
    unknown = sorted(set(params) - ITEM_PARAMS)
    if unknown:
        raise InvalidQuery(
            f"unknown query parameter(s) {unknown}; use {', '.join(sorted(ITEM_PARAMS))}", field=unknown[0]
        )
    limit = _int(params.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int(params.get("offset"), "offset", 0, 0, MAX_OFFSET)
    box = _bbox(params["bbox"]) if "bbox" in params else None
    if "datetime" in params:
        _check_datetime(params["datetime"])
    found = [
        r
        for r in atlas.rows(session, table)
        if r.point and (box is None or (box[0] <= r.point[0] <= box[2] and box[1] <= r.point[1] <= box[3]))
    ]
    page = found[offset : offset + limit]
    url = f"{root}/collections/{table.id}/items"
    kept = {k: v for k, v in params.items() if k != "f"}
    links = _self_and_alternate(url, fmt, {**kept, "limit": str(limit), "offset": str(offset)}, GEOJSON)
    ftype = GEOJSON if fmt == "json" else HTML
    if offset + limit < len(found):
        query = urlencode({**kept, "limit": limit, "offset": offset + limit, "f": fmt})
        links.append(_link(f"{url}?{query}", "next", ftype, "Next page"))
    if offset > 0:
        query = urlencode({**kept, "limit": limit, "offset": max(0, offset - limit), "f": fmt})
        links.append(_link(f"{url}?{query}", "prev", ftype, "Previous page"))
    links.append(_link(f"{root}/collections/{table.id}?f=json", "collection", JSON, table.title))
    return {
        "type": "FeatureCollection",
        "features": [_feature(r) for r in page],
        "numberMatched": len(found),
        "numberReturned": len(page),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }


def feature(root: str, session: Session, table: atlas.Table, feature_id: str, fmt: str) -> dict[str, Any]:
    row = next((r for r in atlas.rows(session, table) if r.id == feature_id), None)
    if row is None or row.point is None:
        raise NotFound(f"no feature {feature_id!r} in {table.id}", field="featureId")
    url = f"{root}/collections/{table.id}/items/{feature_id}"
    body = _feature(row)
    body["links"] = [
        *_self_and_alternate(url, fmt, json_type=GEOJSON),
        _link(f"{root}/collections/{table.id}?f=json", "collection", JSON, table.title),
    ]
    return body
