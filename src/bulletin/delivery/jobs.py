"""Claimed ledger rows made into jobs: each reader's values filled into the campaign's message."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime

from bulletin.delivery.composers import ComposerKey, Composers, composer_key
from bulletin.delivery.ledger import Ledger
from bulletin.delivery.outcomes import Job, JobKind, Outcome
from bulletin.domain.ledger import DueDelivery


def prepare(
    composers: Composers, ledger: Ledger, rows: Sequence[DueDelivery], now: datetime
) -> list[ComposerKey]:
    """Build the messages these rows need (once per campaign): each row's composer key."""
    keys = [composer_key(row, now) for row in rows]
    composers.prepare(ledger, set(keys), now)
    return keys


def fill(
    composers: Composers,
    rows: Sequence[DueDelivery],
    keys: Sequence[ComposerKey],
    jobs: list[Job],
) -> list[Outcome]:
    """Append a job per row still subscribed to `jobs`; the rest come back cancelled."""
    claimed_at = time.monotonic()
    built = composers.built
    cancelled: list[Outcome] = []
    delivery = JobKind.DELIVERY
    for row, key in zip(rows, keys, strict=True):
        composer = built[key]
        if not row.still_subscribed:
            cancelled.append(Outcome.cancelled(row.id, row.campaign_id))
            continue
        envelope = composer.envelope(key=row.id, subscriber_id=row.subscriber_id, email=row.email)
        deadline = row.expires_at or composer.campaign.expires_at
        jobs.append(Job(delivery, envelope, row.campaign_id, row.attempts, deadline, claimed_at))
    return cancelled
