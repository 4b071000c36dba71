"""The engine: claims due rows, sends over real SMTP, records each outcome exactly."""

from __future__ import annotations

import itertools
import re
import time
from email.message import EmailMessage
from functools import partial

import pytest
from sqlalchemy import select

from bulletin.delivery import scheduler
from bulletin.delivery.engine import Engine
from bulletin.delivery.flusher import FLUSH_EVERY_S
from bulletin.delivery.relays import Relay
from bulletin.domain.models import AlertDraft, CampaignStatus, DeliveryStatus
from bulletin.mail.transports import parse_relay
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.store import campaigns
from bulletin.store.tables import deliveries
from tests.support.engines import engine_for
from tests.support.factories import (
    FakeClock,
    FakeMonotonic,
    confirmed_reader,
    unique_email,
    web_requester,
)
from tests.support.ports import free_port
from tests.support.processes import create_readers
from tests.support.smtp_sink import SmtpSink

ALERT = AlertDraft(
    headline="Parliament dissolved",
    summary="Elections follow in 60 days.",
    url="https://news.example.com/politics/dissolved",
)


def _worker(ctx: Context, relay_url: str) -> Engine:
    return engine_for(ctx, relay_url)


def _rows(ctx: Context, campaign_id: int) -> dict[int, tuple[str, str | None, int]]:
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(deliveries).where(deliveries.c.campaign_id == campaign_id)).all()
    return {r.subscriber_id: (r.status, r.last_reply, r.attempts) for r in rows}


def _emails(n: int) -> list[str]:
    return [unique_email() for _ in range(n)]


def test_alert_reaches_each_confirmed_reader_once(ctx: Context, smtp_sink: SmtpSink) -> None:
    emails = _emails(3)
    for email in emails:
        confirmed_reader(ctx, email=email)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)

    _worker(ctx, smtp_sink.url).run_until_idle()

    received = sorted(r for m in smtp_sink.list_mail() for r in m.rcpt_tos)
    assert received == sorted(emails)
    assert {status for status, _, _ in _rows(ctx, fired.campaign_id).values()} == {"sent"}
    with ctx.db.transaction() as conn:
        assert campaigns.get(conn, fired.campaign_id).status is CampaignStatus.SENT  # type: ignore[union-attr]


def test_a_long_scheduler_round_does_not_hold_up_claiming_and_sending(
    ctx: Context, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round can write ledger chunks for a second or more: meanwhile the worker goes on
    claiming (here one reader per claim) and sending."""
    for email in _emails(3):
        confirmed_reader(ctx, email=email)
    alerts.fire_alert(ctx, ALERT, actor=None)
    engine = _worker(ctx, smtp_sink.url)
    engine.batch = 1
    delivered_during_first_round: list[int] = []
    run_round = scheduler.run_round

    def long_first_round(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not delivered_during_first_round:
            deadline = time.monotonic() + 5
            while len(smtp_sink.list_mail()) < 3 and time.monotonic() < deadline:
                time.sleep(0.02)
            delivered_during_first_round.append(len(smtp_sink.list_mail()))
        return run_round(*args, **kwargs)

    monkeypatch.setattr(scheduler, "run_round", long_first_round)

    engine.run_until_idle()

    assert delivered_during_first_round == [3]
    assert len(smtp_sink.list_mail()) == 3


def test_outcomes_are_written_in_one_group_per_flush_interval(
    ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However fast a relay accepts, the ledger gets one transaction per 50 ms, not one
    per handful of messages (three times fewer commits at 2,000 messages a second)."""
    readers = create_readers(ctx.db, 300)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    engine = _worker(ctx, "memory")
    engine.batch = 5  # small claims, so outcomes trickle in over many flush intervals
    flushes: list[tuple[float, int]] = []
    in_store = engine._in_store

    async def timed_in_store(work):  # type: ignore[no-untyped-def]
        # Noted on the loop as each flush is handed to its thread: the thread's own start
        # can lag by several ms on a busy machine, which would blur the intervals.
        inner = getattr(work, "work", work)  # the flush's CPU is timed around it
        if isinstance(inner, partial) and inner.func == engine._recorder.record:
            flushes.append((time.monotonic(), len(inner.args[0])))
        return await in_store(work)

    monkeypatch.setattr(engine, "_in_store", timed_in_store)

    engine.run_until_idle()

    assert sum(size for _, size in flushes) == len(readers)
    assert len(flushes) >= 2
    # n flushes need (n - 1) intervals; back-to-back flushes would take far less time.
    elapsed = flushes[-1][0] - flushes[0][0]
    assert (len(flushes) - 1) * FLUSH_EVERY_S <= elapsed + 0.02
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(flushes)]
    assert min(gaps) >= FLUSH_EVERY_S - 0.015  # the loop's timer clock may run a little behind
    assert {status for status, _, _ in _rows(ctx, fired.campaign_id).values()} == {"sent"}


def test_a_failing_scheduler_round_is_logged_and_the_next_one_runs(
    ctx: Context,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    run_round = scheduler.run_round
    calls: list[int] = []

    def failing_first_round(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("briefing table locked by a migration")
        return run_round(*args, **kwargs)

    monkeypatch.setattr(scheduler, "run_round", failing_first_round)

    _worker(ctx, smtp_sink.url).run_until_idle()

    assert "the scheduler round failed" in caplog.text
    assert "briefing table locked by a migration" in caplog.text
    assert len(smtp_sink.list_mail()) == 1
    with ctx.db.transaction() as conn:
        assert campaigns.get(conn, fired.campaign_id).status is CampaignStatus.SENT  # type: ignore[union-attr]


def test_each_message_carries_list_headers_and_a_stable_message_id(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    email = unique_email()
    subscriber_id = confirmed_reader(ctx, email=email)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    _worker(ctx, smtp_sink.url).run_until_idle()

    (message,) = smtp_sink.list_mail_to(email)
    assert isinstance(message, EmailMessage)
    assert message["Subject"] == ALERT.headline
    # Named and signed for this reader (mail.returns.tags): returned mail can be trusted.
    tag = ctx.tokens.returns.tag(fired.campaign_id, subscriber_id)
    salt, _, signed = str(message["Message-ID"]).partition(".")
    assert re.fullmatch(r"<[0-9a-f]{12}", salt)  # the campaign's own (migration 0011)
    assert signed == f"bulletin.c{fired.campaign_id}.s{subscriber_id}.k{tag}@news.example.com>"
    assert message["List-Id"] == '"Breaking News Alerts" <breaking.news.example.com>'
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"])
    assert "<http://bulletin.example.com/unsubscribe/" in unsubscribe
    assert "<mailto:unsubscribe@news.example.com?subject=unsubscribe%20" in unsubscribe
    assert message.get_content_type() == "multipart/alternative"
    assert ALERT.url in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert (
        smtp_sink.list_mail()[0].mail_from
        == f"bounces+c{fired.campaign_id}.s{subscriber_id}.k{tag}@news.example.com"
    )


def test_temporary_refusal_is_retried_after_back_off(
    ctx: Context, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    later, fine = _emails(2)
    later_id = confirmed_reader(ctx, email=later)
    confirmed_reader(ctx, email=fine)
    smtp_sink.handler.rcpt_replies[later] = "451 4.7.1 Greylisted, try again"
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    worker = _worker(ctx, smtp_sink.url)

    worker.run_until_idle()
    status, reply, attempts = _rows(ctx, fired.campaign_id)[later_id]
    assert (status, attempts) == ("queued", 1)
    assert reply is not None and reply.startswith("451")

    del smtp_sink.handler.rcpt_replies[later]
    clock.advance(minutes=1)
    worker.run_until_idle()
    assert _rows(ctx, fired.campaign_id)[later_id][0] == "sent"
    assert len(smtp_sink.list_mail_to(later)) == 1
    assert len(smtp_sink.list_mail_to(fine)) == 1


def test_permanent_refusal_fails_that_reader_and_keeps_the_reply(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    gone, fine = _emails(2)
    gone_id = confirmed_reader(ctx, email=gone)
    fine_id = confirmed_reader(ctx, email=fine)
    smtp_sink.handler.rcpt_replies[gone] = "550 5.1.1 No such user here"
    fired = alerts.fire_alert(ctx, ALERT, actor=None)

    _worker(ctx, smtp_sink.url).run_until_idle()

    rows = _rows(ctx, fired.campaign_id)
    assert rows[gone_id][:2] == ("failed", "550 5.1.1 No such user here")
    assert rows[fine_id][0] == "sent"


def test_relay_down_loses_nothing_and_sends_once_it_is_up(ctx: Context, clock: FakeClock) -> None:
    emails = _emails(3)
    for email in emails:
        confirmed_reader(ctx, email=email)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    sink = SmtpSink()
    ticks = FakeMonotonic()
    relay = Relay(parse_relay(sink.url), clock=ticks)  # nothing listens on that port yet
    worker = Engine.on_database(ctx.db, ctx.settings, [relay], clock=ctx.clock)

    worker.run_until_idle()
    assert {s for s, _, _ in _rows(ctx, fired.campaign_id).values()} == {"queued"}

    sink.start()
    try:
        clock.advance(minutes=1)
        assert relay.health.resting > 0  # it could not be reached
        ticks.now += relay.health.resting  # and its rest runs out
        worker.run_until_idle()
        assert sorted(r for m in sink.list_mail() for r in m.rcpt_tos) == sorted(emails)
    finally:
        sink.stop()
    assert {s for s, _, _ in _rows(ctx, fired.campaign_id).values()} == {"sent"}


def test_reader_who_left_after_fan_out_is_not_sent(ctx: Context, smtp_sink: SmtpSink) -> None:
    leaver, stayer = _emails(2)
    leaver_id = confirmed_reader(ctx, email=leaver)
    confirmed_reader(ctx, email=stayer)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    subscriptions.unsubscribe(ctx, ctx.tokens.unsubscribe(leaver_id, 1), requester=web_requester())

    _worker(ctx, smtp_sink.url).run_until_idle()

    assert smtp_sink.list_mail_to(leaver) == []
    assert len(smtp_sink.list_mail_to(stayer)) == 1
    assert _rows(ctx, fired.campaign_id)[leaver_id][0] == DeliveryStatus.CANCELLED


def test_gives_up_after_the_last_attempt(ctx: Context, clock: FakeClock) -> None:
    ctx.settings = ctx.settings.replace(alert_expiry_s=7 * 86400)
    reader_id = confirmed_reader(ctx)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    nowhere = f"smtp://127.0.0.1:{free_port()}?starttls=off"

    for _ in range(ctx.settings.max_attempts):
        engine_for(ctx, nowhere).run_until_idle()  # a fresh relay: no resting between rounds
        clock.advance(hours=2)

    status, reply, attempts = _rows(ctx, fired.campaign_id)[reader_id]
    assert (status, attempts) == ("failed", ctx.settings.max_attempts)
    assert reply is not None and "gave up after" in reply


def test_confirmation_email_goes_out_through_the_worker(ctx: Context, smtp_sink: SmtpSink) -> None:
    email = unique_email()
    subscriptions.sign_up(ctx, email=email, list_slugs=["breaking"], requester=web_requester())

    _worker(ctx, smtp_sink.url).run_until_idle()

    (message,) = smtp_sink.messages_to(email)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Breaking News Alerts" in str(message["Subject"])
    assert "http://bulletin.example.com/confirm/" in text
    assert message["List-Unsubscribe"] is None  # not a list message
