"""Street-network data: download fresh OpenStreetMap ways from the Overpass API, or take any local extract,
and (re)build the routing tiles from it."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import osmium
from osmium.osm import mutable

from app.core.config import Settings
from app.core.exceptions import InvalidParameter
from app.core.geo import BBox, parse_bbox
from app.core.outbound import RETRY_STATUSES, TRANSIENT_ERRORS, OutboundClient, RetryPolicy
from app.routing.tiles import ProgressFn, Tiles, ensure_tiles

log = logging.getLogger(__name__)

MAX_BBOX_DEG2 = 0.25  # about 40 × 55 km at Philadelphia's latitude: Overpass refuses much larger areas anyway
# Ways usable on foot (motorways and ways closed to the public left out), plus what the basemap draws besides
# streets: water, parks and rail (closed ways; multipolygon relations are not fetched).
OVERPASS_QUERY = """[out:json][timeout:{timeout}];
(
  way["highway"]["highway"!~"^(motorway|motorway_link|trunk_link|construction|proposed|raceway)$"]
     ["access"!~"^(private|no)$"]["foot"!~"^no$"]({south},{west},{north},{east});
  way["natural"="water"]({south},{west},{north},{east});
  way["waterway"="riverbank"]({south},{west},{north},{east});
  way["leisure"="park"]({south},{west},{north},{east});
  way["railway"="rail"]({south},{west},{north},{east});
);
(._;>;);
out body qt;"""


class NetworkFetchError(RuntimeError):
    """Downloading or converting network data failed; the message says what to do."""


def overpass_query(box: BBox, timeout_s: float) -> str:
    return OVERPASS_QUERY.format(
        timeout=int(timeout_s), south=box.south, west=box.west, north=box.north, east=box.east
    )


def overpass_client(settings: Settings) -> OutboundClient:
    return OutboundClient(
        user_agent=settings.overpass_user_agent,
        timeout_s=settings.overpass_timeout_s + 30,  # the server's own query timeout, plus the transfer
        connect_timeout_s=10.0,
        retry=RetryPolicy(attempts=settings.overpass_retries, backoff_s=2.0, max_wait_s=60.0),
    )


def download_overpass(
    box: BBox, dest: Path, settings: Settings, progress: Callable[[int, int | None], None] | None = None
) -> Path:
    """Stream the Overpass answer to ``dest`` (JSON), retrying with backoff on 429/5xx and timeouts."""
    body = {"data": overpass_query(box, settings.overpass_timeout_s)}
    client = overpass_client(settings)
    try:
        resp = client.download("POST", settings.overpass_url, dest, data=body, progress=progress)
    except httpx.ConnectError as exc:
        raise NetworkFetchError(
            f"cannot reach the Overpass API at {settings.overpass_url} ({exc}). Are you offline? "
            "Use `filmtour network build --pbf FILE` with a downloaded extract instead."
        ) from exc
    except TRANSIENT_ERRORS as exc:
        raise NetworkFetchError(
            f"Overpass failed after {settings.overpass_retries} attempts: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        client.close()
    if resp.status_code in RETRY_STATUSES:
        raise NetworkFetchError(
            f"Overpass failed after {settings.overpass_retries} attempts: Overpass answered {resp.status_code}"
        )
    if resp.status_code != 200:
        raise NetworkFetchError(f"Overpass answered {resp.status_code}: {resp.content[:200]!r}")
    return dest


def overpass_json_to_pbf(src: Path, dest: Path) -> tuple[int, int]:
    """Convert an Overpass JSON answer (nodes and ways) to an OSM PBF with pyosmium. Returns (nodes, ways)."""
    try:
        doc: dict[str, Any] = json.loads(src.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise NetworkFetchError(f"the Overpass answer is not JSON: {exc}") from exc
    if "elements" not in doc:
        raise NetworkFetchError(f"the Overpass answer has no elements: {doc.get('remark', '')}")
    nodes = sorted((e for e in doc["elements"] if e.get("type") == "node"), key=lambda e: e["id"])
    ways = sorted((e for e in doc["elements"] if e.get("type") == "way"), key=lambda e: e["id"])
    if not ways:
        raise NetworkFetchError("the Overpass answer holds no ways: is the bbox right?")
    known = {n["id"] for n in nodes}
    part = dest.with_name(".part-" + dest.name)  # same extension: osmium picks the format from it
    part.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(str(part))
    try:
        for n in nodes:
            writer.add_node(
                mutable.Node(id=n["id"], location=(n["lon"], n["lat"]), tags=n.get("tags", {}), version=1)
            )
        for w in ways:
            refs = [r for r in w["nodes"] if r in known]
            if len(refs) >= 2:
                writer.add_way(mutable.Way(id=w["id"], nodes=refs, tags=w.get("tags", {}), version=1))
    finally:
        writer.close()
    os.replace(part, dest)  # a failed conversion never leaves a half file under the final name
    return len(nodes), len(ways)


def as_bbox(bbox: BBox | str | tuple[float, float, float, float]) -> BBox:
    """A BBox small enough for Overpass, from a BBox, 'minLon,minLat,maxLon,maxLat' or a (minLon, minLat,
    maxLon, maxLat) tuple. Raises InvalidParameter (a ValueError) naming ``bbox``."""
    if isinstance(bbox, str):
        box = BBox.parse(bbox)
    else:
        box = bbox if isinstance(bbox, BBox) else BBox(*bbox)
        parse_bbox(f"{box.west},{box.south},{box.east},{box.north}")  # the same checks as for text
    if box.area_deg2 > MAX_BBOX_DEG2:
        raise InvalidParameter(
            f"bbox is larger than {MAX_BBOX_DEG2} square degrees; use a downloaded extract "
            "and `filmtour network build --pbf FILE` for big areas",
            field="bbox",
        )
    return box


def fetch_overpass(
    bbox: BBox | str | tuple[float, float, float, float],
    dest_pbf: Path,
    settings: Settings,
    progress: Callable[[int, int | None], None] | None = None,
) -> Path:
    """Download the walkable ways of ``bbox`` from Overpass (``settings.overpass_url``) and write them to
    ``dest_pbf``. Raises InvalidParameter (a ValueError) for a bad bbox, NetworkFetchError when offline or
    Overpass keeps failing.
    ``progress(bytes_done, bytes_total_or_None)`` is called while downloading."""
    box = as_bbox(bbox)
    dest_pbf.parent.mkdir(parents=True, exist_ok=True)
    raw = dest_pbf.with_name(dest_pbf.name + ".overpass.json")
    try:
        download_overpass(box, raw, settings, progress)
        n_nodes, n_ways = overpass_json_to_pbf(raw, dest_pbf)
    finally:
        raw.unlink(missing_ok=True)
    log.info("overpass extract %s: %d nodes, %d ways", dest_pbf, n_nodes, n_ways)
    return dest_pbf


def fetch_network(
    box: BBox,
    settings: Settings,
    *,
    dest_dir: Path | None = None,
    download_progress: Callable[[int, int | None], None] | None = None,
    build_progress: ProgressFn | None = None,
    install: bool = True,
) -> tuple[Path, Tiles | None]:
    """Download the bbox from Overpass and convert it to PBF in the data directory; with ``install`` also build
    tiles from it and make it the extract the service routes on."""
    pbf = fetch_overpass(
        box, (dest_dir or settings.data_dir / "osm") / "overpass.osm.pbf", settings, download_progress
    )
    return pbf, (build_network(pbf, settings, progress=build_progress) if install else None)


def install_extract(pbf: Path, settings: Settings) -> Path:
    """Copy an extract into the data directory as the one the service routes on from now on."""
    target = settings.installed_extract
    target.parent.mkdir(parents=True, exist_ok=True)
    if pbf.resolve() != target.resolve():
        tmp = target.with_suffix(".part")
        shutil.copyfile(pbf, tmp)
        os.replace(tmp, target)
    return target


def build_network(
    pbf: Path, settings: Settings, *, progress: ProgressFn | None = None, install: bool = True
) -> Tiles:
    """(Re)build the routing tiles from any local OSM extract (.osm.pbf); with ``install`` the service uses it
    from its next start (unless FILMTOUR_OSM_EXTRACT names another)."""
    if not pbf.is_file():
        raise NetworkFetchError(f"no such extract: {pbf}")
    tiles = ensure_tiles(settings, pbf=pbf, progress=progress)  # builds first: a bad file changes nothing
    if install:
        install_extract(pbf, settings)
    return tiles
