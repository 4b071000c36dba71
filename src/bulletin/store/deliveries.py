"""The delivery ledger: fan-out, claiming due rows, and recording outcomes.

One row per (campaign, subscriber), unique on that pair, is the work queue and the
record of what was sent. A worker claims due rows by stamping them with its id and
a lease in one short transaction, sends outside any transaction, then records each
outcome. A lease that runs out (the worker died) makes the rows claimable again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, func, literal, or_, select, update

from bulletin.domain.models import (
    CampaignCounts,
    CampaignStatus,
    DeliveryStatus,
    SubscriptionStatus,
)
from bulletin.store.tables import campaigns, deliveries, subscribers, subscriptions, suppressions


@dataclass(frozen=True)
class DueDelivery:
    id: int
    campaign_id: int
    subscriber_id: int
    email: str
    attempts: int
    still_subscribed: bool


def fan_out(conn: Connection, *, campaign_id: int, list_id: int, send_after: datetime) -> int:
    """Queue the campaign for every confirmed, unsuppressed reader of the list.

    One INSERT … SELECT; rows already in the ledger are left as they are, so running
    it twice queues nobody twice. Returns the number of rows added.
    """
    suppressed = select(suppressions.c.id).where(suppressions.c.email == subscribers.c.email)
    already = select(deliveries.c.id).where(
        deliveries.c.campaign_id == campaign_id,
        deliveries.c.subscriber_id == subscriptions.c.subscriber_id,
    )
    readers = (
        select(
            literal(campaign_id),
            subscriptions.c.subscriber_id,
            literal(DeliveryStatus.QUEUED.value),
            literal(send_after, type_=deliveries.c.send_after.type),
            literal(0),
        )
        .join(subscribers, subscribers.c.id == subscriptions.c.subscriber_id)
        .where(
            subscriptions.c.list_id == list_id,
            subscriptions.c.status == SubscriptionStatus.CONFIRMED,
            ~suppressed.exists(),
            ~already.exists(),
        )
        .order_by(subscriptions.c.subscriber_id)
    )
    columns = ["campaign_id", "subscriber_id", "status", "send_after", "attempts"]
    insert = deliveries.insert().from_select(columns, readers)
    # SQLAlchemy only keeps an INSERT's row count when asked to.
    result = conn.execute(insert.execution_options(preserve_rowcount=True))
    return result.rowcount


def claim(
    conn: Connection, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[DueDelivery]:
    """Take up to `limit` due rows of running campaigns for this worker."""
    due = (
        select(deliveries.c.id)
        .join(campaigns, campaigns.c.id == deliveries.c.campaign_id)
        .where(
            deliveries.c.status == DeliveryStatus.QUEUED,
            deliveries.c.send_after <= now,
            or_(deliveries.c.lease_until.is_(None), deliveries.c.lease_until < now),
            campaigns.c.status == CampaignStatus.SENDING,
        )
        .order_by(deliveries.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=deliveries)
    )
    ids = list(conn.execute(due).scalars())
    if not ids:
        return []
    conn.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(ids))
        .values(lease_owner=owner, lease_until=now + lease)
    )
    rows = conn.execute(
        select(
            deliveries.c.id,
            deliveries.c.campaign_id,
            deliveries.c.subscriber_id,
            deliveries.c.attempts,
            subscribers.c.email,
            (subscriptions.c.status == SubscriptionStatus.CONFIRMED).label("still_subscribed"),
        )
        .join(subscribers, subscribers.c.id == deliveries.c.subscriber_id)
        .join(campaigns, campaigns.c.id == deliveries.c.campaign_id)
        .outerjoin(
            subscriptions,
            and_(
                subscriptions.c.subscriber_id == deliveries.c.subscriber_id,
                subscriptions.c.list_id == campaigns.c.list_id,
            ),
        )
        .where(deliveries.c.id.in_(ids))
        .order_by(deliveries.c.id)
    )
    return [
        DueDelivery(
            id=row.id,
            campaign_id=row.campaign_id,
            subscriber_id=row.subscriber_id,
            email=row.email,
            attempts=row.attempts,
            still_subscribed=bool(row.still_subscribed),
        )
        for row in rows
    ]


def mark_sent(conn: Connection, outcomes: Sequence[tuple[int, str]], *, now: datetime) -> None:
    """Record relay acceptances: (delivery id, the relay's reply)."""
    for delivery_id, reply in outcomes:
        conn.execute(
            _row(delivery_id).values(
                status=DeliveryStatus.SENT,
                sent_at=now,
                last_reply=reply,
                attempts=deliveries.c.attempts + 1,
                lease_owner=None,
                lease_until=None,
            )
        )


def mark_final(
    conn: Connection, outcomes: Sequence[tuple[int, str]], *, status: DeliveryStatus
) -> None:
    """Record rows that will never be sent (failed, cancelled, expired) with why."""
    for delivery_id, reply in outcomes:
        conn.execute(
            _row(delivery_id).values(
                status=status, last_reply=reply, lease_owner=None, lease_until=None
            )
        )


def mark_retry(conn: Connection, delivery_id: int, reply: str, *, retry_at: datetime) -> None:
    """A temporary failure: back in the queue, due again at `retry_at`."""
    conn.execute(
        _row(delivery_id).values(
            last_reply=reply,
            send_after=retry_at,
            attempts=deliveries.c.attempts + 1,
            lease_owner=None,
            lease_until=None,
        )
    )


def counts(conn: Connection, campaign_id: int) -> CampaignCounts:
    rows = conn.execute(
        select(deliveries.c.status, func.count())
        .where(deliveries.c.campaign_id == campaign_id)
        .group_by(deliveries.c.status)
    )
    return CampaignCounts(**{status: count for status, count in rows})


def _row(delivery_id: int):  # type: ignore[no-untyped-def]
    return update(deliveries).where(deliveries.c.id == delivery_id)
