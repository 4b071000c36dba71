"""Properties of the briefing's ledger over random zones, times, dates and downtime.

A frozen clock walks hour by hour through six days around a DST change. Each hour
the scheduler runs (unless the worker is "down") and every due row is claimed and sent.
Then, for every reader, read from the ledger: exactly one briefing for each of their
local weekdays on which the worker was up between their send time and their noon,
none on their weekends or the newsroom's holidays, none sent before its time or after
its expiry, and never two for one date.
"""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bulletin.delivery import scheduler
from bulletin.delivery.briefing_duty import BriefingDuty
from bulletin.domain.schedule import is_briefing_day, send_for
from bulletin.services.context import Context
from bulletin.store import campaigns
from bulletin.store.db import Database
from bulletin.store.ledger import claims, outcomes
from bulletin.store.tables import deliveries as ledger
from bulletin.store.tables import editions
from tests.support.briefing import add_story, briefing_reader
from tests.support.factories import FakeClock, make_settings

ZONES = [
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "America/New_York",
    "America/St_Johns",  # half-hour offset, North American DST
    "Europe/London",
    "Europe/Berlin",
    "Australia/Lord_Howe",  # half-hour DST shift
    "Asia/Kathmandu",  # +05:45
    "America/Santiago",  # southern-hemisphere DST
    "UTC",
]
TIMES = ["00:00", "01:30", "02:30", "06:00", "07:15", "10:45"]
DST_CHANGES = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # United States, spring forward
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # European Union, spring forward
    datetime(2026, 4, 4, 15, tzinfo=UTC),  # Lord Howe / Chile, fall back
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # European Union, fall back
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # United States, fall back
]
DAYS = 6


@dataclasses.dataclass(frozen=True)
class World:
    readers: list[tuple[str, str]]
    start: datetime
    down_from: int  # hours after start
    down_for: int
    holiday_offset: int


worlds = st.builds(
    World,
    readers=st.lists(
        st.tuples(st.sampled_from(ZONES), st.sampled_from(TIMES)), min_size=1, max_size=4
    ),
    start=st.builds(
        lambda change, hours: change - timedelta(hours=hours),
        st.sampled_from(DST_CHANGES),
        st.integers(min_value=0, max_value=96),
    ),
    down_from=st.integers(min_value=0, max_value=DAYS * 24),
    down_for=st.integers(min_value=0, max_value=40),
    holiday_offset=st.integers(min_value=0, max_value=DAYS - 1),
)


def _fresh_context(template: Path, holidays: frozenset[date], clock: FakeClock) -> Context:
    folder = template.parent / f"prop-{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    shutil.copy(template, folder / "bulletin.db")
    url = f"sqlite:///{folder / 'bulletin.db'}"
    settings_ = make_settings(folder, url).replace(briefing_holidays=holidays)
    return Context(settings=settings_, db=Database(url), clock=clock)


def _send_due(ctx: Context, now: datetime) -> None:
    with ctx.db.transaction() as conn:
        ids = campaigns.sendable_ids(conn, now=now)
        claimed = claims.claim(
            conn,
            owner=f"prop-{now.isoformat()}",
            now=now,
            lease=timedelta(minutes=5),
            limit=10_000,
            campaign_ids=ids,
        )
        outcomes.mark_sent(conn, [(row.id, "250 ok") for row in claimed], now=now)


@settings(
    max_examples=10,
    deadline=None,
    # Each example walks a week hour by hour; shrinking one would take many minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds)
@example(  # found by this test: Lord Howe (UTC+11) has its Wednesday on UTC's Tuesday
    world=World(
        readers=[("Australia/Lord_Howe", "01:30"), ("Europe/London", "10:45")],
        start=datetime(2026, 10, 21, 23, 0, tzinfo=UTC),
        down_from=63,
        down_for=20,
        holiday_offset=0,
    )
)
def test_one_briefing_per_local_weekday_never_late(sqlite_template: Path, world: World) -> None:
    clock = FakeClock(world.start)
    holiday = (world.start + timedelta(days=world.holiday_offset)).date()
    ctx = _fresh_context(sqlite_template, frozenset({holiday}), clock)
    subscribers = {briefing_reader(ctx, zone=zone, at=at): (zone, at) for zone, at in world.readers}
    duty = BriefingDuty(ctx.settings.briefing_rules, every_s=0)
    up_steps: list[datetime] = []
    for hour in range(DAYS * 24):
        clock.now = world.start + timedelta(hours=hour)
        if hour % 6 == 0:
            for _ in range(8):
                add_story(ctx)
        if world.down_from <= hour < world.down_from + world.down_for:
            continue
        up_steps.append(clock.now)
        scheduler.run_round(ctx.db, now=clock.now, briefing=duty)
        _send_due(ctx, clock.now)

    with ctx.db.transaction() as conn:
        rows = conn.execute(
            select(ledger, editions.c.edition_date).join(
                editions, editions.c.campaign_id == ledger.c.campaign_id
            )
        ).all()
    ctx.db.dispose()
    for subscriber_id, (zone_name, at) in subscribers.items():
        zone = ZoneInfo(zone_name)
        mine = [r for r in rows if r.subscriber_id == subscriber_id]
        dates = [r.edition_date for r in mine]
        assert len(dates) == len(set(dates)), "two briefings for one date"
        for row in mine:
            assert is_briefing_day(row.edition_date, {holiday})
            assert row.send_after.astimezone(zone).date() == row.edition_date
            if row.status == "sent":
                assert row.send_after <= row.sent_at < row.expires_at
        sent = {r.edition_date for r in mine if r.status == "sent"}
        expected = set()
        # Local dates run from a day behind UTC (UTC-11) to a day ahead (UTC+14) of the walk.
        first_day = world.start.date() - timedelta(days=1)
        for offset in range(DAYS + 3):
            day = first_day + timedelta(days=offset)
            send = send_for(day, zone, at=time.fromisoformat(at), holidays={holiday})
            if send is None:
                continue
            if any(send.send_at <= step < send.expires_at for step in up_steps):
                expected.add(day)
        assert sent == expected, (zone_name, at)
