"""Our own vector basemap of the whole city: Mapbox Vector Tiles (z10–16) from the OSM extract the router uses
(inside its box), the City's named streets (outside it), the shipped water/parks/rail layers, the City's park
trails, the neighbourhood names and the dataset's places, packed as one PMTiles archive.

Heavy lifting is done by libraries: pyosmium reads the extract, shapely clips, simplifies and finds label
points, mercantile does the tile maths, mapbox-vector-tile encodes, pmtiles packs and reads.
``spec`` says what the archive holds and what it is built from, ``sources`` reads the inputs into layers,
``tiling`` cuts and encodes tiles, ``archive`` builds, caches and serves the archive. Only ``spec`` and
``archive`` load here: the builders (numpy, shapely, pyosmium) load when a build runs."""

from app.maps.basemap.archive import (
    BUILDER_VERSION,
    Basemap,
    TileArchive,
    basemap_key,
    build_basemap,
    current_basemap,
    ensure_basemap,
    is_complete,
    open_archive,
    read_stamp,
)
from app.maps.basemap.spec import (
    CREDIT,
    LABEL_ZOOM,
    MAX_ZOOM,
    MIN_ZOOM,
    BasemapBuildError,
    basemap_inputs,
)

__all__ = [
    "BUILDER_VERSION",
    "CREDIT",
    "LABEL_ZOOM",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "Basemap",
    "BasemapBuildError",
    "TileArchive",
    "basemap_inputs",
    "basemap_key",
    "build_basemap",
    "current_basemap",
    "ensure_basemap",
    "is_complete",
    "open_archive",
    "read_stamp",
]
