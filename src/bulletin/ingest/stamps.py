"""Publication time stamps on scraped pages ("Aug. 30, 2017 / 7:36 PM ET / Updated …").

A page states its times in a run of stamps, slashes and the words "Published" and
"Updated", on a line of its own, at the start of the text after the newsletter box
("… SUBSCRIBE Jan. 12, 2019, 5:28 PM GMT They made headlines …") or at the end of the
byline ("By Ann Lee / Aug. 30, 2017 / Updated"). A run is read in its own time zone
and taken out of the text; the first run on the page gives (published, updated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

ZONES = {"ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
         "CT": "America/Chicago", "CST": "America/Chicago", "CDT": "America/Chicago",
         "MT": "America/Denver", "MST": "America/Denver", "MDT": "America/Denver",
         "PT": "America/Los_Angeles", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
         "UTC": "UTC", "GMT": "UTC", "BST": "Europe/London", "CET": "Europe/Paris",
         "CEST": "Europe/Paris"}  # fmt: skip
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]{0,6}\.?"
_CLOCK = r"\d{1,2}:\d{2}\s*(?:[AaPp]\.?[Mm]\.?)?"
_ZONE = r"(?:[ECMP][SD]?T|UTC|GMT|BST|CES?T)\b"
_DAY = rf"{_MONTH} \d{{1,2}},? \d{{4}}"
STAMP = re.compile(
    rf"(?:(?P<date>{_DAY})(?:\s*[/,]?\s*(?:at\s+)?(?P<time>{_CLOCK}))?"
    rf"|(?P<time_first>{_CLOCK})\s*(?P<zone_first>{_ZONE})?\s*[/,]?\s*(?P<date_after>{_DAY})"
    r"|(?P<iso>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<iso_time>\d{2}:\d{2})(?::\d{2})?(?P<iso_zone>Z|[+-]\d{2}:?\d{2})?)?)"
    rf"(?:\s*(?P<zone>{_ZONE}))?"
)
_LABEL = r"(?:Updated|Published|Posted|First published|Last updated)\b:?(?:\s+on\b)?"
_RUN_PART = rf"(?:{STAMP.pattern}|{_LABEL}|{_CLOCK}\s*{_ZONE}|\d+[hmd] ago|[/|·,])"
# A run at the end of a line must begin with a separator ("By A / Aug. 30, 2017 /
# Updated") so a sentence that ends on a date keeps it.
_TRAILING = re.compile(rf"\s*[/|·](?:\s*{_RUN_PART})*\s*$", re.IGNORECASE)
_LEADING = re.compile(rf"^(?:\s*{_RUN_PART})+", re.IGNORECASE)
_ONLY = re.compile(rf"^(?:\s*{_RUN_PART})+\s*$", re.IGNORECASE)
_CLOCK_RE = re.compile(_CLOCK)
_HAS_STAMP = re.compile(rf"{STAMP.pattern}|{_CLOCK}\s*{_ZONE}|\b\d+[hmd] ago\b|\bupdated\b", re.I)


@dataclass(frozen=True)
class Times:
    published: datetime | None = None
    updated: datetime | None = None

    @property
    def found(self) -> bool:
        return self.published is not None or self.updated is not None


def is_stamp_line(block: str) -> bool:
    """A line of nothing but time stamps and their labels ("3h ago / 5:32 PM UTC")."""
    return bool(_ONLY.match(block)) and bool(_HAS_STAMP.search(block))


def take_stamps(block: str) -> tuple[str, Times | None]:
    """The line without its leading or trailing run of stamps, and the times that run gave.

    A leading run is only taken when it holds a clock time, so a sentence that opens
    on a date or a word ("Jan. 12, 2019 was cold", "Updated figures show") is left alone.
    """
    if is_stamp_line(block):
        return "", read_times(block)
    times: Times | None = None
    trailing = _TRAILING.search(block)
    if trailing and _HAS_STAMP.search(trailing.group(0)):
        times = read_times(trailing.group(0))
        block = block[: trailing.start()].rstrip()
    leading = _LEADING.match(block)
    if leading and leading.end() < len(block) and _CLOCK_RE.search(leading.group(0)):
        if times is None or not times.found:
            times = read_times(leading.group(0))
        block = block[leading.end() :].lstrip(" ,/|·")
    return block, times


def read_times(run: str) -> Times:
    """(published, updated) from one run: what follows "Updated" is the update time."""
    head, *rest = re.split(r"(?i)\bupdated\b", run, maxsplit=1)
    tail = rest[0] if rest else ""
    return Times(published=first_time(head), updated=first_time(tail))


def first_time(text: str) -> datetime | None:
    """The first stamp in `text` as an aware UTC datetime (a bare date is its midnight)."""
    for match in STAMP.finditer(text):
        parsed = _parse(match)
        if parsed is not None:
            return parsed
    return None


def _parse(match: re.Match[str]) -> datetime | None:
    if match["iso"]:
        return _iso(match)
    day = match["date"] or match["date_after"]
    clock = match["time"] or match["time_first"]
    zone = match["zone"] or match["zone_first"] or "UTC"
    words = day.replace(".", "").replace(",", "").split()
    try:
        month = MONTHS.index(words[0][:3].lower()) + 1
        hour, minute = _clock(clock) if clock else (0, 0)
        naive = datetime(int(words[2]), month, int(words[1]), hour, minute)
    except (ValueError, IndexError):
        return None
    return naive.replace(tzinfo=ZoneInfo(ZONES.get(zone.upper(), "UTC"))).astimezone(UTC)


def _clock(text: str) -> tuple[int, int]:
    digits = re.match(r"(\d{1,2}):(\d{2})", text)
    if digits is None:
        raise ValueError(text)
    hour, minute = int(digits[1]), int(digits[2])
    half = re.search(r"([AaPp])\.?[Mm]", text)
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if half[1].lower() == "p" else 0)
    return hour, minute


def _iso(match: re.Match[str]) -> datetime | None:
    text = match["iso"] + (f"T{match['iso_time']}" if match["iso_time"] else "")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    offset = match["iso_zone"]
    if offset:
        try:
            aware = datetime.fromisoformat(f"{text}{offset.replace('Z', '+00:00')}")
        except ValueError:
            return None
        return aware.astimezone(UTC)
    zone = ZONES.get((match["zone"] or "UTC").upper(), "UTC")
    return parsed.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
