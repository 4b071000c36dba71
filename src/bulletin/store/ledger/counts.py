"""Counting a campaign's ledger rows: by status, sent lately, and whether any are open."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from bulletin.domain.models import CampaignCounts, CampaignStatus, DeliveryStatus
from bulletin.store.tables import campaigns, deliveries


def campaign_counts(conn: Connection, campaign_id: int) -> CampaignCounts:
    rows = conn.execute(
        select(deliveries.c.status, func.count())
        .where(deliveries.c.campaign_id == campaign_id)
        .group_by(deliveries.c.status)
    )
    return CampaignCounts(**{status: count for status, count in rows})


def sent_since(conn: Connection, campaign_id: int, since: datetime) -> int:
    return conn.execute(
        select(func.count()).where(
            deliveries.c.campaign_id == campaign_id,
            deliveries.c.status == DeliveryStatus.SENT,
            deliveries.c.sent_at >= since,
        )
    ).scalar_one()


def next_retries(
    conn: Connection, campaign_id: int, *, look_at: int = 100
) -> list[tuple[datetime, str | None]]:
    """Of the next `look_at` queued rows in send order, those waiting to be tried again:
    each one's next try and the reply that put it back, soonest first.

    Bounded on purpose: polled every second while a send runs, it walks at most
    `look_at` entries of the queue index, whatever the campaign's size.
    """
    ahead = (
        select(deliveries.c.attempts, deliveries.c.send_after, deliveries.c.last_reply)
        .where(
            deliveries.c.campaign_id == campaign_id, deliveries.c.status == DeliveryStatus.QUEUED
        )
        .order_by(deliveries.c.send_after, deliveries.c.id)
        .limit(look_at)
        .subquery()
    )
    rows = conn.execute(
        select(ahead.c.send_after, ahead.c.last_reply)
        .where(ahead.c.attempts > 0)
        .order_by(ahead.c.send_after)
    )
    return [(row.send_after, row.last_reply) for row in rows]


def has_open_rows(conn: Connection, campaign_id: int) -> bool:
    """Anything still queued or being sent."""
    return (
        conn.execute(
            select(deliveries.c.id)
            .where(
                deliveries.c.campaign_id == campaign_id,
                deliveries.c.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]),
            )
            .limit(1)
        ).first()
        is not None
    )


def sent_by_campaign(conn: Connection, campaign_ids: Sequence[int]) -> dict[int, int]:
    """Rows accepted by a relay, per campaign (reads the (campaign, status, …) index)."""
    if not campaign_ids:
        return {}
    rows = conn.execute(
        select(deliveries.c.campaign_id, func.count())
        .where(
            deliveries.c.campaign_id.in_(list(campaign_ids)),
            deliveries.c.status == DeliveryStatus.SENT,
        )
        .group_by(deliveries.c.campaign_id)
    )
    return {int(campaign_id): int(count) for campaign_id, count in rows}


def sending_by_status(conn: Connection) -> list[tuple[int, str, str, int]]:
    """(campaign id, kind, delivery status, rows) for every campaign sending now."""
    rows = conn.execute(
        select(campaigns.c.id, campaigns.c.kind, deliveries.c.status, func.count())
        .select_from(campaigns.join(deliveries, deliveries.c.campaign_id == campaigns.c.id))
        .where(campaigns.c.status == CampaignStatus.SENDING)
        .group_by(campaigns.c.id, campaigns.c.kind, deliveries.c.status)
    )
    return [(int(cid), str(kind), str(status), int(count)) for cid, kind, status, count in rows]


def first_send_lag(conn: Connection, kind: str) -> tuple[int, float] | None:
    """For the newest started campaign of `kind`: its id, and how many seconds after its
    planned time the first planned reader's message went (read in index order)."""
    latest = conn.execute(
        select(campaigns.c.id)
        .where(campaigns.c.kind == kind, campaigns.c.started_at.is_not(None))
        .order_by(campaigns.c.started_at.desc())
        .limit(1)
    ).scalar()
    if latest is None:
        return None
    first = conn.execute(
        select(deliveries.c.send_after, deliveries.c.sent_at)
        .where(deliveries.c.campaign_id == latest, deliveries.c.status == DeliveryStatus.SENT)
        .order_by(deliveries.c.send_after)
        .limit(1)
    ).first()
    if first is None or first.sent_at is None:
        return None
    return int(latest), (first.sent_at - first.send_after).total_seconds()
