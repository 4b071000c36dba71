"""The webhook sender: claims due deliveries, POSTs them signed, records what the endpoint said.

One runs in the background of `bulletin serve` and of every `bulletin worker`; on
PostgreSQL any number share the outbox (each claim is a lease). Claiming and recording
are short transactions of their own: no transaction is open while an endpoint is
being waited for. A 2xx is delivered; anything else (another status, a timeout, a
refused connection, an address no longer allowed) is retried with back-off
(`domain.webhooks.retry_at`) until a day after the event, then the delivery fails.

At most once per endpoint is not promised: a sender that dies after the endpoint
answered but before the answer is written sends that delivery again when its lease
ends. Every attempt carries the same `webhook-id`, so receivers drop the repeat.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bulletin import metrics
from bulletin.domain.errors import InvalidInput
from bulletin.domain.webhooks import retry_at
from bulletin.services.context import Context
from bulletin.services.webhooks.addresses import Resolver, check_reachable
from bulletin.services.webhooks.signing import signed_headers
from bulletin.store.types import utcnow
from bulletin.store.webhooks import outbox

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

TIMEOUT_S = 10.0
BATCH = 10
PARALLEL = 4  # requests of one batch in flight at once
# Past the worst case of one batch: every request taking its whole timeout, one by one.
LEASE = timedelta(seconds=BATCH * (TIMEOUT_S + 5))
IDLE_S = 1.0
KEEP = timedelta(days=30)  # how long the delivery log keeps finished deliveries
SWEEP_EVERY = 600  # idle rounds between prunes of the log (a write: not every second)


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: delivered, or why not (`status` when the endpoint answered)."""

    delivered: bool
    status: int | None
    error: str | None


@dataclass
class Sender:
    """Sends due webhook deliveries; `clock` decides what is due, `stamp` signs (wall time).

    Without a `client`, one is made at the first due delivery: a worker whose newsroom
    has no webhooks never loads httpx (about 4 MB with what it imports)."""

    ctx: Context
    client: httpx.Client | None = None
    owner: str = field(default_factory=lambda: f"{socket.gethostname()[:24]}:{os.getpid()}:hooks")
    stamp: Callable[[], datetime] = utcnow
    jitter: Callable[[], float] = field(default=lambda: random.uniform(-1.0, 1.0))
    resolve: Resolver | None = None

    def run_once(self) -> int:
        """Claim and send one batch of due deliveries; how many were claimed."""
        with self.ctx.db.transaction() as conn:
            claimed = outbox.claim(
                conn, owner=self.owner, now=self.ctx.clock(), lease=LEASE, limit=BATCH
            )
        if claimed and self.client is None:
            self.client = client()
        # Side by side, so that one endpoint that never answers (10 s a try) does not hold
        # up the rest of the batch; the threads only return what each POST came to.
        with ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="bulletin-hook") as pool:
            attempts = list(pool.map(self.attempt, claimed))
        for delivery, attempt in zip(claimed, attempts, strict=True):
            self._record(delivery, attempt)
        return len(claimed)

    def attempt(self, delivery: outbox.Claimed) -> Attempt:
        import httpx

        assert self.client is not None  # made by run_once before any attempt
        try:
            check_reachable(
                delivery.url, self.ctx.settings.webhook_allow_networks, resolve=self.resolve
            )
        except InvalidInput as exc:
            return Attempt(False, None, f"not sent: {exc}")
        headers = signed_headers(
            secret=delivery.secret,
            event_id=delivery.event_id,
            body=delivery.payload,
            at=self.stamp(),
        )
        body = delivery.payload.encode("utf-8")
        try:
            # Streamed and never read: only the status counts, and an endpoint cannot make
            # the sender hold a large answer in memory.
            with self.client.stream("POST", delivery.url, content=body, headers=headers) as got:
                code, reason = got.status_code, got.reason_phrase or "error"
        except httpx.TimeoutException:
            return Attempt(False, None, f"no answer within {TIMEOUT_S:g} seconds")
        except httpx.HTTPError as exc:
            return Attempt(False, None, f"could not connect ({type(exc).__name__}: {exc})")
        if 200 <= code < 300:
            return Attempt(True, code, None)
        return Attempt(False, code, f"answered HTTP {code} {reason}")

    def _record(self, delivery: outbox.Claimed, result: Attempt) -> None:
        now = self.ctx.clock()
        with self.ctx.db.transaction() as conn:
            if result.delivered:
                assert result.status is not None
                kept = outbox.delivered(
                    conn, delivery.id, owner=self.owner, status=result.status, now=now
                )
                outcome = "delivered"
            else:
                again = retry_at(
                    attempts=delivery.attempts + 1,
                    created_at=delivery.created_at,
                    now=now,
                    jitter=self.jitter(),
                )
                kept = outbox.attempt_failed(
                    conn,
                    delivery.id,
                    owner=self.owner,
                    status=result.status,
                    error=result.error or "failed",
                    retry_at=again,
                )
                outcome = "retry" if again is not None else "failed"
        if not kept:
            log.warning("webhook delivery %d was taken over by another sender", delivery.id)
            return
        metrics.webhook_delivery(outcome)
        if outcome == "failed":
            log.warning(
                "webhook delivery %d to endpoint %d failed for good: %s",
                delivery.id,
                delivery.endpoint_id,
                result.error,
            )

    def prune(self) -> int:
        with self.ctx.db.transaction() as conn:
            return outbox.prune(conn, before=self.ctx.clock() - KEEP)


def client(timeout: float = TIMEOUT_S) -> httpx.Client:
    """The HTTP client the sender posts with: a timeout, no redirects, no proxy from the
    environment (a proxy would resolve names the address check never sees)."""
    import httpx

    return httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)


def run_forever(ctx: Context, stop: threading.Event) -> None:
    """The background thread of `serve` and `worker`: batches as they come due."""
    sender = Sender(ctx)
    try:
        _run(sender, stop)
    finally:
        if sender.client is not None:
            sender.client.close()


def _run(sender: Sender, stop: threading.Event) -> None:
    """Rounds until stopped, idling a second when nothing was due."""
    idle = 0
    while not stop.is_set():
        try:
            busy = sender.run_once() > 0
            idle = 0 if busy else idle + 1
            if idle and idle % SWEEP_EVERY == 1:
                sender.prune()
        except Exception:  # a database outage must not end the thread; the next try may work
            log.exception("webhooks: this round failed; trying again")
            busy = False
        if not busy:
            stop.wait(IDLE_S)
