"""Claiming queued confirmation requests and building them (few, so the full builder)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bulletin.config import Settings
from bulletin.delivery.outcomes import Job, JobKind
from bulletin.domain.models import SubscriptionStatus
from bulletin.mail.compose import Links, confirmation_envelope
from bulletin.mail.tokens import Tokens
from bulletin.store import lists as list_store
from bulletin.store import outbox
from bulletin.store import subscribers as subscriber_store
from bulletin.store.db import Database


class ConfirmationJobs:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        links: Links,
        tokens: Tokens,
        clock: Callable[[], datetime],
    ) -> None:
        self.db, self.settings, self.links, self.tokens, self.clock = (
            db,
            settings,
            links,
            tokens,
            clock,
        )

    def claim(self, owner: str, *, now: datetime, lease: timedelta, limit: int) -> list[Job]:
        with self.db.transaction() as conn:
            items = outbox.claim(conn, owner=owner, now=now, lease=lease, limit=limit)
            names = {item.id: _pending_list_names(conn, item.subscriber_id) for item in items}
        claimed_at = time.monotonic()
        return [
            Job(
                JobKind.CONFIRMATION,
                confirmation_envelope(
                    key=item.id,
                    subscriber_id=item.subscriber_id,
                    email=item.email,
                    list_names=names[item.id] or ["our newsletters"],
                    links=self.links,
                    tokens=self.tokens,
                    valid_hours=self.settings.confirm_max_age_s // 3600,
                    now=now,
                ),
                None,
                item.attempts,
                None,
                claimed_at,
            )
            for item in items
        ]


def _pending_list_names(conn, subscriber_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    pending = {
        list_id
        for list_id, status in subscriber_store.statuses(conn, subscriber_id).items()
        if status is SubscriptionStatus.PENDING
    }
    return [ml.name for ml in list_store.all_lists(conn) if ml.id in pending]
