"""The languages Valhalla 3.9.1 writes its maneuver narrative in, and BCP 47 tags resolved to them.

Valhalla answers an unknown language silently in en-US (its trip says which it used), so a request is checked
here first; tests/routing/test_languages.py asks the real engine for each tag in this list."""

from __future__ import annotations

from app.core.exceptions import InvalidParameter

NARRATIVE_LANGUAGES = [
    "ar-SA",
    "bg-BG",
    "ca-ES",
    "cs-CZ",
    "da-DK",
    "de-DE",
    "el-GR",
    "en-AU",
    "en-GB",
    "en-US",
    "en-US-x-pirate",
    "es-ES",
    "et-EE",
    "fi-FI",
    "fr-FR",
    "he-IL",
    "hi-IN",
    "hu-HU",
    "it-IT",
    "ja-JP",
    "ko-KR",
    "mn-MN",
    "nb-NO",
    "nl-NL",
    "pl-PL",
    "pt-BR",
    "pt-PT",
    "ro-RO",
    "ru-RU",
    "sk-SK",
    "sl-SI",
    "sv-SE",
    "tr-TR",
    "uk-UA",
    "vi-VN",
]
_BY_LOWER = {tag.lower(): tag for tag in NARRATIVE_LANGUAGES}
# A bare language, or a region Valhalla lacks (es-MX), falls back to that language's first listed locale.
_BY_PRIMARY: dict[str, str] = {}
for _tag in NARRATIVE_LANGUAGES:
    _BY_PRIMARY.setdefault(_tag.split("-")[0].lower(), _tag)
_BY_PRIMARY["en"] = "en-US"
_BY_PRIMARY["pt"] = "pt-PT"


def narrative_language(tag: str | None, *, field: str = "language") -> str:
    """The Valhalla locale for a BCP 47 tag (``es``, ``es-ES``, ``es-MX`` → ``es-ES``); InvalidParameter if none."""
    if not tag:
        return "en-US"
    found = _BY_LOWER.get(tag.lower()) or _BY_PRIMARY.get(tag.split("-")[0].lower())
    if found is None:
        raise InvalidParameter(
            f"{field}: no maneuver narrative in {tag!r}; languages: {', '.join(NARRATIVE_LANGUAGES)}",
            field=field,
        )
    return found
