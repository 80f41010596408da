"""What the basemap is, without the libraries that build it: its zooms, layers and credit, and the inputs whose
hashes key its cache. Serving an archive needs only this and ``archive``; ``sources`` and ``tiling`` (numpy,
shapely, pyosmium, mapbox-vector-tile) are imported only when a build runs, so a restart does not pay for them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from app.city.streets import STREETS_FILE
from app.core.config import Settings
from app.core.files import file_sha256

MIN_ZOOM, MAX_ZOOM = 10, 16
LABEL_ZOOM = 15  # street names from here (a z14 street is too short on screen to carry its name)
TRAIL_LABEL_ZOOM = 14
TRAIL_LABEL_MIN_M = 150  # shorter named pieces (connectors, spurs) go unnamed
TRAIL_LABEL_SPACING_M = 1000
NEIGHBOURHOOD_ZOOMS = (12, 14)  # beyond z14 the street names say where you are
NEIGHBOURHOOD_Z12_KM2 = 1.4  # the median neighbourhood
LAYER_FILES = ("water", "parks", "rail")
LAYERS = ("water", "parks", "rail", "trails", "roads", "steps", "places", "labels")
OSM_CREDIT = "© OpenStreetMap contributors (ODbL)"
CREDIT = (
    f"{OSM_CREDIT}; Streets, trails, water and parks: City of Philadelphia; rivers and rail: DVRPC; "
    "Neighbourhoods: Abaca Labs (CC BY 4.0)"
)


class BasemapBuildError(RuntimeError):
    """The basemap could not be built (missing input, unreadable layer)."""


def input_paths(settings: Settings) -> dict[str, Path]:
    """Every file the basemap is built from besides the extract and the places."""
    directory = settings.basemap_layers_dir
    names = (*LAYER_FILES, "neighbourhoods", "trails", "park_names", "water_names")
    paths = {name: directory / f"{name}.geojson" for name in names}
    paths["road_classes"] = directory / "road_classes.json"
    paths["streets"] = STREETS_FILE
    return paths


def basemap_inputs(settings: Settings, pbf: Path) -> dict[str, str]:
    """Every input's sha256 (places: only the fields the basemap shows), for the cache key."""
    inputs = {"pbf": file_sha256(pbf)}
    for name, path in input_paths(settings).items():
        inputs[name] = file_sha256(path) if path.is_file() else "-"
    inputs["places"] = hashlib.sha256(json.dumps(places(settings.locations_file)).encode()).hexdigest()
    return inputs


def places(path: Path) -> list[dict[str, Any]]:
    """Only id, name, geometry and visitable: the rest of the dataset's format is not the basemap's business."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found = []
    for f in doc.get("features", []):
        props = f.get("properties") or {}
        if (f.get("geometry") or {}).get("type") != "Point":
            continue
        found.append(
            {
                "id": f.get("id") or props.get("id"),
                "name": props.get("name"),
                "visitable": props.get("visitable"),
                "coordinates": f["geometry"]["coordinates"][:2],
            }
        )
    return found
