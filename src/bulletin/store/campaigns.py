"""Queries over campaigns: alerts, special reports and briefing editions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Row, and_, exists, select, update

from bulletin.domain.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    DeliveryStatus,
)
from bulletin.store.tables import campaigns, deliveries


def _to_campaign(row: Row) -> Campaign:
    return Campaign(
        id=row.id,
        kind=CampaignKind(row.kind),
        list_id=row.list_id,
        status=CampaignStatus(row.status),
        subject=row.subject,
        headline=row.headline,
        summary=row.summary,
        url=row.url,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def insert(
    conn: Connection,
    *,
    kind: CampaignKind,
    list_id: int,
    subject: str,
    headline: str,
    summary: str,
    url: str,
    created_by: int | None,
    now: datetime,
    expires_at: datetime | None = None,
) -> int:
    result = conn.execute(
        campaigns.insert()
        .returning(campaigns.c.id)
        .values(
            kind=kind,
            list_id=list_id,
            status=CampaignStatus.DRAFT,
            subject=subject,
            headline=headline,
            summary=summary,
            url=url,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return int(result.scalar_one())


def get(conn: Connection, campaign_id: int) -> Campaign | None:
    row = conn.execute(select(campaigns).where(campaigns.c.id == campaign_id)).one_or_none()
    return _to_campaign(row) if row else None


def get_many(conn: Connection, campaign_ids: set[int]) -> dict[int, Campaign]:
    rows = conn.execute(select(campaigns).where(campaigns.c.id.in_(campaign_ids)))
    return {row.id: _to_campaign(row) for row in rows}


def recent(conn: Connection, limit: int = 20) -> list[Campaign]:
    rows = conn.execute(select(campaigns).order_by(campaigns.c.id.desc()).limit(limit))
    return [_to_campaign(row) for row in rows]


def mark_sending(conn: Connection, campaign_id: int, *, now: datetime) -> None:
    conn.execute(
        update(campaigns)
        .where(campaigns.c.id == campaign_id)
        .values(status=CampaignStatus.SENDING, started_at=now)
    )


def complete_finished(conn: Connection, *, now: datetime) -> list[int]:
    """Mark sending campaigns with nothing left queued as sent; returns their ids."""
    queued = exists().where(
        and_(
            deliveries.c.campaign_id == campaigns.c.id, deliveries.c.status == DeliveryStatus.QUEUED
        )
    )
    done = [
        row.id
        for row in conn.execute(
            select(campaigns.c.id).where(campaigns.c.status == CampaignStatus.SENDING, ~queued)
        )
    ]
    if done:
        conn.execute(
            update(campaigns)
            .where(campaigns.c.id.in_(done))
            .values(status=CampaignStatus.SENT, finished_at=now)
        )
    return done
