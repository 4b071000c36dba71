"""What became of each message, and what that means for the ledger, written a group at a time."""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from bulletin.config import Settings
from bulletin.delivery.ledger import Ledger
from bulletin.domain.ledger import LedgerWrites
from bulletin.mail.transports.seam import Envelope

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
            "not sent: unsubscribed or suppressed before sending",
        )


class OutcomeRecorder:
    """Sorts outcomes by what they mean for the ledger, and writes each group at once."""

    def __init__(self, ledger: Ledger, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.ledger = ledger
        self.settings = settings
        self.clock = clock
        self._recent: dict[int, deque[bool]] = {}

    def record(self, batch: Sequence[Outcome]) -> None:
        writes = LedgerWrites(now=self.clock())
        for outcome in batch:
            if outcome.kind is JobKind.DELIVERY:
                self._sort(outcome, writes)
            else:
                self._sort_confirmation(outcome, writes)
        writes.pause = self._pauses(batch)
        for campaign_id in self.ledger.record(writes):
            log.warning(
                "campaign %s %s",
                campaign_id,
                writes.pause[campaign_id],
                extra={"campaign_id": campaign_id},
            )

    def release(self, jobs: Sequence[Job]) -> None:
        """Claimed but never handed to a relay: back to the queue as they were."""
        self.ledger.release(
            deliveries=[j.envelope.key for j in jobs if j.kind is JobKind.DELIVERY],
            confirmations=[j.envelope.key for j in jobs if j.kind is JobKind.CONFIRMATION],
        )

    def _sort(self, outcome: Outcome, writes: LedgerWrites) -> None:
        key, reply = outcome.key, outcome.reply
        if outcome.code == CANCELLED:
            writes.cancelled.append((key, reply))
        elif outcome.code < 300:
            writes.sent.append((key, reply))
        elif outcome.code >= 500:
            writes.failed.append((key, reply))
        else:
            retry_at = writes.now + self._backoff(outcome.attempts)
            if outcome.deadline is not None and retry_at >= outcome.deadline:
                writes.expired.append((key, f"{reply} (expired before it could be retried)"))
            elif outcome.attempts + 1 >= self.settings.max_attempts:
                writes.failed.append((key, f"{reply} (gave up after {outcome.attempts + 1} tries)"))
            else:
                writes.retry.append((key, reply, retry_at))

    def _sort_confirmation(self, outcome: Outcome, writes: LedgerWrites) -> None:
        key, reply = outcome.key, outcome.reply
        if outcome.code < 300:
            writes.confirmations_sent.append((key, reply))
        elif outcome.code >= 500 or outcome.attempts + 1 >= self.settings.max_attempts:
            writes.confirmations_failed.append((key, reply))
        else:
            writes.confirmations_retry.append(
                (key, reply, writes.now + self._backoff(outcome.attempts))
            )

    def _backoff(self, attempts: int) -> timedelta:
        return backoff(attempts, base_s=self.settings.retry_base_s)

    def _pauses(self, batch: Sequence[Outcome]) -> dict[int, str]:
        """The campaigns whose relay refusals pass the configured rate: they pause themselves."""
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
        pauses = {}
        for campaign_id in touched:
            window = self._recent[campaign_id]
            rate = sum(window) / len(window)
            if len(window) == AUTO_PAUSE_SAMPLE and rate >= self.settings.pause_error_rate:
                pauses[campaign_id] = (
                    f"paused automatically: {rate:.0%} of the last {len(window)} messages"
                    " were refused"
                )
                window.clear()
        return pauses
