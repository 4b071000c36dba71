"""Following and steering a running campaign: pause, resume, cancel, progress, expiry, fan-out.

The engine runs for real (in a thread, as `bulletin serve` runs it) against a loopback
SMTP sink; each test counts at the sink what was sent twice and what was never sent.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

import pytest

from bulletin.delivery.engine import Engine
from bulletin.domain.errors import InvalidInput
from bulletin.domain.models import AlertDraft, CampaignStatus
from bulletin.services.alerts import sending as alerts
from bulletin.services.campaigns import steering as campaign_service
from bulletin.services.context import Context
from bulletin.store import audit, campaigns
from bulletin.store.ledger import fanout
from tests.support.engines import engine_for
from tests.support.factories import FakeClock
from tests.support.processes import create_readers, ledger, wait_until
from tests.support.smtp_sink import SmtpSink

ALERT = AlertDraft(
    headline="Airport closed by fog",
    summary="All departures are suspended until further notice.",
    url="https://news.example.com/travel/fog",
)


def address(reader: int) -> str:
    return f"r{reader}@readers.example.org"


def received(sink: SmtpSink) -> Counter[str]:
    return Counter(r for message in sink.list_mail() for r in message.rcpt_tos)


def status(ctx: Context, campaign_id: int) -> CampaignStatus:
    with ctx.db.transaction() as conn:
        campaign = campaigns.get(conn, campaign_id)
    assert campaign is not None
    return campaign.status


@contextmanager
def running(engine: Engine) -> Iterator[Engine]:
    """The engine sending in a thread until the block ends."""
    stop = threading.Event()
    thread = threading.Thread(target=engine.run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        yield engine
    finally:
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the engine did not stop"


def small_batches(ctx: Context, batch: int = 10) -> None:
    """Claim a few rows at a time, so that steering a campaign takes effect at once."""
    ctx.settings = ctx.settings.replace(worker_batch=batch)


def paced(sink: SmtpSink, per_second: int = 100) -> str:
    return f"{sink.url}&connections=2&rate={per_second}"


def settled(ctx: Context, campaign_id: int, sink: SmtpSink) -> bool:
    """Nothing in flight: every row claimed has been recorded, and the sink agrees."""
    counts = ledger(ctx.db, campaign_id)
    return counts.get("sending", 0) == 0 and counts.get("sent", 0) == len(sink.list_mail())


# Pause, resume, cancel


def test_pause_then_resume_resends_nothing_and_skips_nothing(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    small_batches(ctx)
    # At 100 a second the pause has 7 s to land between the 100th message and the last:
    # with 400 and the 200th it had 2, which a loaded CI machine once missed.
    readers = create_readers(ctx.db, 800)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id

    with running(engine_for(ctx, paced(smtp_sink))):
        wait_until(lambda: len(smtp_sink.list_mail()) >= 100, timeout=30, what="100 sent")
        campaign_service.pause(ctx, campaign_id, actor=None)
        wait_until(lambda: settled(ctx, campaign_id, smtp_sink), timeout=30, what="a settle")
        at_pause = ledger(ctx.db, campaign_id)
        assert status(ctx, campaign_id) is CampaignStatus.PAUSED
        campaign_service.resume(ctx, campaign_id, actor=None)
        wait_until(
            lambda: status(ctx, campaign_id) is CampaignStatus.SENT, timeout=30, what="the end"
        )

    assert 100 <= at_pause["sent"] < 800 and at_pause["queued"] > 0
    got = received(smtp_sink)
    assert [r for r in readers if got[address(r)] == 0] == []  # skipped
    assert [a for a, n in got.items() if n > 1] == []  # re-sent
    assert ledger(ctx.db, campaign_id) == {"sent": 800}


def test_cancel_marks_the_rest_cancelled_and_sends_nothing_more(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    small_batches(ctx)
    create_readers(ctx.db, 800)  # 6 s at 100 a second for the cancel to land, 100 unsent
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id

    with running(engine_for(ctx, paced(smtp_sink))):
        wait_until(lambda: len(smtp_sink.list_mail()) >= 100, timeout=30, what="100 sent")
        not_sent = campaign_service.cancel(ctx, campaign_id, actor=None)
        wait_until(lambda: settled(ctx, campaign_id, smtp_sink), timeout=30, what="a settle")
        after_cancel = len(smtp_sink.list_mail())
        threading.Event().wait(1.5)  # the engine runs on (and a scheduler round passes)

    counts = ledger(ctx.db, campaign_id)
    assert counts == {"sent": after_cancel, "cancelled": not_sent}
    assert not_sent >= 100
    assert len(smtp_sink.list_mail()) == after_cancel
    assert max(received(smtp_sink).values()) == 1
    assert status(ctx, campaign_id) is CampaignStatus.CANCELLED


def test_only_a_sending_campaign_can_be_paused_and_only_a_paused_one_resumed(
    ctx: Context,
) -> None:
    create_readers(ctx.db, 3)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id

    with pytest.raises(InvalidInput, match="Only a paused campaign"):
        campaign_service.resume(ctx, campaign_id, actor=None)
    campaign_service.pause(ctx, campaign_id, actor=None)
    with pytest.raises(InvalidInput, match="Only a sending campaign"):
        campaign_service.pause(ctx, campaign_id, actor=None)
    campaign_service.cancel(ctx, campaign_id, actor=None)
    with pytest.raises(InvalidInput, match="can be cancelled"):
        campaign_service.cancel(ctx, campaign_id, actor=None)


# Progress


def test_progress_counts_every_status_with_rate_and_eta(
    ctx: Context, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    readers = create_readers(ctx.db, 10)
    smtp_sink.handler.rcpt_replies[address(readers[0])] = "550 5.1.1 No such user"
    smtp_sink.handler.rcpt_replies[address(readers[1])] = "550 5.1.1 No such user"
    smtp_sink.handler.rcpt_replies[address(readers[2])] = "451 4.7.1 Greylisted"
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id

    engine_for(ctx, smtp_sink.url).run_until_idle()
    now = campaign_service.progress(ctx, campaign_id)
    clock.advance(seconds=30)
    later = campaign_service.progress(ctx, campaign_id)

    shown = now.as_json()
    assert {k: shown[k] for k in ("total", "queued", "sending", "sent", "failed")} == {
        "total": 10,
        "queued": 1,
        "sending": 0,
        "sent": 7,
        "failed": 2,
    }
    assert (shown["status"], shown["fanout_done"]) == ("sending", True)
    assert str(shown["started_at"]).endswith(" UTC") and shown["finished_at"] is None
    assert now.rate_per_s == pytest.approx(7.0)  # 7 sent in its first second, not 0.7/s
    assert now.eta_s == pytest.approx(1 / 7.0)  # one left at that rate
    assert now.fraction_done == pytest.approx(0.9)
    assert (later.rate_per_s, later.eta_s) == (0.0, None)  # nothing sent lately: no guess


def test_progress_says_why_a_queued_message_waits_and_when_it_is_tried_again(
    ctx: Context, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    readers = create_readers(ctx.db, 3)
    smtp_sink.handler.rcpt_replies[address(readers[2])] = "451 4.7.1 Greylisted, come back later"
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    before = campaign_service.progress(ctx, campaign_id)

    engine_for(ctx, smtp_sink.url).run_until_idle()
    waiting = campaign_service.progress(ctx, campaign_id)
    clock.advance(seconds=5)
    later = campaign_service.progress(ctx, campaign_id)

    assert before.retry is None  # queued, never tried: nothing to explain
    retry = waiting.retry
    assert retry is not None and retry.waiting == 1
    assert retry.reply is not None and "451 4.7.1 Greylisted" in retry.reply
    # The first back-off is 30 s, ±20 %.
    assert 24 <= retry.in_s <= 36 and retry.next_at > clock()
    assert later.retry is not None and later.retry.in_s == pytest.approx(retry.in_s - 5)
    shown = waiting.as_json()["retry"]
    assert isinstance(shown, dict) and str(shown["next_at"]).endswith(" UTC")
    assert shown["waiting"] == 1 and "Greylisted" in str(shown["reply"])


def test_progress_is_read_while_a_writer_holds_the_database(ctx: Context) -> None:
    # The desk polls progress every second during a send. On SQLite a transaction that
    # took the write lock would wait here (busy_timeout) and, during a real send, hold
    # up the workers' claims and records for as long as the counting took.
    create_readers(ctx.db, 3)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id

    with ctx.db.transaction() as writer:
        audit.record(writer, actor="test", action="test.hold", now=ctx.clock())
        current = campaign_service.progress(ctx, campaign_id)

    assert (current.counts.total, current.counts.queued) == (3, 3)


# Errors, expiry


def test_campaign_pauses_itself_when_most_recent_messages_are_refused(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    small_batches(ctx, batch=20)
    readers = create_readers(ctx.db, 600)
    for reader in readers:
        if reader % 3:
            smtp_sink.handler.rcpt_replies[address(reader)] = "550 5.7.1 Blocked by policy"
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id

    engine_for(ctx, smtp_sink.url + "&connections=2").run_until_idle()

    with ctx.db.transaction() as conn:
        campaign = campaigns.get(conn, campaign_id)
    assert campaign is not None and campaign.status is CampaignStatus.PAUSED
    assert campaign.status_reason and "paused automatically" in campaign.status_reason
    counts = ledger(ctx.db, campaign_id)
    assert counts["failed"] >= 50
    assert counts["queued"] > 0  # the rest waits for an editor, not refused one by one
    assert counts["sent"] == len(smtp_sink.list_mail())


def test_alert_past_its_expiry_is_marked_expired_and_never_sent_late(
    ctx: Context, smtp_sink: SmtpSink, clock: FakeClock
) -> None:
    create_readers(ctx.db, 25)
    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    clock.advance(seconds=ctx.settings.alert_expiry_s + 1)

    engine_for(ctx, smtp_sink.url).run_until_idle()

    assert smtp_sink.list_mail() == []
    assert ledger(ctx.db, campaign_id) == {"expired": 25}
    assert status(ctx, campaign_id) is CampaignStatus.SENT


# Fan-out


def test_scheduler_writes_the_ledger_chunk_by_chunk_and_everyone_gets_one_message(
    ctx: Context, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout, "step", partial(fanout.step, limit=7))
    monkeypatch.setattr(fanout, "FIRST_CHUNK", 3)  # written with Send: small, so it is quick
    readers = create_readers(ctx.db, 50)

    campaign_id = alerts.fire_alert(ctx, ALERT, actor=None).campaign_id
    first_chunk = ledger(ctx.db, campaign_id)
    engine_for(ctx, smtp_sink.url).run_until_idle()

    assert first_chunk == {"queued": 3}
    assert received(smtp_sink) == Counter(address(r) for r in readers)
    assert ledger(ctx.db, campaign_id) == {"sent": 50}
    assert status(ctx, campaign_id) is CampaignStatus.SENT
