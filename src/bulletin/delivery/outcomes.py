"""What became of each message, and writing it to the ledger in one transaction per group."""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from bulletin.config import Settings
from bulletin.domain.models import CampaignStatus, DeliveryStatus
from bulletin.mail.transports.seam import Envelope
from bulletin.store import campaigns, deliveries, outbox
from bulletin.store.db import Database

log = logging.getLogger(__name__)

AUTO_PAUSE_SAMPLE = 100


def backoff(attempts: int, *, base_s: float, rng: random.Random = random.Random()) -> timedelta:
    """Exponential back-off with jitter: base, twice that, four times … capped at an hour."""
    return timedelta(seconds=min(base_s * 2**attempts, 3600) * rng.uniform(0.8, 1.2))


class JobKind(StrEnum):
    DELIVERY = "delivery"  # a ledger row: one reader's copy of a campaign
    CONFIRMATION = "confirmation"  # an outbox item: a sign-up's confirmation request


# The code of an outcome that never went to a relay: the reader left the list between
# the fan-out and the claim, so the row is closed as cancelled.
CANCELLED = 0


class Job(NamedTuple):
    """A claimed message on its way to a relay.

    Job and Outcome are named tuples, made once per message: a frozen dataclass costs
    four times as much to make (about 1 µs a message here, each)."""

    kind: JobKind
    envelope: Envelope
    campaign_id: int | None
    attempts: int
    deadline: datetime | None
    claimed_at: float


class Outcome(NamedTuple):
    kind: JobKind
    key: int
    campaign_id: int | None
    attempts: int
    deadline: datetime | None
    code: int  # the relay's reply code, or CANCELLED
    reply: str

    @classmethod
    def of(cls, job: Job, code: int, reply: str) -> Outcome:
        return cls(
            job.kind, job.envelope.key, job.campaign_id, job.attempts, job.deadline, code, reply
        )

    @classmethod
    def cancelled(cls, key: int, campaign_id: int) -> Outcome:
        return cls(
            JobKind.DELIVERY,
            key,
            campaign_id,
            0,
            None,
            CANCELLED,
            "not sent: unsubscribed before sending",
        )


@dataclass
class _Groups:
    sent: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    expired: list[tuple[int, str]] = field(default_factory=list)
    cancelled: list[tuple[int, str]] = field(default_factory=list)
    retry: list[tuple[int, str, datetime]] = field(default_factory=list)


class OutcomeRecorder:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self._recent: dict[int, deque[bool]] = {}

    def record(self, batch: Sequence[Outcome]) -> None:
        now = self.clock()
        groups = _Groups()
        for outcome in batch:
            if outcome.kind is JobKind.DELIVERY:
                self._sort(outcome, groups, now)
        with self.db.transaction() as conn:
            deliveries.mark_sent(conn, groups.sent, now=now)
            deliveries.mark_final(conn, groups.failed, status=DeliveryStatus.FAILED)
            deliveries.mark_final(conn, groups.expired, status=DeliveryStatus.EXPIRED)
            deliveries.mark_final(conn, groups.cancelled, status=DeliveryStatus.CANCELLED)
            deliveries.mark_retry(conn, groups.retry)
            for outcome in batch:
                if outcome.kind is JobKind.CONFIRMATION:
                    self._record_outbox(conn, outcome, now)
            self._pause_failing(conn, batch)

    def release(self, jobs: Sequence[Job]) -> None:
        """Claimed but never handed to a relay: back to the queue as they were."""
        with self.db.transaction() as conn:
            deliveries.release(conn, [j.envelope.key for j in jobs if j.kind is JobKind.DELIVERY])
            outbox.release(conn, [j.envelope.key for j in jobs if j.kind is JobKind.CONFIRMATION])

    def _sort(self, outcome: Outcome, groups: _Groups, now: datetime) -> None:
        key, reply = outcome.key, outcome.reply
        if outcome.code == CANCELLED:
            groups.cancelled.append((key, reply))
        elif outcome.code < 300:
            groups.sent.append((key, reply))
        elif outcome.code >= 500:
            groups.failed.append((key, reply))
        else:
            retry_at = now + self._backoff(outcome.attempts)
            if outcome.deadline is not None and retry_at >= outcome.deadline:
                groups.expired.append((key, f"{reply} (expired before it could be retried)"))
            elif outcome.attempts + 1 >= self.settings.max_attempts:
                groups.failed.append((key, f"{reply} (gave up after {outcome.attempts + 1} tries)"))
            else:
                groups.retry.append((key, reply, retry_at))

    def _backoff(self, attempts: int) -> timedelta:
        return backoff(attempts, base_s=self.settings.retry_base_s)

    def _record_outbox(self, conn, outcome: Outcome, now: datetime) -> None:  # type: ignore[no-untyped-def]
        if outcome.code < 300:
            outbox.mark_sent(conn, outcome.key, outcome.reply, now=now)
        elif outcome.code >= 500 or outcome.attempts + 1 >= self.settings.max_attempts:
            outbox.mark_failed(conn, outcome.key, outcome.reply)
        else:
            outbox.mark_retry(
                conn, outcome.key, outcome.reply, retry_at=now + self._backoff(outcome.attempts)
            )

    def _pause_failing(self, conn, batch: Sequence[Outcome]) -> None:  # type: ignore[no-untyped-def]
        """A campaign whose relay refusals pass the configured rate pauses itself."""
        touched: set[int] = set()
        for outcome in batch:
            if (
                outcome.kind is not JobKind.DELIVERY
                or outcome.campaign_id is None
                or outcome.code == CANCELLED
            ):
                continue
            window = self._recent.setdefault(outcome.campaign_id, deque(maxlen=AUTO_PAUSE_SAMPLE))
            window.append(outcome.code >= 500)
            touched.add(outcome.campaign_id)
        for campaign_id in touched:
            window = self._recent[campaign_id]
            rate = sum(window) / len(window)
            if len(window) == AUTO_PAUSE_SAMPLE and rate >= self.settings.pause_error_rate:
                reason = (
                    f"paused automatically: {rate:.0%} of the last {len(window)} messages"
                    " were refused"
                )
                if campaigns.change_status(
                    conn,
                    campaign_id,
                    to=CampaignStatus.PAUSED,
                    allowed_from=[CampaignStatus.SENDING],
                    reason=reason,
                ):
                    log.warning("campaign %s %s", campaign_id, reason)
                window.clear()
