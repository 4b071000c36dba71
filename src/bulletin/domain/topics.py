"""The topics a reader may follow, and the rules for a reader's briefing time and time zone."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bulletin.domain.errors import InvalidInput

# Slug → the name readers see. Stories carry these slugs; the briefing favours them.
TOPICS: dict[str, str] = {
    "world": "World",
    "politics": "Politics",
    "business": "Business & economy",
    "technology": "Technology",
    "science": "Science & environment",
    "health": "Health",
    "sport": "Sport",
    "culture": "Culture & arts",
}

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
BRIEFING_STEP_MINUTES = 15


def valid_topics(slugs: list[str]) -> list[str]:
    """The given topic slugs, de-duplicated in our order; InvalidInput for an unknown one."""
    unknown = [slug for slug in slugs if slug not in TOPICS]
    if unknown:
        raise InvalidInput(f"There is no topic called {unknown[0]!r}.")
    return [slug for slug in TOPICS if slug in slugs]


def valid_briefing_time(value: str) -> str:
    """A local time of day as HH:MM on a quarter hour, e.g. 06:00 or 07:45."""
    match = _TIME.match(value.strip())
    if not match or int(match.group(2)) % BRIEFING_STEP_MINUTES:
        raise InvalidInput(
            "Please choose a briefing time on the quarter hour, like 06:00 or 07:15."
        )
    return match.group(0)


def valid_time_zone(name: str) -> str:
    """An IANA time zone name we know, e.g. Europe/London; InvalidInput otherwise."""
    name = name.strip()
    if name not in time_zones():
        raise InvalidInput(f"{name!r} is not a time zone we know. Pick one from the list.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"{name!r} is not a time zone we know.") from exc
    return name


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """Every IANA zone this machine knows, sorted, without the legacy aliases."""
    legacy = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    zones = {
        z for z in available_timezones() if ("/" in z and not z.startswith(legacy)) or z == "UTC"
    }
    return tuple(sorted(zones))


@lru_cache(maxsize=1)
def _iana_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_iana_zone(name: str) -> bool:
    """True for a zone of the IANA list, aliases included (browsers still report
    Asia/Calcutta). `ZoneInfo("America")` is no test: a directory of the zone database
    raises IsADirectoryError, and a stray file there would load as a zone."""
    return name in _iana_names()
