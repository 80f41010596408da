"""The folium map itself: its scripts (linked, or inlined from installed packages) and its basemap.

Basemap: by default our own vector tiles from a filmtour service (``{service}/tiles/{z}/{x}/{y}.mvt``), drawn by
the same renderer and style as our pages (protomaps-leaflet and app/static/filmtour/basemap.js). Vector rather
than raster tiles because that is what the service serves: it renders no raster tiles, and drawing them would
cost the service CPU for every view. OpenStreetMap's raster tiles only when asked, with their credit.

Self-contained: Leaflet (xstatic-leaflet), jQuery (xstatic-jquery: folium's popups parse their HTML with it),
protomaps-leaflet and our style are inlined from installed packages, so the file loads nothing from a CDN; only
the tiles come from the service. folium's other defaults (Bootstrap, Font Awesome, awesome-markers) are not
used by these maps and are dropped in both modes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import folium
import xstatic.pkg.jquery as xjquery
import xstatic.pkg.leaflet as xleaflet
import xyzservices.providers as xyz
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from app.folium_maps.draw import PIN_CSS
from app.maps.assets import PROTOMAPS_PATH, STATIC_DIR
from app.maps.render import BASEMAP_CREDIT, DATA_CREDIT, PHILADELPHIA

Basemap = Literal["filmtour", "openstreetmap", "none"]
DEFAULT_SERVICE_URL = "http://127.0.0.1:8000"
LEAFLET_FILE = Path(xleaflet.BASE_DIR) / "leaflet.js"
LEAFLET_CSS_FILE = Path(xleaflet.BASE_DIR) / "leaflet.css"
JQUERY_FILE = Path(xjquery.BASE_DIR) / "jquery.min.js"
PROTOMAPS_FILE = STATIC_DIR / PROTOMAPS_PATH / "protomaps-leaflet.js"
STYLE_FILE = STATIC_DIR / "filmtour" / "basemap.js"
MAX_DATA_ZOOM = 16
# jQuery, when linked, from where folium itself links it.
JQUERY_LINK = ("jquery", dict(folium.Map.default_js)["jquery"])


class Credit(MacroElement):
    """A credit (HTML) in the map's attribution control, whatever the basemap: the data drawn must be credited."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.credit|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, credit: str) -> None:
        super().__init__()
        self._name = "Credit"
        self.credit = credit


class VectorBasemap(MacroElement):
    """Our vector basemap as a folium layer (protomaps-leaflet with the filmtour style)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        filmtourBasemap({{ this.tiles|tojson }}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, service_url: str, attribution: str) -> None:
        super().__init__()
        self._name = "VectorBasemap"
        self.tiles = {
            "vector": f"{service_url.rstrip('/')}/tiles/{{z}}/{{x}}/{{y}}.mvt",
            "maxDataZoom": MAX_DATA_ZOOM,
            "attribution": attribution,
        }


def _inline_script(path: Path) -> Element:
    code = path.read_text(encoding="utf-8")
    if "</script" in code.lower():  # would end the element early; none of these files has it
        raise ValueError(f"{path.name} cannot be inlined in a <script> element")
    return Element(f"<script>{code}</script>")


def new_map(
    *,
    service_url: str | None = None,
    basemap: Basemap = "filmtour",
    self_contained: bool = False,
    credit: str = DATA_CREDIT,
) -> folium.Map:
    """An empty folium map of Philadelphia with our basemap and attribution, ready for route_layer and
    places_layer. ``service_url`` is the filmtour service whose tiles (and, unless self-contained, scripts) the
    map loads; ``credit`` is HTML (escaped) naming the data drawn on it, always shown."""
    service = (service_url or DEFAULT_SERVICE_URL).rstrip("/")
    m = folium.Map(location=PHILADELPHIA, zoom_start=13, tiles=None, control_scale=True)
    root = m.get_root()
    assert isinstance(root, Figure)  # a folium.Map is always created inside a branca Figure (the page)
    header = root.header
    if self_contained:
        m.default_js, m.default_css = [], []
        header.add_child(
            Element(f"<style>{LEAFLET_CSS_FILE.read_text(encoding='utf-8')}</style>"), name="leaflet_css"
        )
        header.add_child(_inline_script(LEAFLET_FILE), name="leaflet_js")
        header.add_child(_inline_script(JQUERY_FILE), name="jquery_js")
    else:
        leaflet = f"{service}/static/leaflet-{xleaflet.VERSION}"
        m.default_js = [("leaflet", f"{leaflet}/leaflet.js"), JQUERY_LINK]
        m.default_css = [("leaflet_css", f"{leaflet}/leaflet.css")]
    header.add_child(Element(f"<style>{PIN_CSS}</style>"), name="filmtour_css")
    if basemap == "filmtour":
        for name, path, url in (
            ("protomaps_js", PROTOMAPS_FILE, f"{service}/static/{PROTOMAPS_PATH}/protomaps-leaflet.js"),
            ("filmtour_basemap_js", STYLE_FILE, f"{service}/static/filmtour/basemap.js"),
        ):
            script = _inline_script(path) if self_contained else Element(f'<script src="{url}"></script>')
            header.add_child(script, name=name)
        m.add_child(VectorBasemap(service, BASEMAP_CREDIT))
    elif basemap == "openstreetmap":
        osm = xyz.OpenStreetMap.Mapnik
        folium.TileLayer(
            osm.build_url(), attr=osm.html_attribution, name="OpenStreetMap", max_zoom=19
        ).add_to(m)
    m.add_child(Credit(credit))
    return m
