"""Counting a campaign's ledger rows: by status, sent lately, and whether any are open."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from bulletin.domain.models import CampaignCounts, DeliveryStatus
from bulletin.store.tables import deliveries


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
