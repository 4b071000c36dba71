"""The engine's ledger kept in memory: the same contract as the database's, for fast tests.

It follows `delivery.ledger.Ledger` exactly (leases, due order, campaigns that pause
themselves), so a test of the engine's rules — retries, deadlines, refusals, relays
that cannot be reached, shutdown — runs in milliseconds with no database. Safe to call
from several threads at once, as the engine does.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bulletin.domain.ledger import (
    CampaignInputs,
    Claimed,
    DueConfirmation,
    DueDelivery,
    LedgerWrites,
)
from bulletin.domain.models import CampaignStatus, DeliveryStatus


@dataclass
class Row:
    """One ledger row, as the database keeps it."""

    id: int
    campaign_id: int
    subscriber_id: int
    email: str
    send_after: datetime
    status: DeliveryStatus = DeliveryStatus.QUEUED
    attempts: int = 0
    last_reply: str | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    expires_at: datetime | None = None
    segment: int | None = None
    variant: int | None = None  # a subject test's subject for this reader
    subscribed: bool = True  # the reader still on the campaign's list
    confirmation: bool = False  # an outbox item (a confirmation request), not a ledger row
    list_names: tuple[str, ...] = ()


class MemoryLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.campaigns: dict[int, CampaignInputs] = {}
        self.rows: dict[int, Row] = {}
        self.links: dict[int, list[str]] = {}
        # A subject test's winner per campaign, as a test sets it (else the first, 0).
        self.winners: dict[int, int] = {}
        self.decided: list[int] = []  # campaigns whose winner the engine asked for

    # Filling it (tests) ------------------------------------------------------------------

    def add_campaign(self, inputs: CampaignInputs) -> None:
        with self._lock:
            self.campaigns[inputs.campaign.id] = inputs

    def queue(
        self,
        campaign_id: int,
        subscriber_id: int,
        email: str,
        *,
        send_after: datetime,
        expires_at: datetime | None = None,
        subscribed: bool = True,
        variant: int | None = None,
    ) -> Row:
        """A queued row of this campaign for this reader."""
        row = Row(0, campaign_id, subscriber_id, email, send_after)
        row.expires_at, row.subscribed, row.variant = expires_at, subscribed, variant
        return self._add(row)

    def queue_confirmation(
        self, subscriber_id: int, email: str, *, send_after: datetime, lists: tuple[str, ...]
    ) -> Row:
        """A queued confirmation request for this reader, asking about these lists."""
        row = Row(0, 0, subscriber_id, email, send_after, confirmation=True, list_names=lists)
        return self._add(row)

    def _add(self, row: Row) -> Row:
        with self._lock:
            row.id = next(self._ids)
            self.rows[row.id] = row
            return row

    def status_counts(self, campaign_id: int) -> dict[str, int]:
        with self._lock:
            found = Counter(
                str(r.status)
                for r in self.rows.values()
                if r.campaign_id == campaign_id and not r.confirmation
            )
        return dict(found)

    # The Ledger -----------------------------------------------------------------------

    def claim(self, *, owner: str, now: datetime, lease: timedelta, limit: int) -> Claimed:
        with self._lock:
            sending = sorted(
                campaign_id
                for campaign_id, inputs in self.campaigns.items()
                if inputs.campaign.status is CampaignStatus.SENDING
                and (inputs.campaign.expires_at is None or inputs.campaign.expires_at > now)
            )
            due = sorted(
                self._due(now, confirmation=False, campaigns=set(sending)),
                key=lambda r: (r.campaign_id, r.send_after, r.id),
            )[:limit]
            for row in due:
                row.status, row.lease_owner, row.lease_until = (
                    DeliveryStatus.SENDING,
                    owner,
                    now + lease,
                )
            return Claimed(sending, [_due_delivery(row) for row in due])

    def claim_confirmations(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> list[DueConfirmation]:
        with self._lock:
            due = sorted(self._due(now, confirmation=True), key=lambda r: r.id)[:limit]
            for row in due:
                row.status, row.lease_owner, row.lease_until = (
                    DeliveryStatus.SENDING,
                    owner,
                    now + lease,
                )
            return [
                DueConfirmation(r.id, r.subscriber_id, r.email, r.attempts, r.list_names)
                for r in due
            ]

    def compose_inputs(self, campaign_ids: set[int]) -> dict[int, CampaignInputs]:
        with self._lock:
            return {i: self.campaigns[i] for i in campaign_ids if i in self.campaigns}

    def record(self, writes: LedgerWrites) -> list[int]:
        with self._lock:
            for key, reply in writes.sent + writes.confirmations_sent:
                self._close(key, DeliveryStatus.SENT, reply, tried=True)
            for key, reply in writes.failed + writes.confirmations_failed:
                self._close(key, DeliveryStatus.FAILED, reply, tried=True)
            for key, reply in writes.expired:
                self._close(key, DeliveryStatus.EXPIRED, reply, tried=False)
            for key, reply in writes.cancelled:
                self._close(key, DeliveryStatus.CANCELLED, reply, tried=False)
            for key, reply, at in writes.retry + writes.confirmations_retry:
                self._close(key, DeliveryStatus.QUEUED, reply, tried=True)
                self.rows[key].send_after = at
            return [
                campaign_id
                for campaign_id, why in writes.pause.items()
                if self._pause(campaign_id, why)
            ]

    def release(self, *, deliveries: Sequence[int], confirmations: Sequence[int]) -> None:
        with self._lock:
            for key in [*deliveries, *confirmations]:
                row = self.rows[key]
                if row.status is DeliveryStatus.SENDING:
                    row.status, row.lease_owner, row.lease_until = DeliveryStatus.QUEUED, None, None

    def renew(self, *, worker: str, now: datetime, until: datetime) -> int:
        with self._lock:
            held = [
                row
                for row in self.rows.values()
                if row.status is DeliveryStatus.SENDING
                and row.lease_until is not None
                and (row.lease_owner or "").startswith(f"{worker}#")
            ]
            for row in held:
                row.lease_until = until
            return len(held)

    def link_positions(self, campaign_id: int, urls: Sequence[str]) -> dict[str, int]:
        with self._lock:
            known = self.links.setdefault(campaign_id, [])
            for url in urls:
                if url not in known:
                    known.append(url)
            return {url: known.index(url) for url in urls}

    def subject_winner(self, campaign_id: int, now: datetime) -> int:
        with self._lock:
            self.decided.append(campaign_id)
            return self.winners.setdefault(campaign_id, 0)

    # Inside ---------------------------------------------------------------------------

    def _due(
        self, now: datetime, *, confirmation: bool, campaigns: set[int] | None = None
    ) -> list[Row]:
        return [
            r
            for r in self.rows.values()
            if r.confirmation is confirmation
            and (campaigns is None or r.campaign_id in campaigns)
            and r.status is DeliveryStatus.QUEUED
            and r.send_after <= now
            and (r.expires_at is None or r.expires_at > now)
        ]

    def _close(self, key: int, status: DeliveryStatus, reply: str, *, tried: bool) -> None:
        row = self.rows[key]
        row.status, row.last_reply = status, reply
        row.attempts += 1 if tried else 0
        row.lease_owner = row.lease_until = None

    def _pause(self, campaign_id: int, reason: str) -> bool:
        inputs = self.campaigns[campaign_id]
        if inputs.campaign.status is not CampaignStatus.SENDING:
            return False
        paused = replace(inputs.campaign, status=CampaignStatus.PAUSED, status_reason=reason)
        self.campaigns[campaign_id] = replace(inputs, campaign=paused)
        return True


def _due_delivery(row: Row) -> DueDelivery:
    return DueDelivery(
        row.id,
        row.campaign_id,
        row.subscriber_id,
        row.email,
        row.attempts,
        row.subscribed,
        row.expires_at,
        row.segment,
        row.variant,
    )
