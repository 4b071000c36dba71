"""The sending worker: claim due work, send it outside any transaction, record outcomes.

One round takes a batch of queued confirmation requests (readers are waiting on
those) and a batch of due campaign deliveries. Each batch is claimed in a short
transaction with a lease, sent, and its outcomes recorded in another short
transaction. If the worker dies between the two, the lease runs out and another
round takes the rows again; the only possible duplicates are messages the relay had
accepted before the worker died, at most one batch.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bulletin.config import Settings
from bulletin.delivery.compose import CampaignMessages, Links, confirmation_envelope
from bulletin.domain.models import DeliveryStatus, SubscriptionStatus
from bulletin.mail.tokens import Tokens
from bulletin.mail.transports import Envelope, SendResult, Transport
from bulletin.store import campaigns, deliveries, outbox
from bulletin.store import lists as list_store
from bulletin.store import subscribers as subscriber_store
from bulletin.store.db import Database
from bulletin.store.types import utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


def backoff(attempts: int, *, rng: random.Random = random.Random()) -> timedelta:
    """Exponential back-off with jitter: ~30 s, 1 min, 2 min … capped at one hour."""
    base = min(30 * 2**attempts, 3600)
    return timedelta(seconds=base * rng.uniform(0.8, 1.2))


class Worker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        transport: Transport,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        self.transport = transport
        self.clock = clock
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:64]
        self.links = Links.from_settings(settings)
        self.tokens = Tokens(settings.secret_key, clock=clock)

    def run_once(self) -> int:
        """One round of confirmations and deliveries; returns how many were handled."""
        handled = self._confirmations()
        handled += self._deliveries()
        return handled

    def run_until_idle(self, *, max_rounds: int = 10_000) -> int:
        """Rounds until nothing is due (for tests and one-shot CLI sends)."""
        total = 0
        for _ in range(max_rounds):
            handled = self.run_once()
            total += handled
            if handled == 0:
                break
        return total

    def run_forever(self, stop: threading.Event) -> None:
        log.info("worker %s started", self.owner)
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:  # the loop must outlive a bad round; the rows stay leased
                log.exception("worker round failed")
                handled = 0
            if handled == 0:
                stop.wait(self.settings.worker_idle_s)
        self.transport.close()
        log.info("worker %s stopped", self.owner)

    def _confirmations(self) -> int:
        now = self.clock()
        with self.db.transaction() as conn:
            items = outbox.claim(
                conn, owner=self.owner, now=now, lease=LEASE, limit=self.settings.worker_batch
            )
            names = {item.id: _pending_list_names(conn, item.subscriber_id) for item in items}
        if not items:
            return 0
        envelopes = [
            confirmation_envelope(
                key=item.id,
                subscriber_id=item.subscriber_id,
                email=item.email,
                list_names=names[item.id] or ["our newsletters"],
                links=self.links,
                tokens=self.tokens,
                valid_hours=self.settings.confirm_max_age_s // 3600,
                now=now,
            )
            for item in items
        ]
        result = self.transport.send_batch(envelopes)
        attempts = {item.id: item.attempts for item in items}
        with self.db.transaction() as conn:
            done = self.clock()
            for key, reply in result.sent:
                outbox.mark_sent(conn, key, reply, now=done)
            for key, reply in result.permanent:
                outbox.mark_failed(conn, key, reply)
            for key, reply in result.temporary:
                if attempts[key] + 1 >= self.settings.max_attempts:
                    outbox.mark_failed(conn, key, reply)
                else:
                    outbox.mark_retry(conn, key, reply, retry_at=done + backoff(attempts[key]))
        return len(items)

    def _deliveries(self) -> int:
        now = self.clock()
        with self.db.transaction() as conn:
            due = deliveries.claim(
                conn, owner=self.owner, now=now, lease=LEASE, limit=self.settings.worker_batch
            )
            if not due:
                campaigns.complete_finished(conn, now=now)
                return 0
            composers = self._composers(conn, {row.campaign_id for row in due})
        left = [
            (row.id, "not sent: unsubscribed before sending")
            for row in due
            if not row.still_subscribed
        ]
        envelopes: list[Envelope] = [
            composers[row.campaign_id].envelope(
                key=row.id, subscriber_id=row.subscriber_id, email=row.email, now=now
            )
            for row in due
            if row.still_subscribed
        ]
        result = self.transport.send_batch(envelopes) if envelopes else SendResult()
        self._record(result, left, {row.id: row.attempts for row in due})
        return len(due)

    def _composers(self, conn, campaign_ids: set[int]) -> dict[int, CampaignMessages]:  # type: ignore[no-untyped-def]
        found = campaigns.get_many(conn, campaign_ids)
        return {
            cid: CampaignMessages(
                campaign,
                list_store.by_id(conn, campaign.list_id),
                links=self.links,
                tokens=self.tokens,
            )
            for cid, campaign in found.items()
        }

    def _record(
        self, result: SendResult, left: list[tuple[int, str]], attempts: dict[int, int]
    ) -> None:
        with self.db.transaction() as conn:
            now = self.clock()
            deliveries.mark_sent(conn, result.sent, now=now)
            deliveries.mark_final(conn, result.permanent, status=DeliveryStatus.FAILED)
            deliveries.mark_final(conn, left, status=DeliveryStatus.CANCELLED)
            for key, reply in result.temporary:
                if attempts[key] + 1 >= self.settings.max_attempts:
                    deliveries.mark_final(conn, [(key, reply)], status=DeliveryStatus.FAILED)
                else:
                    deliveries.mark_retry(conn, key, reply, retry_at=now + backoff(attempts[key]))
            campaigns.complete_finished(conn, now=now)
        if result.permanent:
            log.info("%d deliveries refused permanently", len(result.permanent))


def _pending_list_names(conn, subscriber_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    pending = [
        list_id
        for list_id, status in subscriber_store.statuses(conn, subscriber_id).items()
        if status is SubscriptionStatus.PENDING
    ]
    return [ml.name for ml in list_store.all_lists(conn) if ml.id in pending]
