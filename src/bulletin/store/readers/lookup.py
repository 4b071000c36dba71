"""Queries for the desk's view of readers: one reader's record, keyset export (the list is
`listing`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, select

from bulletin.domain.models import Subscriber, SubscriptionStatus
from bulletin.store.tables import (
    campaigns,
    deliveries,
    lists,
    subscriber_topics,
    subscribers,
    subscriptions,
)


@dataclass(frozen=True)
class SubscriptionRow:
    list_slug: str
    list_name: str
    status: SubscriptionStatus
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None


@dataclass(frozen=True)
class SendRow:
    campaign_id: int
    subject: str
    status: str
    attempts: int
    sent_at: datetime | None
    last_reply: str | None


def _to_subscriber(row: Row) -> Subscriber:
    return Subscriber(
        id=row.id,
        email=row.email,
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
        time_zone=row.time_zone,
        briefing_time=row.briefing_time,
    )


def subscriptions_of(conn: Connection, subscriber_id: int) -> list[SubscriptionRow]:
    rows = conn.execute(
        select(subscriptions, lists.c.slug, lists.c.name)
        .join(lists, lists.c.id == subscriptions.c.list_id)
        .where(subscriptions.c.subscriber_id == subscriber_id)
        .order_by(lists.c.id)
    )
    return [
        SubscriptionRow(
            list_slug=row.slug,
            list_name=row.name,
            status=SubscriptionStatus(row.status),
            created_at=row.created_at,
            confirmed_at=row.confirmed_at,
            unsubscribed_at=row.unsubscribed_at,
        )
        for row in rows
    ]


def send_history(conn: Connection, subscriber_id: int, *, limit: int = 100) -> list[SendRow]:
    """What the ledger says was sent (or not) to this reader, newest first."""
    rows = conn.execute(
        select(
            deliveries.c.campaign_id,
            deliveries.c.status,
            deliveries.c.attempts,
            deliveries.c.sent_at,
            deliveries.c.last_reply,
            campaigns.c.subject,
        )
        .join(campaigns, campaigns.c.id == deliveries.c.campaign_id)
        .where(deliveries.c.subscriber_id == subscriber_id)
        .order_by(deliveries.c.id.desc())
        .limit(limit)
    )
    return [
        SendRow(
            campaign_id=row.campaign_id,
            subject=row.subject,
            status=row.status,
            attempts=row.attempts,
            sent_at=row.sent_at,
            last_reply=row.last_reply,
        )
        for row in rows
    ]


def export_batch(conn: Connection, *, after_id: int, limit: int) -> list[Row]:
    """Up to `limit` readers with id > after_id, in id order (keyset: memory stays flat)."""
    return list(
        conn.execute(
            select(subscribers)
            .where(subscribers.c.id > after_id)
            .order_by(subscribers.c.id)
            .limit(limit)
        )
    )


def subscriber_batch(conn: Connection, *, after_id: int, limit: int) -> list[Subscriber]:
    return [_to_subscriber(row) for row in export_batch(conn, after_id=after_id, limit=limit)]


def statuses_for(conn: Connection, subscriber_ids: list[int]) -> dict[int, dict[str, str]]:
    """{subscriber id: {list slug: status}} for a batch of readers."""
    rows = conn.execute(
        select(subscriptions.c.subscriber_id, subscriptions.c.status, lists.c.slug)
        .join(lists, lists.c.id == subscriptions.c.list_id)
        .where(subscriptions.c.subscriber_id.in_(subscriber_ids))
    )
    found: dict[int, dict[str, str]] = {}
    for row in rows:
        found.setdefault(row.subscriber_id, {})[row.slug] = row.status
    return found


def topics_for(conn: Connection, subscriber_ids: list[int]) -> dict[int, list[str]]:
    rows = conn.execute(
        select(subscriber_topics.c.subscriber_id, subscriber_topics.c.topic)
        .where(subscriber_topics.c.subscriber_id.in_(subscriber_ids))
        .order_by(subscriber_topics.c.topic)
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row.subscriber_id, []).append(row.topic)
    return found
