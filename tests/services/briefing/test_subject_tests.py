"""A subject test on the Morning Briefing: a share of the readers whose morning comes
first races the subjects at their own time; the rest of them wait for the window, and
later time zones get the winner at their own mornings. Each reader gets one briefing."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bulletin.domain import subject_tests as rules
from bulletin.domain.clicks import Click, ScannerRules
from bulletin.domain.editions import briefing_subject
from bulletin.domain.errors import InvalidAlert, InvalidInput
from bulletin.services.alerts import races
from bulletin.services.briefing import curation
from bulletin.services.briefing import editions as briefing
from bulletin.services.clicks.recorder import ClickRecorder
from bulletin.services.context import Context
from bulletin.store.tables import deliveries
from tests.support.briefing import add_story, briefing_reader
from tests.support.engines import engine_for
from tests.support.factories import SECRET, FakeClock
from tests.support.smtp_sink import SmtpSink

TUESDAY = date(2026, 11, 24)
OTHER = "Your Tuesday: the levee, the vote and the weather"
BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15"


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def counting(ctx: Context, clock: FakeClock) -> Context:
    clock.now = _at(23, 20)  # Monday evening UTC: Tokyo's Tuesday morning is next
    return Context(
        settings=ctx.settings.replace(click_tracking="aggregate", subject_test_min_clicks=3),
        db=ctx.db,
        clock=ctx.clock,
    )


def _rows(ctx: Context) -> dict[int, tuple[int | None, datetime]]:
    with ctx.db.reading() as conn:
        found = conn.execute(
            select(deliveries.c.subscriber_id, deliveries.c.variant, deliveries.c.send_after)
        )
        return {int(s): (v, at) for s, v, at in found}


def _subjects(sink: SmtpSink, readers: dict[str, int]) -> dict[int, list[str]]:
    ids = dict(readers)
    found: dict[int, list[str]] = {}
    for received in sink.list_mail():  # the briefings, not the confirmation requests
        found.setdefault(ids[received.rcpt_tos[0]], []).append(str(received.message["Subject"]))
    return found


def test_the_first_mornings_race_and_every_later_reader_gets_the_winner(
    counting: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    add_story(counting, headline="Levee holds as crews work through the night", urgency=2)
    readers: dict[str, int] = {}
    for n in range(40):
        readers[f"tokyo{n}@readers.example.org"] = briefing_reader(
            counting, zone="Asia/Tokyo", email=f"tokyo{n}@readers.example.org"
        )
    for n in range(10):
        readers[f"berlin{n}@readers.example.org"] = briefing_reader(
            counting, zone="Europe/Berlin", email=f"berlin{n}@readers.example.org"
        )
    curation.set_subject_test(
        counting, TUESDAY, [OTHER], share_percent=50, window_minutes=20, actor=None
    )
    edition = briefing.approve(counting, TUESDAY, actor=None, write_now=True)
    own = briefing_subject(edition)
    tokyo = {r for a, r in readers.items() if a.startswith("tokyo")}
    rows = _rows(counting)
    tested = {r: v for r, (v, _) in rows.items() if v is not None}
    assert set(tested) <= tokyo and set(tested.values()) == {0, 1}
    assert {at for r, (v, at) in rows.items() if r in tokyo and v is None} == {_at(23, 21, 20)}
    assert {at for r, (v, at) in rows.items() if r not in tokyo} == {_at(24, 5)}

    engine = engine_for(counting, smtp_sink.url)
    clock.now = _at(23, 21)  # 06:00 in Tokyo
    engine.run_until_idle()
    sent = _subjects(smtp_sink, readers)
    assert set(sent) == set(tested)
    assert all(sent[r] == [(own, OTHER)[v]] for r, v in tested.items())

    recorder = ClickRecorder(
        counting.db,
        secret_key=SECRET,
        rules=ScannerRules(window_s=60, burst_links=3, burst_s=2.0),
        started=lambda _c: None,
        per_reader=False,
        clock=clock,
    )
    campaign_id = edition.campaign_id
    assert campaign_id is not None
    for reader in [r for r, v in tested.items() if v == 1][:4]:
        recorder.accept(Click(campaign_id, 0, reader, clock(), user_agent=BROWSER))
    asyncio.run(recorder.close())

    clock.now = _at(23, 21, 20)
    engine.run_until_idle()
    clock.now = _at(24, 5)  # 06:00 in Berlin
    engine.run_until_idle()

    sent = _subjects(smtp_sink, readers)
    assert sorted(sent) == sorted(readers.values())
    assert all(len(s) == 1 for s in sent.values())
    assert {sent[r][0] for r in readers.values() if r not in tested} == {OTHER}
    race = races.race(counting, campaign_id)
    assert race is not None and race.decision == rules.Decision(1, rules.WON)


def test_a_briefing_test_is_checked_and_can_be_removed(
    counting: Context, ctx: Context, clock: FakeClock
) -> None:
    add_story(counting, headline="Levee holds as crews work through the night", urgency=2)
    briefing_reader(counting, zone="Asia/Tokyo")

    with pytest.raises(InvalidAlert, match="from 3 to 120 minutes"):
        curation.set_subject_test(
            counting, TUESDAY, [OTHER], share_percent=10, window_minutes=200, actor=None
        )
    with pytest.raises(InvalidInput, match="click counts are off"):
        curation.set_subject_test(
            ctx, TUESDAY, [OTHER], share_percent=10, window_minutes=20, actor=None
        )
    saved = curation.set_subject_test(
        counting, TUESDAY, [OTHER, ""], share_percent=15, window_minutes=30, actor=None
    )
    assert saved.subject_test == rules.SubjectTest((OTHER,), 15, 1800, 3)

    removed = curation.set_subject_test(
        counting, TUESDAY, ["", " "], share_percent=15, window_minutes=30, actor=None
    )
    assert removed.subject_test is None
    edition = briefing.approve(counting, TUESDAY, actor=None, write_now=True)
    assert edition.campaign_id is not None
    assert races.race(counting, edition.campaign_id) is None
