"""The engine composes each claim with the settings as they are then (the desk's changes)."""

from __future__ import annotations

import logging
from datetime import time

import pytest

from bulletin.config import Settings
from bulletin.delivery.engine import Engine
from bulletin.delivery.relays import relay_from_url
from bulletin.delivery.rounds import Rounds
from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.ledger.sql import SqlLedger
from tests.support.factories import confirmed_reader
from tests.support.smtp_sink import SmtpSink


def alert(headline: str) -> AlertDraft:
    return AlertDraft(headline=headline, summary="More soon.", url="https://news.example.com/b")


def test_a_changed_footer_and_sender_are_in_the_next_claim_and_relays_wait_for_a_restart(
    ctx: Context, smtp_sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    confirmed_reader(ctx)
    now: list[Settings] = [ctx.settings]
    engine = Engine.on_database(
        ctx.db,
        ctx.settings,
        [relay_from_url(smtp_sink.url)],
        clock=ctx.clock,
        fresh_settings=lambda: now[0],
    )
    alerts.fire_alert(ctx, alert("First"), actor=None)
    engine.run_until_idle()

    now[0] = ctx.settings.replace(
        footer_text="New footer.",
        sender="Night Desk <night@news.example.com>",
        relays="smtp://elsewhere.example.org:25",
    )
    alerts.fire_alert(ctx, alert("Second"), actor=None)
    with caplog.at_level(logging.WARNING):
        engine.run_until_idle()

    first, second = (received.message for received in smtp_sink.list_mail())
    assert "New footer." not in first.as_string()
    assert "New footer." in second.as_string()
    assert second["From"] == "Night Desk <night@news.example.com>"
    assert "restart this worker" in caplog.text
    assert engine.settings.briefing_rules == now[0].briefing_rules


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
