"""A live engine keeps the leases of what it holds: a slow relay never loses its rows."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from sqlalchemy import select

from bulletin.delivery.engine import Engine
from bulletin.delivery.leases import LEASE, RENEW_EVERY
from bulletin.domain.models import AlertDraft
from bulletin.mail.transports import BatchResult, Envelope, Reply
from bulletin.services.alerts import sending as alerts
from bulletin.services.context import Context
from bulletin.store.tables import deliveries
from tests.support.factories import FakeClock, confirmed_reader
from tests.support.processes import wait_until
from tests.support.scripted_relay import ScriptedRelay

ALERT = AlertDraft(
    headline="Power cut across the east", summary="Crews are out.", url="https://n.example.com/p"
)


class HeldRelay(ScriptedRelay):
    """Takes a message and answers only once the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = threading.Event()
        self.go = threading.Event()

    def connection(self) -> _HeldConnection:  # type: ignore[override]
        return _HeldConnection(self)


class _HeldConnection:
    batch_size = 1

    def __init__(self, relay: HeldRelay) -> None:
        self._relay = relay

    async def send_batch(self, envelopes: Sequence[Envelope]) -> BatchResult:
        self._relay.holding.set()
        while not self._relay.go.is_set():
            await asyncio.sleep(0.01)
        self._relay.accepted.extend(envelopes)
        return BatchResult([Reply(250, "250 2.0.0 queued") for _ in envelopes])

    async def close(self, *, polite: bool = False) -> None:
        return None


def _lease(ctx: Context) -> tuple[str, object]:
    with ctx.db.transaction() as conn:
        status, until = conn.execute(select(deliveries.c.status, deliveries.c.lease_until)).one()
    return status, until


def test_the_engine_renews_what_it_holds_so_its_own_sweep_never_takes_it(
    ctx: Context, clock: FakeClock
) -> None:
    confirmed_reader(ctx)
    alerts.fire_alert(ctx, ALERT, actor=None)
    relay = HeldRelay()
    engine = Engine.on_database(ctx.db, ctx.settings, [relay], clock=clock)
    sending = threading.Thread(target=engine.run_until_idle)
    sending.start()
    try:
        assert relay.holding.wait(30), "the relay never got the message"
        for _ in range(4):  # 24 s on the engine's clock: past the lease, renewed each time
            clock.advance(seconds=RENEW_EVERY.total_seconds() + 1)
            wait_until(
                lambda: _lease(ctx) == ("sending", clock() + LEASE),
                timeout=30,
                what="the lease renewed from the engine's clock",
            )
    finally:
        relay.go.set()
        sending.join(30)
    assert _lease(ctx) == ("sent", None)
    # The reader's confirmation request (held first, its outbox lease renewed alike) and
    # the alert, each once.
    assert sorted(e.sender.split("+")[1][0] for e in relay.accepted) == ["c", "o"]
