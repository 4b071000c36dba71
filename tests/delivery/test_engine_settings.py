"""The engine composes each claim with the settings as they are then (the desk's changes)."""

from __future__ import annotations

import logging

import pytest

from bulletin.config import Settings
from bulletin.delivery.engine import Engine
from bulletin.delivery.relays import relay_from_url
from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
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
