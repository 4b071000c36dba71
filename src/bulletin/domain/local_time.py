"""Wall-clock times in a named zone: read what an editor typed, and refuse times that never happen.

A time inside a spring-forward gap (02:30 on the night the clocks jump from 02:00 to
03:00) does not exist, so a report set for it is refused rather than silently moved.
A time that happens twice (01:30 on the night the clocks fall back) means its first
occurrence, the one a newsroom's clock shows first; the desk shows the offset chosen.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bulletin.domain.errors import InvalidInput

FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def parse_local(text: str) -> datetime:
    """A naive wall-clock datetime from 'YYYY-MM-DD HH:MM' (a 'T' between works too)."""
    cleaned = " ".join(text.split())
    for fmt in FORMATS:
        try:
            return datetime.strptime(cleaned, fmt)
        except ValueError:
            continue
    raise InvalidInput(
        f"{text.strip()!r} is not a date and time: write it as YYYY-MM-DD HH:MM, "
        "e.g. 2026-12-01 07:30."
    )


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `local` in `zone`; InvalidInput if it never happens there."""
    first = local.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        minutes = _jump_minutes(local, zone)
        raise InvalidInput(
            f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks go forward"
            f" {_minutes(minutes)} that night. Pick a time outside the jump."
        )
    return instant


def local_from_text(text: str, zone: ZoneInfo) -> datetime:
    return to_utc(parse_local(text), zone)


def describe(instant: datetime, zone: ZoneInfo) -> str:
    """'Tue 1 Dec 2026, 07:30 EST' — how the newsroom's clock reads at `instant`."""
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def as_local_text(instant: datetime, zone: ZoneInfo) -> str:
    """The instant as 'YYYY-MM-DD HH:MM' in the zone: what a form shows back."""
    return f"{instant.astimezone(zone):%Y-%m-%d %H:%M}"


def _jump_minutes(local: datetime, zone: ZoneInfo) -> int:
    """How far the clocks jump at a gap: the offsets after and before it differ by that."""
    before = local.replace(tzinfo=zone, fold=0).utcoffset()
    after = local.replace(tzinfo=zone, fold=1).utcoffset()
    if before is None or after is None:
        return 0
    return abs(int((after - before).total_seconds())) // 60


def _minutes(minutes: int) -> str:
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return "an hour" if hours == 1 else f"{hours} hours"
    return f"{minutes or 60} minutes"
