"""The engine composes each claim with the settings as they are then (the desk's changes)."""

from __future__ import annotations

from datetime import time

from bulletin.config import Settings
from bulletin.delivery.engine import Engine
from bulletin.delivery.relays import relay_from_url
from bulletin.delivery.rounds import Rounds
from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.ledger.counts import campaign_counts
from bulletin.store.ledger.sql import SqlLedger
from tests.support.factories import confirmed_reader
from tests.support.smtp_sink import SmtpSink


def alert(headline: str) -> AlertDraft:
    return AlertDraft(headline=headline, summary="More soon.", url="https://news.example.com/b")


def _following(ctx: Context, smtp_sink: SmtpSink, now: list[Settings]) -> Engine:
    """An engine on `smtp_sink` whose fresh settings are whatever `now[0]` holds."""
    return Engine.on_database(
        ctx.db,
        ctx.settings,
        [relay_from_url(smtp_sink.url)],
        clock=ctx.clock,
        fresh_settings=lambda: now[0],
    )


def test_a_changed_footer_and_sender_are_in_the_next_claim(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    confirmed_reader(ctx)
    now: list[Settings] = [ctx.settings]
    engine = _following(ctx, smtp_sink, now)
    alerts.fire_alert(ctx, alert("First"), actor=None)
    engine.run_until_idle()

    now[0] = ctx.settings.replace(
        footer_text="New footer.", sender="Night Desk <night@news.example.com>"
    )
    alerts.fire_alert(ctx, alert("Second"), actor=None)
    engine.run_until_idle()

    first, second = (received.message for received in smtp_sink.list_mail())
    assert "New footer." not in first.as_string()
    assert "New footer." in second.as_string()
    assert second["From"] == "Night Desk <night@news.example.com>"
    assert engine.settings.briefing_rules == now[0].briefing_rules
    assert not engine.relays_changed


def test_changed_relays_stop_the_engine_before_it_claims_again(
    ctx: Context, smtp_sink: SmtpSink
) -> None:
    """Its senders hold the old relays' connections: it claims nothing more and stops,
    leaving the rows queued for the engine its runner starts on the new relays."""
    confirmed_reader(ctx)
    now: list[Settings] = [ctx.settings]
    engine = _following(ctx, smtp_sink, now)
    now[0] = ctx.settings.replace(relays="smtp://elsewhere.example.org:25")
    fired = alerts.fire_alert(ctx, alert("Held for the new relays"), actor=None)
    engine.run_until_idle()

    assert engine.relays_changed
    assert smtp_sink.list_mail() == []
    with ctx.db.reading() as conn:
        counts = campaign_counts(conn, fired.campaign_id)
    assert (counts.queued, counts.sending, counts.sent) == (1, 0, 0)


def test_the_scheduler_takes_the_briefing_rules_of_the_settings_at_the_next_claim(
    ctx: Context,
) -> None:
    rounds = Rounds(ctx.db, ctx.settings.briefing_rules)
    now: list[Settings] = [ctx.settings]
    engine = Engine(
        SqlLedger(ctx.db),
        ctx.settings,
        [relay_from_url("memory")],
        clock=ctx.clock,
        rounds=rounds,
        fresh_settings=lambda: now[0],
    )
    now[0] = ctx.settings.replace(briefing_size=3, briefing_expiry=time(10, 0))

    engine.run_until_idle()

    assert (rounds.briefing_rules.size, rounds.briefing_rules.expiry) == (3, time(10, 0))
