"""Route documents and places drawn as folium layers, with the content and look of our own map pages.

Every text from the dataset, a route or a user is escaped here before folium sees it: folium's ``Popup`` takes
HTML as it is and puts it inside a JavaScript template literal, so besides HTML's ``<&>"'`` the characters that
end or interpolate a template literal (backtick, ``$``, backslash) are written as character references too."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

import folium

from app.services.exports import (
    Gettext,
    exercise_line,
    format_distance,
    format_duration,
    gettext_of,
    song_cue_line,
    stop_eta,
)

ROUTE_COLOR = "#b3202b"  # the route line's colour on every filmtour map (app/static/filmtour/map.js)
# Marker colours and shapes, as app/static/filmtour/map.css draws them.
PIN_CSS = """
.ft-pin { border-radius: 50%; border: 2px solid #fff; box-shadow: 0 1px 4px rgba(0,0,0,.45); display: flex;
  align-items: center; justify-content: center; color: #fff; font: 700 13px/26px system-ui, sans-serif; }
.ft-public, .ft-stop { background: #b3202b; } .ft-view_from_street { background: #d9822b; }
.ft-gone { background: #8a8a8a; border-style: dashed; opacity: .8; } .ft-star { background: #2b5fb3; }
.ft-stop.ft-start { background: #1f8a3b; } .ft-stop.ft-finish { background: #111; }
.ft-station { background: #5b2bb3; border-radius: 4px; } .ft-song { background: #1d5fa8; border-radius: 4px 50% 50% 50%; }
.ft-popup h3 { margin: 0 0 .3em; font-size: 15px; } .ft-popup p { margin: .25em 0; }
"""
VISITING = {
    "public": "open to all",
    "view_from_street": "view from the street",
    "gone": "gone (nothing to see)",
    "not_in_philadelphia": "not in Philadelphia",
}
FILMED = {
    "exterior_only": "exteriors shot here",
    "set_here_shot_elsewhere": "set here, shot elsewhere",
    "disputed": "disputed",
}


def text(value: object) -> str:
    """Plain text as inert HTML that is also safe inside folium's JavaScript template literal."""
    return html.escape(str(value)).replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def _row(label: str, value: object) -> str:
    return f"<p><strong>{text(label)}:</strong> {text(value)}</p>" if value not in (None, "") else ""


def _popup(title: str, rows: Iterable[str], width: int = 340) -> folium.Popup:
    body = f'<div class="ft-popup"><h3>{text(title)}</h3>{"".join(rows)}</div>'
    return folium.Popup(folium.Html(body, script=True), max_width=width)


def _pin(label: str, css_class: str) -> folium.DivIcon:
    return folium.DivIcon(
        html=f'<span class="ft-pin {text(css_class)}" style="width:26px;height:26px">{text(label)}</span>',
        icon_size=(30, 30),
        icon_anchor=(15, 15),
        class_name="ft-divicon",
    )


def _marker(
    lat: float, lon: float, label: str, css_class: str, title: str, popup: folium.Popup
) -> folium.Marker:
    # title/alt go through folium's JSON encoding into Leaflet options, which sets them as attributes.
    return folium.Marker([lat, lon], icon=_pin(label, css_class), popup=popup, title=title, alt=title)


def _features(fc: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in fc.get("features", []) if f.get("properties", {}).get("kind") == kind]


def _stations(fc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return ((fc.get("properties") or {}).get("workout") or {}).get("stations") or []


def _station_rows(station: Mapping[str, Any], _: Gettext) -> list[str]:
    return [f"<p>{text(exercise_line(ex, _))}</p>" for ex in station.get("exercises", [])]


def stop_title(props: Mapping[str, Any]) -> str:
    label = {"start": "Start", "finish": "Finish"}.get(props.get("role", ""), str(props.get("seq")))
    return f"{label}: {props.get('name') or ''}"


def route_layer(fc: Mapping[str, Any], name: str | None = None) -> folium.FeatureGroup:
    """A route document (our API's GeoJSON answer) as a layer: the line in our colour, numbered stops with
    their scene, what is there today, tips and ETA, workout stations and the song cue where the route has
    them. Add it to any folium map: ``route_layer(doc).add_to(my_map)``."""
    _ = gettext_of(fc)
    props = fc.get("properties") or {}
    group = folium.FeatureGroup(name=name or props.get("title") or "filmtour route")
    for line in _features(fc, "route"):
        coords = [(lat, lon) for lon, lat in line["geometry"]["coordinates"]]
        folium.PolyLine(coords, color=ROUTE_COLOR, weight=5, opacity=0.85, class_name="ft-route-line").add_to(
            group
        )
    stations = _stations(fc)
    for stop in _features(fc, "stop"):
        p = stop["properties"]
        lon, lat = stop["geometry"]["coordinates"][:2]
        label = {"start": "S", "finish": "F"}.get(p.get("role", ""), str(p.get("seq")))
        here = [s for s in stations if s.get("kind") == "stop" and s.get("after_seq") == p.get("seq")]
        rows = [
            _row(
                _("ETA"),
                f"{stop_eta(p)}, {format_distance(p.get('distance_from_start_m') or 0)} from the start",
            ),
            _row(_("In the film"), p.get("scene")),
            _row(_("Rocky"), p.get("exercise")),
            _row(_("Today"), p.get("status_note")),
            _row(_("Tips"), p.get("tips")),
            _row(_("Accessibility"), p.get("accessibility")),
        ]
        for station in here:
            rows += [f"<p><strong>{text(_('Workout station'))}</strong></p>", *_station_rows(station, _)]
        title = stop_title(p)
        _marker(lat, lon, label, f"ft-stop ft-{p.get('role', 'stop')}", title, _popup(title, rows)).add_to(
            group
        )
    for k, station in enumerate(s for s in stations if s.get("kind") == "leg"):
        title = f"Workout {k + 1}: " + ", ".join(e["name"] for e in station.get("exercises", []))
        rows = [_row(_("Time"), format_duration(station.get("duration_s") or 0)), *_station_rows(station, _)]
        _marker(station["lat"], station["lon"], "W", "ft-station", title, _popup(title, rows)).add_to(group)
    cue = props.get("song_cue")
    if cue:
        title = f"Press play: {cue['song']}"
        _marker(
            cue["lat"],
            cue["lon"],
            "\u266a",
            "ft-song",
            title,
            _popup(title, [f"<p>{text(song_cue_line(fc, _))}</p>"]),
        ).add_to(group)
    return group


def _film_name(appearance: Mapping[str, Any]) -> str:
    title, year = appearance.get("film_title"), appearance.get("film_year")
    return f"{title} ({year})" if title and year else str(title or appearance.get("film") or "")


def place_marker(feature: Mapping[str, Any]) -> folium.Marker:
    """One place of the atlas (a feature of /api/v1/locations) with every appearance, as on /map: the colour
    and dashed edge say how it can be visited, gone places in grey."""
    p = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"][:2]
    apps = p.get("appearances") or []
    films = [_film_name(a) for a in apps]
    label = (
        str(p["scene_order"]) if p.get("scene_order") else (str(len(films)) if len(films) > 1 else "\u2605")
    )
    rows = []
    for a in apps:
        filmed = f" ({FILMED[a['filmed']]})" if a.get("filmed") in FILMED else ""
        rows.append(
            f"<p><strong>{text(_film_name(a))}</strong> \u2014 {text(a.get('scene') or '')}{text(filmed)}</p>"
        )
    if p.get("gone_since"):
        rows.append(_row("Gone", f"the filming site no longer exists ({p['gone_since']})"))
    rows += [
        _row("Today", p.get("status_note")),
        _row("Visiting", VISITING.get(p.get("visitable", ""), p.get("visitable"))),
        _row("Confidence", p.get("confidence")),
        _row("Tips", p.get("tips")),
        _row("Address", p.get("address")),
    ]
    visitable = p.get("visitable", "public")
    css = "ft-gone" if visitable == "gone" or p.get("gone_since") else f"ft-{visitable}"
    title = str(p.get("name") or "") + (f" \u2014 {', '.join(films)}" if films else "")
    name = (f"{p['scene_order']}. " if p.get("scene_order") else "") + str(p.get("name") or "")
    return _marker(lat, lon, label, css, title, _popup(name, rows))


def places_layer(features: Iterable[Mapping[str, Any]], name: str = "filmtour places") -> folium.FeatureGroup:
    """Places of the atlas as a layer. Places outside Philadelphia (filmed elsewhere) are left out, as on /map."""
    group = folium.FeatureGroup(name=name)
    for feature in features:
        if feature["properties"].get("visitable") != "not_in_philadelphia":
            place_marker(feature).add_to(group)
    return group
