"""Claiming queued confirmation requests and building them (few, so the full builder)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from bulletin.delivery.ledger import Ledger
from bulletin.delivery.outcomes import Job, JobKind
from bulletin.mail.compose import Links
from bulletin.mail.confirmation import confirmation_envelope
from bulletin.mail.tokens import Tokens


class ConfirmationJobs:
    def __init__(self, ledger: Ledger, links: Links, tokens: Tokens, *, valid_hours: int) -> None:
        self.ledger = ledger
        self.links = links
        self.tokens = tokens
        self.valid_hours = valid_hours

    def claim(self, owner: str, *, now: datetime, lease: timedelta, limit: int) -> list[Job]:
        items = self.ledger.claim_confirmations(owner=owner, now=now, lease=lease, limit=limit)
        claimed_at = time.monotonic()
        return [
            Job(
                JobKind.CONFIRMATION,
                confirmation_envelope(
                    key=item.id,
                    subscriber_id=item.subscriber_id,
                    email=item.email,
                    list_names=list(item.list_names) or ["our newsletters"],
                    links=self.links,
                    tokens=self.tokens,
                    valid_hours=self.valid_hours,
                    now=now,
                ),
                None,
                item.attempts,
                None,
                claimed_at,
            )
            for item in items
        ]
