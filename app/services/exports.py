"""Route exports for watches and apps: GPX 1.1 (gpxpy), KML (simplekml) and a plain-text cue sheet.

All three read the route FeatureCollection described in docs/route-format.md, so a saved route exports the
same way whether it was just planned or read back from the database years later."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from app.core.config import ATTRIBUTION, route_title
from app.core.viewpoints import compass_point
from app.maps.i18n import N_, choose_language, translations
from app.schemas.route_document import RouteDocument, WorkoutStation, route_line, stop_features

CREDIT = f"Route data {ATTRIBUTION}."
Gettext = Callable[[str], str]


def _english(message: str) -> str:
    return message


def gettext_of(fc: Mapping[str, Any]) -> Gettext:
    """The cue sheet's labels in the route's language where the interface has a catalog (es), else English;
    the turn-by-turn instructions are already in it (Valhalla's narrative)."""
    language = (fc.get("properties") or {}).get("language")
    return translations(choose_language(language, None)).gettext if language else _english


def format_duration(seconds: float) -> str:
    seconds = round(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_distance(meters: float) -> str:
    return f"{meters / 1000:.2f} km" if meters >= 1000 else f"{meters:.0f} m"


def _clock(iso: str | None) -> str:
    return datetime.fromisoformat(iso).strftime("%H:%M") if iso else ""


def stop_eta(props: Mapping[str, Any]) -> str:
    """'+12:34 (06:01)': elapsed time, and the clock time when the route has a start time."""
    elapsed = "+" + format_duration(props.get("arrival_elapsed_s") or 0)
    clock = _clock(props.get("arrival_time"))
    return f"{elapsed} ({clock})" if clock else elapsed


def stop_description(props: Mapping[str, Any]) -> str:
    parts = [
        f"ETA {stop_eta(props)}, {format_distance(props.get('distance_from_start_m') or 0)} from the start.",
        props.get("scene") and f"In the film: {props['scene']}",
        props.get("exercise") and f"Rocky: {props['exercise']}",
        props.get("status_note") and f"Today: {props['status_note']}",
        props.get("tips") and f"Tips: {props['tips']}",
        props.get("viewpoint") and viewpoint_line(props["viewpoint"]),
    ]
    return "\n".join(p for p in parts if p)


def viewpoint_line(vp: Mapping[str, Any]) -> str:
    """Where to stand for the shot, in one line a watch can show (the camera point, the way to face)."""
    lon, lat = vp["coordinates"]
    compass = vp.get("compass") or compass_point(vp["bearing_deg"])
    return (
        f"Where to stand: {lat:.5f}, {lon:.5f}, face {compass} ({vp['bearing_deg']:.0f}°). "
        f"{vp['note']} ({vp['confidence']} confidence)"
    )


def _stations(fc: RouteDocument) -> list[WorkoutStation]:
    workout = fc["properties"].get("workout")
    return workout["stations"] if workout else []


def exercise_line(ex: Mapping[str, Any], _: Gettext = _english) -> str:
    dose = _("{n} reps").format(n=ex["reps"]) if ex.get("reps") else format_duration(ex.get("seconds") or 0)
    return _("{name} ({dose}): {how} [film: {film}] Safety: {safety}").format(
        name=ex["name"], dose=dose, how=ex["how"], film=ex["film_exercise"], safety=ex["safety"]
    )


def station_title(i: int, st: Mapping[str, Any], _: Gettext = _english) -> str:
    names = ", ".join(e["name"] for e in st["exercises"])
    return _("Workout {n}: {names} (~{duration})").format(
        n=i + 1, names=names, duration=format_duration(st["duration_s"])
    )


def song_cue_line(fc: Mapping[str, Any], _: Gettext = _english) -> str | None:
    cue = (fc.get("properties") or {}).get("song_cue")
    if not cue:
        return None
    skip = (
        _(", {skip} into the song").format(skip=format_duration(cue["skip_into_song_s"]))
        if cue.get("skip_into_song_s")
        else ""
    )
    return _(
        'Press play on "{song}" ({length}) at +{elapsed}, {distance} from the start ({lat}, {lon}){skip}: '
        "it peaks as you reach {peak}."
    ).format(
        song=cue["song"],
        length=format_duration(cue["song_s"]),
        elapsed=format_duration(cue["elapsed_s"]),
        distance=format_distance(cue["distance_from_start_m"]),
        lat=f"{cue['lat']:.5f}",
        lon=f"{cue['lon']:.5f}",
        skip=skip,
        peak=cue["peak_at"]["name"],
    )


def _stop_name(props: Mapping[str, Any]) -> str:
    return f"{props['seq']}. {props.get('name') or props.get('role', 'stop').title()}"


# What XML 1.0 cannot carry at all (C0 controls but tab/newline/CR, surrogates, U+FFFE/U+FFFF). New requests
# refuse control characters (app.schemas.routes), but a route saved before that may hold them: dropped here, so
# its GPX and KML still parse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(doc: Any) -> Any:
    """The document with every string made safe for XML (see _NOT_XML)."""
    if isinstance(doc, str):
        return _NOT_XML.sub("", doc)
    if isinstance(doc, dict):
        return {k: xml_safe(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [xml_safe(v) for v in doc]
    return doc


def to_gpx(fc: RouteDocument, *, link: str | None = None) -> str:
    fc = xml_safe(fc)
    import gpxpy.gpx  # here: an export's libraries load with the first export, not with the server

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "filmtour"
    gpx.name = route_title(fc)
    gpx.description = f"{_summary_line(fc)} {CREDIT}"
    gpx.copyright_author = ATTRIBUTION
    gpx.copyright_license = "https://opendatacommons.org/licenses/odbl/1-0/"
    if link:
        gpx.link, gpx.link_text = link, "filmtour route"
    for stop in stop_features(fc):
        lon, lat = stop["geometry"]["coordinates"]
        props = stop["properties"]
        wpt = gpxpy.gpx.GPXWaypoint(lat, lon, name=_stop_name(props), description=stop_description(props))
        wpt.type = props.get("role", "stop")
        wpt.symbol = "Flag, Green" if props.get("role") == "start" else "Flag, Red"
        gpx.waypoints.append(wpt)
    for i, st in enumerate(_stations(fc)):
        text = [f"At +{format_duration(st['elapsed_s'])}, {format_distance(st['distance_from_start_m'])}."]
        text += [exercise_line(e) for e in st["exercises"]]
        wpt = gpxpy.gpx.GPXWaypoint(
            st["lat"], st["lon"], name=station_title(i, st), description="\n".join(text)
        )
        wpt.type, wpt.symbol = "workout", "Fitness Center"
        gpx.waypoints.append(wpt)
    cue = (fc.get("properties") or {}).get("song_cue")
    if cue:
        wpt = gpxpy.gpx.GPXWaypoint(cue["lat"], cue["lon"], name="Press play", description=song_cue_line(fc))
        wpt.type, wpt.symbol = "song_cue", "Information"
        gpx.waypoints.append(wpt)
    # A track without timestamps: Strava, Garmin Connect and Komoot import it as a route to follow,
    # not as an activity someone already did.
    track = gpxpy.gpx.GPXTrack(name=route_title(fc))
    segment = gpxpy.gpx.GPXTrackSegment()
    for lon, lat in route_line(fc)["geometry"]["coordinates"]:
        segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon))
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def to_kml(fc: RouteDocument) -> str:
    fc = xml_safe(fc)
    import simplekml

    kml = simplekml.Kml(name=route_title(fc))
    kml.document.description = f"{_summary_line(fc)} {CREDIT}"
    line = kml.newlinestring(
        name=route_title(fc), coords=[tuple(c) for c in route_line(fc)["geometry"]["coordinates"]]
    )
    line.style.linestyle.width = 4
    line.style.linestyle.color = simplekml.Color.red
    for stop in stop_features(fc):
        props = stop["properties"]
        kml.newpoint(
            name=_stop_name(props),
            description=stop_description(props),
            coords=[tuple(stop["geometry"]["coordinates"])],
        )
    return kml.kml()


ACTIVITY = {"walk": N_("Walk"), "run": N_("Run")}


def _summary_line(fc: RouteDocument, _: Gettext = _english) -> str:
    p = fc.get("properties", {})
    pace = p.get("pace_min_per_km")
    pace_txt = _(" at {pace} min/km").format(pace=f"{int(pace)}:{round(pace % 1 * 60):02d}") if pace else ""
    activity = p.get("activity", "walk")
    return _("{activity} of {distance}, about {duration}{pace}.").format(
        activity=_(ACTIVITY[activity]) if activity in ACTIVITY else activity.title(),
        distance=format_distance(p.get("distance_m", 0)),
        duration=format_duration(p.get("duration_s", 0)),
        pace=pace_txt,
    )


def to_cue_sheet(fc: RouteDocument) -> str:
    """A printable cue sheet: stops with ETAs, and each turn with the distance run so far."""
    p = fc["properties"]
    _ = gettext_of(fc)
    title = route_title(fc, _)
    lines = [title, "=" * len(title), _summary_line(fc, _)]
    if p.get("start_time"):
        lines.append(_("Start: {time}").format(time=p["start_time"]))
    if dawn := p.get("dawn"):
        lines.append(
            _("Civil dawn in Philadelphia: {dawn} (sunrise {sunrise})").format(
                dawn=dawn["civil_dawn"], sunrise=dawn["sunrise"]
            )
        )
    workout = p.get("workout")
    if workout:
        lines.append(
            _("Workout ({level}): {n} stations, {stations}; total with running {total}.").format(
                level=_(workout["level"]),
                n=len(workout["stations"]),
                stations=format_duration(workout["stations_s"]),
                total=format_duration(workout["total_s"]),
            )
        )
    if cue := song_cue_line(fc, _):
        lines.append(cue)
    for step_free in p.get("step_free_stops") or []:
        if note := step_free["note"]:
            lines.append(note)
    lines.append("")
    stations = list(enumerate(_stations(fc)))
    stops = stop_features(fc)
    legs = route_line(fc)["properties"].get("legs", [])
    done = 0.0
    for i, stop in enumerate(stops):
        props = stop["properties"]
        lines.append(
            f"[{stop_eta(props)}] {format_distance(props.get('distance_from_start_m') or 0):>9}  "
            + _("STOP {name}").format(name=_stop_name(props))
        )
        if props.get("exercise"):
            lines.append(f"{'':22}" + _("Rocky: {exercise}").format(exercise=props["exercise"]))
        mine = [(k, st) for k, st in stations if st["after_seq"] == props["seq"]]
        for k, st in (x for x in mine if x[1]["kind"] == "stop"):
            lines += _station_lines(k, st, _)
        on_leg = [x for x in mine if x[1]["kind"] == "leg"]
        if i < len(legs):
            for m in legs[i].get("maneuvers", []):
                while on_leg and on_leg[0][1]["distance_from_start_m"] <= done:
                    lines += _station_lines(*on_leg.pop(0), _)
                lines.append(f"{'':12}{format_distance(done):>9}  {m['instruction']}")
                done += m.get("distance_m", 0.0)
        for k, st in on_leg:
            lines += _station_lines(k, st, _)
    for s in fc.get("skipped", []):
        lines.append(_("Skipped: {name}: {reason}").format(name=s["name"], reason=s["reason"]))
    lines += ["", _("Route data {credit}.").format(credit=ATTRIBUTION)]
    return "\n".join(lines) + "\n"


def _station_lines(k: int, st: Mapping[str, Any], _: Gettext = _english) -> list[str]:
    head = (
        f"[+{format_duration(st['elapsed_s'])}] {format_distance(st['distance_from_start_m']):>9}  "
        f"{station_title(k, st, _).upper()}"
    )
    return [head, *(f"{'':22}{exercise_line(e, _)}" for e in st["exercises"])]
