"""All configuration in one place: environment variables prefixed ``FILMTOUR_`` or a ``.env`` file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_path
from pydantic import Field, computed_field
from pydantic_settings import BaseSettings, SettingsConfigDict

# A source checkout's root (data/ sits beside app/ there). Only tests and tools use it: installed, the data
# comes from the package (below).
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def shipped_data_dir() -> Path:
    """The shipped data/: in an installed wheel it is package data (``app/data``, force-included by the build
    from the top-level data/), found with importlib.resources; in a source checkout, data/ beside app/."""
    packaged = resources.files("app") / "data"
    if packaged.is_dir():
        return Path(str(packaged))
    return PROJECT_ROOT / "data"


SHIPPED_DATA = shipped_data_dir()
SHIPPED_EXTRACT = (
    SHIPPED_DATA / "osm" / "philly_rocky_tour.osm.pbf"
)  # OSM only, the tour area (basemap, input)
# One walking network for the whole city (the extract above + the City's named streets and park trails), built by
# `filmtour network build-city`: what the router uses unless another extract is installed or configured.
SHIPPED_NETWORK = SHIPPED_DATA / "osm" / "philadelphia_walk.osm.pbf"
DEFAULT_USER_AGENT = "filmtour/0.1 (+https://github.com/filmtour/filmtour)"
OSM_CREDIT = "© OpenStreetMap contributors (ODbL)"
CITY_CREDIT = "Street centerline: City of Philadelphia"
ATTRIBUTION = f"{OSM_CREDIT}; {CITY_CREDIT}"  # the route data's credit, wherever a route goes
DEFAULT_ROUTE_TITLE = "Rocky (1976) montage route"


def route_title(fc: Mapping[str, Any], gettext: Callable[[str], str] = str) -> str:
    """A route answer's title: its own, else the default one (every page, export and oEmbed answer says this),
    in the page's language when a ``gettext`` is given (the catalog marks it in app/maps/i18n.py)."""
    return (fc.get("properties") or {}).get("title") or gettext(DEFAULT_ROUTE_TITLE)


OSM_COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FILMTOUR_", env_file=".env", extra="ignore")

    # --- storage ---------------------------------------------------------------------------------
    data_dir: Path = Field(
        default_factory=lambda: user_data_path("filmtour", appauthor=False),
        description="Where the SQLite database and the Valhalla tiles live.",
        json_schema_extra={"doc_default": "per-user data dir (e.g. `~/.local/share/filmtour`)"},
    )
    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL, e.g. `postgresql+psycopg://user:pw@host/filmtour`.",
        json_schema_extra={"doc_default": "SQLite file in the data dir"},
    )
    locations_file: Path = Field(
        default=SHIPPED_DATA / "locations.geojson",
        description="The researched dataset, loaded (upserted) at start-up.",
        json_schema_extra={"doc_default": "the shipped `data/locations.geojson`"},
    )
    load_locations_on_startup: bool = Field(
        True, description="Load the dataset into the database at start-up."
    )

    # --- routing ---------------------------------------------------------------------------------
    osm_extract: Path | None = Field(
        default=None,
        description="OSM PBF the Valhalla tiles are built from.",
        json_schema_extra={
            "doc_default": "the last `filmtour network` build, else the shipped "
            "`data/osm/philadelphia_walk.osm.pbf` (routing) and `data/osm/philly_rocky_tour.osm.pbf` (basemap)"
        },
    )
    valhalla_url: str | None = Field(
        default=None,
        description="Use a Valhalla HTTP service instead of the embedded engine.",
        json_schema_extra={"doc_default": "unset (embedded engine)"},
    )
    valhalla_timeout_s: float = Field(
        10.0, description="Read timeout for the Valhalla service (connect: 3 s)."
    )
    valhalla_user_agent: str = Field(
        DEFAULT_USER_AGENT, description="User-Agent sent to the Valhalla service."
    )
    valhalla_retries: int = Field(
        2, ge=1, description="Attempts per call to the Valhalla service (retried on 429/502/503/504)."
    )
    build_tiles_on_startup: bool = Field(
        True, description="Build (or check) the routing tiles before serving, rather than on the first route."
    )
    max_snap_distance_m: float = Field(
        150.0, description="A stop further than this from a walkable way is refused (422)."
    )
    max_stops: int = Field(25, description="Most stops in one route request.")
    max_loop_km: float = Field(50.0, description="Longest loop (`loop_km`) a request may ask for.")

    # --- geocoding / downloads -------------------------------------------------------------------
    geocoder_fallback: bool = Field(
        False,
        description="Ask Nominatim (`geocoder_url`) for a route's start address that the offline geocoder does not "
        "find. Off by default: addresses, cross streets and landmarks are found offline.",
    )
    geocoder_url: str = Field(
        "https://nominatim.openstreetmap.org",
        description="Nominatim base URL (only with `geocoder_fallback`).",
    )
    geocoder_user_agent: str = Field(
        DEFAULT_USER_AGENT, description="User-Agent sent to Nominatim (its policy asks for a real one)."
    )
    geocoder_retries: int = Field(2, ge=1, description="Attempts per geocoding request (429/5xx, timeouts).")
    geocoder_timeout_s: float = Field(10.0, description="Timeout per geocoding request.")
    geocoder_min_interval_s: float = Field(1.0, description="Nominatim policy: at most one request a second.")
    geocoder_queue_size: int = Field(
        5, ge=1, description="Address look-ups that may wait for the geocoder per process; more get 503."
    )
    overpass_url: str = Field(
        "https://overpass-api.de/api/interpreter", description="Overpass API for `filmtour network fetch`."
    )
    overpass_timeout_s: float = Field(
        180.0, description="Overpass query timeout (the download may take 30 s more)."
    )
    overpass_retries: int = Field(3, ge=1, description="Attempts per Overpass download (429/5xx, timeouts).")
    overpass_user_agent: str = Field(DEFAULT_USER_AGENT, description="User-Agent sent to the Overpass API.")

    # --- maps ------------------------------------------------------------------------------------
    tile_url: str = Field(
        "",
        description="A raster tile provider's URL template ({z}/{x}/{y}), for those who want one (check its usage "
        "policy); empty, the default: our own vector basemap, served by this app.",
    )
    tile_attribution: str = Field(
        "",
        description="The raster provider's attribution (HTML), shown with its tiles beside the data credits.",
    )
    basemap_dir: Path | None = Field(
        default=None,
        description="Where the vector basemap (PMTiles) is built and cached (default: data_dir/basemap).",
    )
    build_basemap_on_startup: bool = Field(
        True, description="Build the vector basemap at startup if missing."
    )
    public_base_url: str | None = Field(
        default=None,
        description="Absolute base URL used in share links and oEmbed.",
        json_schema_extra={"doc_default": "from the request, if its host is in allowed_hosts"},
    )
    allowed_hosts: str = Field(
        "localhost,127.0.0.1,[::1]",
        description="Comma-separated host names a request's Host header may give absolute links (share links, "
        "oEmbed) when public_base_url is unset; any other Host gets links to the first one, so a spoofed Host "
        "never reaches a link or a cache.",
    )

    # --- server ----------------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Interface `filmtour serve` listens on.")
    port: int = Field(8000, description="TCP port `filmtour serve` listens on.")
    workers: int = Field(1, description="Worker processes for `filmtour serve`.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Log level (JSON logs)."
    )
    rate_limit_routes_per_minute: int = Field(
        60,
        description="Route-planning budget per client a minute, in cost units (A→B costs 1; more stops, "
        "optimizing and loops cost more: see README). 0 turns the limit off. Shared by every worker/replica.",
    )
    rate_limit_geocode_per_minute: int = Field(30, description="Address look-ups per client a minute.")
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses/networks of reverse proxies whose X-Forwarded-For is believed "
        "(e.g. 172.28.0.10). Empty: the peer address is the client.",
    )
    max_concurrent_plans: int = Field(
        4,
        ge=1,
        description="Route plans computed at once per process; more wait planning_wait_s, then 503. The embedded "
        "Valhalla routes on this many threads, at most one per CPU (one Actor, ~20-30 MB, each).",
    )
    planning_wait_s: float = Field(2.0, ge=0, description="How long a plan waits for a free slot.")
    http_header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="`filmtour serve` closes a connection that has not sent a complete request head this "
        "long after its first byte (slow-header attacks); heads over 16 KB get 400.",
    )
    max_connections: int = Field(
        1000, ge=1, description="Open connections one `filmtour serve` process accepts; more get 503."
    )
    max_body_bytes: int = Field(64 * 1024, description="Largest request body accepted (413 above).")
    max_gpx_bytes: int = Field(
        8 * 1024 * 1024,
        description="Largest GPX POST /api/v1/runs/compare accepts (413 above); a 3-hour run at one point a second is about 1.5 MB.",
    )
    saved_route_retention_days: int = Field(
        365,
        ge=0,
        description="A saved route nobody has read (API, map, embed or export) for this many days is deleted: "
        "at start-up, hourly while serving, and by `filmtour db prune`. 0 keeps saved routes forever.",
    )
    saved_routes_per_client_per_hour: int = Field(
        60,
        ge=0,
        description="Routes one client (its rate-limit key; IPv6 by /48) may save an hour; past it, saving "
        "answers 429 + Retry-After until the hour is over. 0: no limit. See docs/saved-routes-quota.md.",
    )
    max_saved_routes: int = Field(
        100_000,
        ge=0,
        description="Storage budget for saved routes, all clients together; saving past it deletes the "
        "routes read longest ago to make room. 0: no budget.",
    )
    client_hash_secret: str | None = Field(
        None,
        description="Secret key of the HMAC that stores a saving client's key (never the address). Unset: "
        "a random one is made once in `FILMTOUR_DATA_DIR/client-hash.key`; set it for several replicas.",
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'filmtour.db'}"

    valhalla_tiles_dir: Path | None = Field(
        default=None,
        description="Where routing tiles are built and cached.",
        json_schema_extra={"doc_default": "`valhalla/` in the data dir"},
    )

    @property
    def tiles_dir(self) -> Path:
        return self.valhalla_tiles_dir or self.data_dir / "valhalla"

    @property
    def basemap_root(self) -> Path:
        return self.basemap_dir or self.data_dir / "basemap"

    @property
    def basemap_layers_dir(self) -> Path:
        """Water, parks and rail of the shipped tour area (a fetched extract brings its own from OSM)."""
        return SHIPPED_DATA / "basemap"

    @property
    def installed_extract(self) -> Path:
        """Where `filmtour network build/fetch` puts the extract the service should use from then on."""
        return self.data_dir / "osm" / "active.osm.pbf"

    @property
    def active_extract(self) -> Path:
        if self.osm_extract:
            return self.osm_extract
        if self.installed_extract.is_file():
            return self.installed_extract
        return SHIPPED_EXTRACT

    @property
    def routing_extract(self) -> Path:
        """What the routing tiles are built from: a configured or installed extract, else the whole-city
        network (the basemap keeps drawing the OSM extract and the City's streets itself)."""
        if self.osm_extract or self.installed_extract.is_file():
            return self.active_extract
        return SHIPPED_NETWORK


def env_name(name: str) -> str:
    alias = Settings.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else "FILMTOUR_" + name.upper()


def _doc_default(name: str) -> str:
    info = Settings.model_fields[name]
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if "doc_default" in extra:
        return str(extra["doc_default"])
    value = info.default
    if isinstance(value, Path):
        value = value.relative_to(SHIPPED_DATA.parent) if value.is_relative_to(SHIPPED_DATA.parent) else value
    if isinstance(value, bool):
        value = str(value).lower()
    return f"`{value}`" if value not in (None, "") else "unset"


def settings_table() -> str:
    """The README's configuration table, from the settings' own descriptions (`filmtour settings`)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        meaning = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{env_name(name)}` | {_doc_default(name).replace('|', '\\|')} | {meaning} |")
    return "\n".join(rows) + "\n"


@lru_cache
def get_settings() -> Settings:
    return Settings()
