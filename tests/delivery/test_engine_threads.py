"""Loop state belongs to the loop: the engine's store work in threads hands back plain values.

asyncio's queues, futures and `call_soon` are not thread-safe, and counters bumped from
a thread while the loop swaps them lose updates (then `_idle()` lies and a send ends
early or never). The claim and the scheduler round run in threads; only the engine's
coroutines may touch its queue, its outcomes and its counts.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bulletin.delivery.outcomes import JobKind
from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from tests.support.engines import engine_for
from tests.support.factories import confirmed_reader, unique_email, web_requester
from tests.support.processes import ledger
from tests.support.smtp_sink import SmtpSink

ALERT = AlertDraft(
    headline="Storm warning for the coast",
    summary="Gusts of 120 km/h are expected tonight.",
    url="https://news.example.com/storm",
)


def test_a_claim_in_a_thread_returns_its_jobs_and_leaves_the_loops_counts_alone(
    ctx: Context,
) -> None:
    staying = unique_email()
    confirmed_reader(ctx, email=staying)
    leaver = confirmed_reader(ctx)
    alerts.fire_alert(ctx, ALERT, actor=None)
    subscriptions.unsubscribe(ctx, ctx.tokens.unsubscribe(leaver, 1), requester=web_requester())
    engine = engine_for(ctx, "memory")

    jobs, cancelled, claim_s, fill_s = engine._claim(f"{engine.owner}#1")

    readers = [job.envelope.recipient for job in jobs if job.kind is JobKind.DELIVERY]
    assert readers == [staying]
    assert [outcome.reply for outcome in cancelled] == [
        "not sent: unsubscribed or suppressed before sending"
    ]
    assert (engine._hand.in_flight, engine._hand.results, engine.stats.claimed) == (0, [], 0)
    assert claim_s >= 0 and fill_s >= 0  # its CPU seconds, for the loop to add up
    assert (engine.cpu.claim, engine.cpu.fill) == (0.0, 0.0)


def test_a_scheduler_round_in_a_thread_says_what_it_found_without_setting_it(
    ctx: Context,
) -> None:
    engine = engine_for(ctx, "memory")
    assert engine._fanouts_pending  # until a round has looked

    assert engine._scheduler_round() is False

    assert engine._fanouts_pending  # the loop sets it, from the round's answer


def test_a_whole_send_under_asyncio_debug_never_calls_the_loop_from_a_thread(
    ctx: Context, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    """In debug mode asyncio refuses `call_soon` from any thread but the loop's."""
    emails = {unique_email() for _ in range(30)}
    for email in emails:
        confirmed_reader(ctx, email=email)
    fired = alerts.fire_alert(ctx, ALERT, actor=None)
    engine = engine_for(ctx, smtp_sink.url + "&connections=4")
    engine.batch = 7  # several claims, and a final one after the last round

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(engine.run(until_idle=True), debug=True)

    assert {r for m in smtp_sink.list_mail() for r in m.rcpt_tos} == emails
    assert ledger(ctx.db, fired.campaign_id) == {"sent": len(emails)}
    assert [r.getMessage() for r in caplog.records if "thread" in r.getMessage()] == []
