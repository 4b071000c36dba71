"""A relay that hangs up on idle connections costs breaking news nothing: no rest, no retry.

Relays close connections that sit idle (Postfix and aiosmtpd after 300 s, many providers
sooner). The engine's pool keeps its connections between sends, so the next alert finds
them closed; each is reopened and its message sent at once, never recorded as a refusal.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bulletin.delivery.engine import Engine
from bulletin.domain.models import AlertDraft
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from tests.support.engines import engine_for
from tests.support.processes import attempts, create_readers, ledger, wait_until
from tests.support.relays import Relay

FIRST = AlertDraft(
    headline="Dam gates opened upstream",
    summary="Residents below the dam are told to move to higher ground.",
    url="https://news.example.com/dam",
)
UPDATE = AlertDraft(
    headline="Dam: evacuation widened to the old town",
    summary="Police are going door to door.",
    url="https://news.example.com/dam-update",
)


@contextmanager
def running(engine: Engine) -> Iterator[Engine]:
    stop = threading.Event()
    thread = threading.Thread(target=engine.run_forever, args=(stop,), name="test-engine")
    thread.start()
    try:
        yield engine
    finally:
        stop.set()
        thread.join(timeout=30)


def sent_to_all(ctx: Context, campaign_id: int, readers: int) -> bool:
    return ledger(ctx.db, campaign_id) == {"sent": readers}


@pytest.mark.parametrize("notice", [None, "421 4.4.2 idle too long, closing connection"])
def test_alert_after_the_relay_closed_every_idle_connection_goes_out_at_once(
    ctx: Context, notice: str | None
) -> None:
    readers = create_readers(ctx.db, 25)
    with Relay() as relay:
        engine = engine_for(ctx, relay.url(query="starttls=off&connections=16"))
        with running(engine):
            first = alerts.fire_alert(ctx, FIRST, actor=None)
            wait_until(
                lambda: sent_to_all(ctx, first.campaign_id, len(readers)),
                timeout=30,
                what="the first alert to reach every reader",
            )
            pooled = relay.close_idle_connections(notice)
            update = alerts.fire_alert(ctx, UPDATE, actor=None)
            # The test's clock stands still: a message put back for a retry (back-off of
            # 30 s and more) would never be due, so every row sent means none waited.
            wait_until(
                lambda: sent_to_all(ctx, update.campaign_id, len(readers)),
                timeout=20,
                what="the update to reach every reader with no retry",
            )

    assert pooled > 1  # the pool kept several connections, and all were found closed
    assert set(attempts(ctx.db, update.campaign_id).values()) == {1}
    assert [r.health.failures for r in engine.relays] == [0]
    assert len(relay.received) == 2 * len(readers)
