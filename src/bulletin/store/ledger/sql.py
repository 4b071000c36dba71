"""The engine's ledger (`delivery.ledger.Ledger`) on SQLite or PostgreSQL.

Each call is one short transaction; none is ever open while a relay is talked to.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bulletin.domain.ledger import CampaignInputs, Claimed, DueConfirmation, LedgerWrites
from bulletin.domain.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    DeliveryStatus,
    SubscriptionStatus,
)
from bulletin.store import campaigns, clicks, outbox, subject_tests
from bulletin.store import lists as list_store
from bulletin.store import special_reports as report_store
from bulletin.store.briefing import editions
from bulletin.store.db import Database
from bulletin.store.ledger import claims, outcomes
from bulletin.store.readers import subscribers as subscriber_store


class SqlLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, *, owner: str, now: datetime, lease: timedelta, limit: int) -> Claimed:
        with self.db.transaction() as conn:
            sending = campaigns.sendable_ids(conn, now=now)
            rows = claims.claim(
                conn, owner=owner, now=now, lease=lease, limit=limit, campaign_ids=sending
            )
        return Claimed(sending, rows)

    def claim_confirmations(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> list[DueConfirmation]:
        with self.db.transaction() as conn:
            items = outbox.claim(conn, owner=owner, now=now, lease=lease, limit=limit)
            return [
                DueConfirmation(
                    item.id,
                    item.subscriber_id,
                    item.email,
                    item.attempts,
                    _pending_list_names(conn, item.subscriber_id),
                )
                for item in items
            ]

    def compose_inputs(self, campaign_ids: set[int]) -> dict[int, CampaignInputs]:
        with self.db.reading() as conn:
            found = campaigns.get_many(conn, campaign_ids)
            return {campaign_id: _inputs(conn, c) for campaign_id, c in found.items()}

    def record(self, writes: LedgerWrites) -> list[int]:
        with self.db.transaction() as conn:
            outcomes.mark_sent(conn, writes.sent, now=writes.now)
            outcomes.mark_final(conn, writes.failed, status=DeliveryStatus.FAILED)
            outcomes.mark_final(conn, writes.expired, status=DeliveryStatus.EXPIRED)
            outcomes.mark_final(conn, writes.cancelled, status=DeliveryStatus.CANCELLED)
            outcomes.mark_retry(conn, writes.retry)
            for key, reply in writes.confirmations_sent:
                outbox.mark_sent(conn, key, reply, now=writes.now)
            for key, reply in writes.confirmations_failed:
                outbox.mark_failed(conn, key, reply)
            for key, reply, at in writes.confirmations_retry:
                outbox.mark_retry(conn, key, reply, retry_at=at)
            return [
                campaign_id
                for campaign_id, reason in writes.pause.items()
                if campaigns.change_status(
                    conn,
                    campaign_id,
                    to=CampaignStatus.PAUSED,
                    allowed_from=[CampaignStatus.SENDING],
                    reason=reason,
                )
            ]

    def release(self, *, deliveries: Sequence[int], confirmations: Sequence[int]) -> None:
        with self.db.transaction() as conn:
            claims.release(conn, deliveries)
            outbox.release(conn, list(confirmations))

    def renew(self, *, worker: str, now: datetime, until: datetime) -> int:
        with self.db.transaction() as conn:
            renewed = claims.renew(conn, worker=worker, now=now, until=until)
            return renewed + outbox.renew(conn, worker=worker, now=now, until=until)

    def link_positions(self, campaign_id: int, urls: Sequence[str]) -> dict[str, int]:
        with self.db.transaction() as conn:
            return clicks.link_positions(conn, campaign_id, urls)

    def subject_winner(self, campaign_id: int, now: datetime) -> int:
        with self.db.transaction() as conn:
            return subject_tests.decide(conn, campaign_id, now=now)


def _inputs(conn: Connection, campaign: Campaign) -> CampaignInputs:
    report = (
        report_store.by_campaign(conn, campaign.id)
        if campaign.kind is CampaignKind.SPECIAL
        else None
    )
    edition = (
        editions.by_campaign(conn, campaign.id) if campaign.kind is CampaignKind.BRIEFING else None
    )
    return CampaignInputs(
        campaign=campaign,
        subjects=subject_tests.subjects_of(conn, [campaign.id]).get(campaign.id, ()),
        mailing_list=list_store.by_id(conn, campaign.list_id),
        thread=tuple(campaigns.thread_of(conn, campaign)),
        edition=edition,
        report=report.content if report else None,
    )


def _pending_list_names(conn: Connection, subscriber_id: int) -> tuple[str, ...]:
    pending = {
        list_id
        for list_id, status in subscriber_store.statuses(conn, subscriber_id).items()
        if status is SubscriptionStatus.PENDING
    }
    return tuple(ml.name for ml in list_store.all_lists(conn) if ml.id in pending)
