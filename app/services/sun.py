"""Dawn in Philadelphia (the montage opens at first light), computed with astral."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from astral import LocationInfo
from astral.sun import dawn, sunrise

PHILADELPHIA_TZ = ZoneInfo("America/New_York")
PHILADELPHIA = LocationInfo("Philadelphia", "USA", "America/New_York", 39.9526, -75.1652)


def dawn_times(day: date) -> dict[str, str]:
    """Civil dawn (sun 6° below the horizon) and sunrise for ``day``, as local ISO times."""
    observer = PHILADELPHIA.observer
    return {
        "date": day.isoformat(),
        "civil_dawn": dawn(observer, day, depression=6, tzinfo=PHILADELPHIA_TZ).isoformat(timespec="seconds"),
        "sunrise": sunrise(observer, day, tzinfo=PHILADELPHIA_TZ).isoformat(timespec="seconds"),
        "timezone": "America/New_York",
    }


def civil_dawn(day: date) -> datetime:
    return dawn(PHILADELPHIA.observer, day, depression=6, tzinfo=PHILADELPHIA_TZ)
