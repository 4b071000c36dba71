"""When a reader's weekday-morning briefing goes out, in their own calendar and clock.

The rules, deliberately:
- A briefing goes out on the reader's local Monday to Friday, never on their Saturday
  or Sunday, and never on a newsroom "no briefing" date (a holiday), counted in the
  reader's own calendar.
- It goes at the reader's local briefing time (06:00 unless they chose another).
- When that time does not exist that day (the clocks jump from 02:00 to 03:00 and the
  reader chose 02:30), it goes at the same distance past the jump: 03:30 local.
- When that time happens twice (the clocks fall back and 01:30 comes round again), it
  goes at the first 01:30, once.
- An edition not sent by the reader's local noon (or a later expiry they chose) is
  not sent late: a briefing at 15:00 is not news.
"""

from __future__ import annotations

from collections.abc import Iterator, Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TIME = time(6, 0)
DEFAULT_EXPIRY = time(12, 0)
WEEKEND = (5, 6)  # Saturday, Sunday


@dataclass(frozen=True)
class Send:
    """One reader's briefing for one local date: when it goes, and when it is too late."""

    local_date: date
    send_at: datetime  # UTC
    expires_at: datetime  # UTC


def is_briefing_day(local_date: date, holidays: Set[date] = frozenset()) -> bool:
    return local_date.weekday() not in WEEKEND and local_date not in holidays


def local_instant(local_date: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `at` on `local_date` in `zone`, by the rules above.

    `fold=0` picks the first of a repeated time; for a time inside a gap it reads the
    wall time with the offset from before the jump, which lands exactly as far past
    the jump as the time was past its start (02:30 in a 02:00→03:00 jump is 03:30).
    """
    return datetime.combine(local_date, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def send_for(
    local_date: date,
    zone: ZoneInfo,
    *,
    at: time = DEFAULT_TIME,
    expiry: time = DEFAULT_EXPIRY,
    holidays: Set[date] = frozenset(),
) -> Send | None:
    """The reader's briefing for `local_date`, or None if that is not a briefing day."""
    if not is_briefing_day(local_date, holidays):
        return None
    send_at = local_instant(local_date, at, zone)
    expires_at = local_instant(local_date, max(expiry, at), zone)
    if expires_at <= send_at:
        expires_at = send_at + timedelta(hours=1)
    return Send(local_date, send_at, expires_at)


def sends_between(
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    *,
    at: time = DEFAULT_TIME,
    expiry: time = DEFAULT_EXPIRY,
    holidays: Set[date] = frozenset(),
) -> Iterator[Send]:
    """Every briefing of a reader in `zone` whose send time falls in [start, end), in order."""
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        send = send_for(day, zone, at=at, expiry=expiry, holidays=holidays)
        if send is not None and start <= send.send_at < end:
            yield send
        day += timedelta(days=1)
