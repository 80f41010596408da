"""The interface's languages: Babel/gettext catalogs under app/locale (``messages.po``, compiled in memory
when first used, so the wheel ships only the .po text), the language a request asks for (``?lang=`` first,
then Accept-Language, negotiated by Babel), and the strings map.js and planner.js show (handed to the page in
its JSON config block, never in an inline script).

Add a language: ``pybabel init -i app/locale/messages.pot -d app/locale -l xx``, translate, add it to
LANGUAGES. Update after changing a string: ``pybabel extract -F babel.cfg -k N_ -o app/locale/messages.pot .``
then ``pybabel update -i app/locale/messages.pot -d app/locale``."""

from __future__ import annotations

from functools import lru_cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path

from babel import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app.core.negotiation import acceptable

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "es")  # the interface's; the route directions follow Valhalla's (app/routing/languages.py)


def N_(message: str) -> str:
    return message


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> NullTranslations:
    """The catalog of one of LANGUAGES (English, the source language, needs none)."""
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo)


def choose_language(lang: str | None, accept_language: str | None) -> str:
    """``?lang=`` if it names one of LANGUAGES (es, es-MX, ES ...), else the best of Accept-Language, else
    English. Tags are case-insensitive (RFC 5646 §2.1.1): the answer is always LANGUAGES' own spelling, which
    names the catalog's directory."""
    for preferred in ([lang.lower()] if lang else [], acceptable(accept_language)):
        found = negotiate_locale([tag for tag in preferred if tag != "*"], LANGUAGES, sep="-")
        if found:
            return found.lower()
    return DEFAULT_LANGUAGE


# Made by the code, not the templates (core.config.DEFAULT_ROUTE_TITLE and services.routes' first-steps
# title), so marked here for the catalog; tests/test_i18n.py checks the first is the default title.
GENERATED_TITLES = (N_("Rocky (1976) montage route"), N_("First steps: {km} km"))

# What the page scripts show. {name} placeholders are filled in by the script.
JS_MESSAGES = (
    N_("Delete this route"),
    N_("Click again to delete it for everyone with the link"),
    N_("Route deleted"),
    N_("Could not delete the route"),
    N_("Open to the public"),
    N_("View from the street (private property)"),
    N_("Gone: the filming site no longer exists"),
    N_("Not in Philadelphia: filmed elsewhere"),
    N_("shot here"),
    N_("exteriors shot here"),
    N_("set here, shot elsewhere"),
    N_("disputed"),
    N_("Training"),
    N_("In the film"),
    N_("Rocky"),
    N_("Today"),
    N_("Visiting"),
    N_("Confidence"),
    N_("Tips"),
    N_("Address"),
    N_("Accessibility"),
    N_("Film"),
    N_("All films"),
    N_("Start"),
    N_("Finish"),
    N_("Stop {n}"),
    N_("ETA"),
    N_("{distance} from the start"),
    N_("Workout station"),
    N_("Workout station: {names}"),
    N_("{n} reps"),
    N_("{n} s"),
    N_("From the film"),
    N_("Safety"),
    N_("Time"),
    N_("about {duration}, starting at +{elapsed}"),
    N_("Press play here"),
    N_("Press play: {song}"),
    N_("at the start, {skip} into the song"),
    N_("at +{elapsed}, {distance} from the start"),
    N_("Press play on \u201c{song}\u201d ({length}) {when}: it peaks as you reach {peak}."),
    N_("{name} (workout station)"),
    N_("Filmed elsewhere"),
    N_("Legend"),
    N_("open to all"),
    N_("view from the street"),
    N_("gone (nothing to see)"),
    N_("1\u20137: the Rocky (1976) montage; a number: how many films; \u2605 one film"),
    N_("Run"),
    N_("Walk"),
    N_("{distance} in about {duration}"),
    N_("Pace"),
    N_("Civil dawn"),
    N_("{dawn} (sunrise {sunrise})"),
    N_("Workout ({level})"),
    N_("{n} stations, {duration} in all"),
    N_("Song"),
    N_("Step-free"),
    N_("no steps on this route"),
    N_("Skipped"),
    N_("beginner"),
    N_("intermediate"),
    N_("rocky"),
    N_("Point {n}"),
    N_("Start: {point}"),
    N_("Point: {point}"),
    N_("remove"),
    N_("Error"),
    N_("Network error"),
    N_("Cross streets"),
    N_("Landmark"),
    N_("Film place"),
    N_("Street"),
    N_("{n} suggestions: use the up and down arrow keys"),
    N_("No match in Philadelphia"),
    N_("No start"),
    N_("type an address or click the map where you start"),
    N_("{activity} of {distance}, about {duration} at {pace}"),
    N_("civil dawn {time}"),
    N_("Skipped: {names}"),
    N_("Your route"),
    N_("Copied"),
    N_("Copy embed code"),
    N_("Map"),
    N_("places"),
    N_("Update offline copy"),
    N_("Save for offline"),
    N_("Saved for offline: {size} ({files} files, {tiles} map tiles)."),
    N_("Preparing the offline copy\u2026"),
    N_("Saving for offline\u2026 {done} of {total} files, {size}"),
    N_("Could not save for offline: {error}"),
    N_("The offline copy was removed."),
    N_("Where to stand"),
    N_("Stand here, face {dir}"),
    N_("About this place"),
    N_("high"),
    N_("medium"),
    N_("low"),
    # the 16 compass points of app.core.viewpoints.COMPASS_16 (a viewpoint's `compass`)
    N_("N"),
    N_("NNE"),
    N_("NE"),
    N_("ENE"),
    N_("E"),
    N_("ESE"),
    N_("SE"),
    N_("SSE"),
    N_("S"),
    N_("SSW"),
    N_("SW"),
    N_("WSW"),
    N_("W"),
    N_("WNW"),
    N_("NW"),
    N_("NNW"),
)


@lru_cache(maxsize=len(LANGUAGES))
def js_messages(language: str) -> dict[str, str]:
    """The scripts' strings in ``language`` (empty for English: the scripts' own text is English)."""
    if language == DEFAULT_LANGUAGE:
        return {}
    gettext = translations(language).gettext
    return {m: gettext(m) for m in JS_MESSAGES}
