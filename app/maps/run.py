"""The run page (/tours/{id}/run, /routes/{id}/run): a full-screen map that follows the runner, with spoken
cues. Its logic is a set of ES modules under app/static/filmtour/run/, served from a path that carries a hash
of that directory (``run_module_path``), so a module's relative imports stay versioned like every other asset.
What the scripts say and show comes in the page's JSON config block in the route's language, never in code."""

from __future__ import annotations

from typing import Any

from app.core.config import Settings, route_title
from app.maps import assets
from app.maps.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, translations
from app.maps.render import templates

RUN_DIR = assets.RUN_DIR
run_module_path = assets.run_module_path
RUN_CSS = "filmtour/run.css"

# Spoken and shown by the run page's modules ({name} placeholders filled in there).
RUN_MESSAGES = (
    N_("Start run"),
    N_("Pause"),
    N_("Resume"),
    N_("End run"),
    N_("Mute"),
    N_("Unmute"),
    N_("Done"),
    N_("To go"),
    N_("Elapsed"),
    N_("Next turn"),
    N_("Next stop"),
    N_("plan {time}"),
    N_("In {distance}: {instruction}"),
    N_("You have arrived at {name}. {scene}"),
    N_("Press play on \u201c{song}\u201d now."),
    N_("Press play on \u201c{song}\u201d in {distance}."),
    N_("{seconds} seconds to the peak; {distance} to the top of the steps."),
    N_("Workout station: {exercises}."),
    N_("{name}, {reps} reps"),
    N_("{name}, {seconds} seconds"),
    N_("You have left the route. Finding a way back to {name}."),
    N_("Back on the route."),
    N_("New route to {name}: follow the blue line."),
    N_("No network: the route is {distance} to the {direction}."),
    N_("Waiting for your position\u2026"),
    N_("Position too rough ({accuracy} m): no cues until it improves."),
    N_("No position for a while: the run goes on."),
    N_("Run resumed where you left it."),
    N_("You finished: {distance} in {time}."),
    N_("Your run"),
    N_("Distance"),
    N_("Moving time"),
    N_("Average pace"),
    N_("Stop"),
    N_("Planned"),
    N_("Yours"),
    N_("Difference"),
    N_("You reached the top of the steps {distance} from the song's peak."),
    N_("Download my run (GPX)"),
    N_("Your track stays on this device until you download it."),
    N_("north"),
    N_("northeast"),
    N_("east"),
    N_("southeast"),
    N_("south"),
    N_("southwest"),
    N_("west"),
    N_("northwest"),
    N_("Start"),
    N_("Finish"),
    N_("Route map"),
)


def run_language(lang_param: str | None, route_language: str | None, page_lang: str) -> str:
    """The language the run page speaks: ``?lang=`` when given, else the route's own language (its
    maneuvers are in it), else the page's negotiated one."""
    if lang_param:
        return page_lang
    base = (route_language or "").split("-")[0].lower()
    return base if base in LANGUAGES else page_lang


def run_messages(lang: str) -> dict[str, str]:
    gettext = translations(lang).gettext
    return {m: gettext(m) for m in RUN_MESSAGES}


def run_page_assets(settings: Settings) -> dict[str, list[str]]:
    """Leaflet, the basemap and map.js (classic scripts) and the run page's modules and stylesheet."""
    page = assets.page_assets(controls=(), scripts=("filmtour/map.js",), vector=not settings.tile_url)
    modules = [f"{assets.STATIC_PREFIX}/{run_module_path()}/{p.name}" for p in sorted(RUN_DIR.glob("*.js"))]
    return {"css": [*page["css"], assets.own_asset(RUN_CSS)], "js": page["js"], "modules": modules}


def run_offline_assets(settings: Settings) -> list[str]:
    a = run_page_assets(settings)
    return [*a["css"], *a["js"], *a["modules"]]


def render_run_page(
    fc: dict[str, Any],
    settings: Settings,
    *,
    kind: str,
    item_id: str,
    map_config: dict[str, Any],
    lang: str = DEFAULT_LANGUAGE,
    workout: str | None = None,
) -> str:
    title = route_title(fc, translations(lang).gettext)
    page_assets = run_page_assets(settings)
    config = {**map_config, "controls": [], "zoom": 17}
    query = f"?workout={workout}" if workout else ""
    data = {
        "mode": "run",
        "route": fc,
        "title": title,
        "kind": kind,
        "id": item_id,
        "lang": lang,
        "speech_lang": "es-ES" if lang == "es" else "en-US",
        "messages": run_messages(lang),
        "map_url": f"/{kind}/{item_id}/map{query}",
        "reroute_url": "/api/v1/routes",
    }
    return (
        templates(lang)
        .get_template("run.html")
        .render(
            title=f"{title} — filmtour",
            assets=page_assets,
            config=config,
            data=data,
            main_module=f"{assets.STATIC_PREFIX}/{run_module_path()}/main.js",
            map_url=data["map_url"],
            route_title=title,
        )
    )
