"""The briefing on its way: the scheduler's duty, then the engine sending due rows only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import event, select

from bulletin.delivery import briefing_duty, scheduler
from bulletin.delivery.briefing_duty import BriefingDuty
from bulletin.domain.editions import GREETING, EditionStatus
from bulletin.services.briefing import editions as briefing
from bulletin.services.context import Context
from bulletin.store import audit
from bulletin.store.briefing import editions
from bulletin.store.db import READ_ONLY
from bulletin.store.tables import deliveries
from tests.support.briefing import add_story, briefing_reader
from tests.support.engines import engine_for
from tests.support.factories import FakeClock, unique_email
from tests.support.smtp_sink import SmtpSink

TUESDAY = date(2026, 11, 24)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _round(ctx: Context) -> None:
    duty = BriefingDuty(ctx.settings.briefing_rules, every_s=0)
    scheduler.run_round(ctx.db, now=ctx.clock(), briefing=duty)


def _status(ctx: Context) -> dict[int, str]:
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(deliveries.c.subscriber_id, deliveries.c.status)).all()
    return {r.subscriber_id: r.status for r in rows}


def _edition(ctx: Context) -> editions.Edition | None:
    with ctx.db.transaction() as conn:
        return editions.by_date(conn, TUESDAY)


def test_engine_sends_each_reader_at_their_time_and_never_after_their_noon(
    ctx: Context, clock: FakeClock, smtp_sink: SmtpSink
) -> None:
    clock.now = _at(23, 20)
    add_story(ctx, headline="Parliament dissolved", section="Politics", urgency=2)
    add_story(ctx, headline="Ice shelf shrinks", section="Science", topics=("science",))
    emails = {name: unique_email(name) for name in ("tokyo", "berlin", "newyork")}
    tokyo = briefing_reader(ctx, zone="Asia/Tokyo", topics=["science"], email=emails["tokyo"])
    berlin = briefing_reader(ctx, zone="Europe/Berlin", email=emails["berlin"])
    new_york = briefing_reader(ctx, zone="America/New_York", email=emails["newyork"])
    briefing.approve(ctx, TUESDAY, actor=None, write_now=True)
    engine = engine_for(ctx, smtp_sink.url)

    engine.run_until_idle()
    assert smtp_sink.list_mail() == []  # 20:00 UTC: nobody's six o'clock yet

    clock.now = _at(23, 21, 30)  # 06:30 in Tokyo
    engine.run_until_idle()
    assert _status(ctx) == {tokyo: "sent", berlin: "queued", new_york: "queued"}

    clock.now = _at(24, 5, 30)  # 06:30 in Berlin
    engine.run_until_idle()
    assert _status(ctx)[berlin] == "sent"

    clock.now = _at(24, 17, 30)  # the worker was down all New York morning: past its noon
    engine.run_until_idle()
    assert _status(ctx)[new_york] == "expired"
    assert {r for m in smtp_sink.list_mail() for r in m.rcpt_tos} == {
        emails["tokyo"],
        emails["berlin"],
    }
    edition = _edition(ctx)
    assert edition is not None and edition.status is EditionStatus.SENT

    (berlin_mail,) = smtp_sink.list_mail_to(emails["berlin"])
    (tokyo_mail,) = smtp_sink.list_mail_to(emails["tokyo"])
    assert isinstance(berlin_mail, EmailMessage) and isinstance(tokyo_mail, EmailMessage)
    assert berlin_mail["List-Id"] == '"Morning Briefing" <morning-briefing.news.example.com>'
    assert berlin_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsedate_to_datetime(berlin_mail["Date"]) == _at(24, 5, 30)  # dated when it went
    assert parsedate_to_datetime(tokyo_mail["Date"]) == _at(23, 21, 30)
    text = berlin_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert GREETING in text
    assert "1. Parliament dissolved" in text
    assert "Read more in POLITICS: https://news.example.com/story/" in text
    tokyo_text = tokyo_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "1. Ice shelf shrinks" in tokyo_text  # weighted to the reader's science topic
    html = berlin_mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Read more in POLITICS</a>" in html


def test_duty_assembles_before_the_first_send_and_approves_at_the_deadline(
    ctx: Context, clock: FakeClock
) -> None:
    clock.now = _at(23, 18, 59)
    add_story(ctx)
    tokyo = briefing_reader(ctx, zone="Asia/Tokyo")  # Tuesday 06:00 there is Monday 21:00 UTC
    _round(ctx)
    assert _edition(ctx) is None

    clock.now = _at(23, 19, 0)  # two hours before
    _round(ctx)
    edition = _edition(ctx)
    assert edition is not None and edition.status is EditionStatus.DRAFT
    assert _status(ctx) == {}

    clock.now = _at(23, 20, 30)  # thirty minutes before
    _round(ctx)
    edition = _edition(ctx)
    assert edition is not None and edition.status is EditionStatus.SENDING
    assert edition.approved_by == "scheduler"
    assert _status(ctx) == {tokyo: "queued"}
    with ctx.db.transaction() as conn:
        logged = [(e["actor"], e["action"]) for e in audit.recent(conn)]
    assert ("scheduler", "briefing.assemble") in logged
    assert ("scheduler", "briefing.approve") in logged
    _round(ctx)
    assert len(_status(ctx)) == 1  # running again queues nobody twice


def test_the_duty_reads_its_reader_groups_without_taking_the_write_lock(
    ctx: Context, clock: FakeClock
) -> None:
    # The groups read the whole list; on SQLite, inside a write transaction, they held
    # up the workers' claims and records, and an alert's Send, every minute.
    clock.now = _at(23, 19, 0)
    add_story(ctx)
    briefing_reader(ctx, zone="Asia/Tokyo")
    grouped_read_only: list[bool] = []

    def note_groups(conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if "GROUP BY subscribers.time_zone" in statement:
            grouped_read_only.append(bool(conn.get_execution_options().get(READ_ONLY)))

    event.listen(ctx.db.engine, "before_cursor_execute", note_groups)
    try:
        _round(ctx)
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", note_groups)

    assert grouped_read_only == [True]
    edition = _edition(ctx)  # and the duty's writes still happen
    assert edition is not None and edition.status is EditionStatus.DRAFT


def test_a_held_edition_is_not_approved_and_is_skipped_once_too_late(
    ctx: Context, clock: FakeClock
) -> None:
    clock.now = _at(23, 19, 30)
    add_story(ctx)
    briefing_reader(ctx, zone="Asia/Tokyo")
    _round(ctx)
    briefing.hold(ctx, TUESDAY, actor=None)
    clock.now = _at(23, 21, 0)
    _round(ctx)
    edition = _edition(ctx)
    assert edition is not None and edition.status is EditionStatus.HELD
    clock.now = _at(24, 3, 0)  # noon in Tokyo: the last reader's expiry
    _round(ctx)
    edition = _edition(ctx)
    assert edition is not None and edition.status is EditionStatus.SKIPPED
    assert "Not approved" in (edition.skip_reason or "")
    assert _status(ctx) == {}


def test_after_downtime_stale_readers_expire_and_the_rest_still_get_it(
    ctx: Context, clock: FakeClock
) -> None:
    clock.now = _at(23, 12, 0)
    add_story(ctx)
    tokyo = briefing_reader(ctx, zone="Asia/Tokyo")
    new_york = briefing_reader(ctx, zone="America/New_York")
    clock.now = _at(24, 6, 0)  # down since Monday: Tokyo's noon passed, New York's 06:00 not yet
    _round(ctx)
    assert _status(ctx) == {tokyo: "expired", new_york: "queued"}


def test_no_story_means_a_skipped_edition_and_no_rows(ctx: Context, clock: FakeClock) -> None:
    clock.now = _at(24, 3, 30)
    briefing_reader(ctx, zone="Europe/Berlin")
    _round(ctx)
    edition = _edition(ctx)
    assert edition is not None and edition.status is EditionStatus.SKIPPED
    assert "No story qualified" in (edition.skip_reason or "")
    clock.now = _at(24, 5, 30)
    _round(ctx)
    assert _status(ctx) == {}


def test_expiry_sweep_works_in_chunks_until_nothing_stale_is_left(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.now = _at(23, 20)
    add_story(ctx)
    readers = [briefing_reader(ctx, zone="Europe/Berlin") for _ in range(5)]
    briefing.approve(ctx, TUESDAY, actor=None, write_now=True)
    monkeypatch.setattr(briefing_duty, "EXPIRE_CHUNK", 2)
    assert briefing_duty.expire_stale(ctx.db, now=_at(24, 10, 59)) == 0  # 11:59 in Berlin
    assert briefing_duty.expire_stale(ctx.db, now=_at(24, 11, 0)) == 5
    assert _status(ctx) == {reader: "expired" for reader in readers}


def test_a_failing_briefing_duty_does_not_stop_the_scheduler_round(
    ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.now = _at(23, 20)
    add_story(ctx)
    reader = briefing_reader(ctx, zone="Europe/Berlin")
    briefing.approve(ctx, TUESDAY, actor=None, write_now=True)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the briefing")

    monkeypatch.setattr(briefing_duty, "run", broken)
    clock.now = _at(24, 11, 30)  # past noon in Berlin
    _round(ctx)  # does not raise, and the rest of the round still runs
    assert _status(ctx) == {reader: "expired"}
