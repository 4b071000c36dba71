"""The briefing's calendar: one per local weekday, none at weekends, DST handled on purpose."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given, settings
from hypothesis import strategies as st

from bulletin.domain.schedule import local_instant, send_for, sends_between

NEW_YORK = ZoneInfo("America/New_York")
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def test_weekday_briefing_goes_at_six_local() -> None:
    send = send_for(date(2026, 11, 25), ZoneInfo("Europe/Berlin"))
    assert send is not None
    assert send.send_at == datetime(2026, 11, 25, 5, 0, tzinfo=UTC)
    assert send.expires_at == datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def test_no_briefing_on_the_readers_weekend_or_holidays() -> None:
    assert send_for(date(2026, 11, 28), NEW_YORK) is None  # Saturday
    assert send_for(date(2026, 11, 29), NEW_YORK) is None  # Sunday
    assert send_for(date(2026, 11, 26), NEW_YORK, holidays={date(2026, 11, 26)}) is None


def test_nonexistent_time_goes_the_same_distance_past_the_jump() -> None:
    # New York's clocks jump from 02:00 to 03:00 on 8 March 2026: 02:30 never happens.
    instant = local_instant(date(2026, 3, 8), time(2, 30), NEW_YORK)
    assert instant.astimezone(NEW_YORK).time() == time(3, 30)


def test_repeated_time_goes_at_the_first_occurrence() -> None:
    instant = local_instant(date(2026, 11, 1), time(1, 30), NEW_YORK)
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, not EST


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 1)),
    days=st.integers(min_value=1, max_value=40),
    at=st.times(),
)
def test_exactly_one_per_local_weekday_none_at_weekends(
    zone: str, start: datetime, days: int, at: time
) -> None:
    tz = ZoneInfo(zone)
    begin = start.replace(tzinfo=UTC)
    end = begin + timedelta(days=days)
    sends = list(sends_between(begin, end, tz, at=at.replace(tzinfo=None, fold=0)))
    dates = [s.local_date for s in sends]
    assert len(dates) == len(set(dates))  # never twice for a local date
    assert all(d.weekday() < 5 for d in dates)  # never at the reader's weekend
    assert all(begin <= s.send_at < end for s in sends)
    assert all(s.send_at < s.expires_at for s in sends)  # never due after it expires
    assert [s.send_at for s in sends] == sorted(s.send_at for s in sends)
    # Every local weekday wholly inside the window has its briefing.
    first_full = (begin.astimezone(tz) + timedelta(days=1)).date()
    last_full = (end.astimezone(tz) - timedelta(days=1)).date()
    day = first_full
    while day < last_full:
        if day.weekday() < 5:
            assert day in dates, f"{day} missing in {zone}"
        day += timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES), day=st.dates(date(2025, 1, 1), date(2030, 12, 31)), at=st.times()
)
def test_send_time_is_the_local_time_or_just_past_a_gap(zone: str, day: date, at: time) -> None:
    tz = ZoneInfo(zone)
    wall = at.replace(tzinfo=None, fold=0)
    instant = local_instant(day, wall, tz)
    local = instant.astimezone(tz)
    asked = datetime.combine(day, wall)
    shift = local.replace(tzinfo=None) - asked
    assert timedelta(0) <= shift <= timedelta(hours=3)  # equal, or pushed past a gap
    if shift:
        # It was a gap: the asked-for wall time does not exist in that zone that day.
        round_trip = datetime.combine(day, wall, tzinfo=tz).astimezone(UTC).astimezone(tz)
        assert round_trip.replace(tzinfo=None) != asked
