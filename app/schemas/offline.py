"""Response bodies of the pocket-tour endpoints (app/api/offline.py), for /openapi.json."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OfflinePack(BaseModel):
    """What "Save for offline" stores for one tour or route page."""

    page: str = Field(description="The page's URL (its map page)")
    urls: list[str] = Field(
        description="Every URL to store: the page, the route as GeoJSON, its GPX and cue sheet, the page's "
        "scripts and stylesheets, and the basemap tiles of the route's corridor that hold data"
    )
    tiles: int = Field(ge=0, description="How many of the URLs are basemap tiles")
    tile_bytes: int = Field(ge=0, description="The tiles' size as sent (gzip)")
    corridor_m: int = Field(description="Metres either side of the route line the tiles cover")
    zooms: list[int] = Field(min_length=2, max_length=2, description="The tiles' lowest and highest zoom")


class ManifestIcon(BaseModel):
    src: str
    sizes: str
    type: str


class WebManifest(BaseModel):
    """The web app manifest (W3C Web Application Manifest)."""

    name: str
    short_name: str
    description: str
    start_url: str
    scope: str
    display: str
    background_color: str
    theme_color: str
    icons: list[ManifestIcon]
