"""Queries over campaigns: alerts, special reports and briefing editions."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, Row, or_, select, update

from bulletin.domain.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    DeliveryStatus,
    SentAs,
)
from bulletin.store.tables import campaigns, deliveries
from bulletin.store.webhooks import campaign_events

MESSAGE_SALT_BYTES = 6


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
        expires_at=row.expires_at,
        fanout_done=row.fanout_done,
        status_reason=row.status_reason,
        parent_id=row.parent_id,
        story_id=row.story_id,
        created_by=row.created_by,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        message_salt=row.message_salt,
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
    parent_id: int | None = None,
    story_id: int | None = None,
    status: CampaignStatus = CampaignStatus.DRAFT,
    review_id: str | None = None,
) -> int:
    result = conn.execute(
        campaigns.insert()
        .returning(campaigns.c.id)
        .values(
            kind=kind,
            list_id=list_id,
            status=status,
            subject=subject,
            headline=headline,
            summary=summary,
            url=url,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
            parent_id=parent_id,
            story_id=story_id,
            review_id=review_id,
            fanout_done=False,
            # 48 random bits: no other copy of this database makes the same IDs.
            message_salt=secrets.token_hex(MESSAGE_SALT_BYTES),
        )
    )
    return int(result.scalar_one())


def get(conn: Connection, campaign_id: int) -> Campaign | None:
    row = conn.execute(select(campaigns).where(campaigns.c.id == campaign_id)).one_or_none()
    return _to_campaign(row) if row else None


def get_many(conn: Connection, campaign_ids: set[int]) -> dict[int, Campaign]:
    rows = conn.execute(select(campaigns).where(campaigns.c.id.in_(campaign_ids)))
    return {row.id: _to_campaign(row) for row in rows}


def by_review(conn: Connection, review_id: str) -> int | None:
    """The campaign sent from this desk review, if one was."""
    return conn.execute(
        select(campaigns.c.id).where(campaigns.c.review_id == review_id)
    ).scalar_one_or_none()


def children(conn: Connection, campaign_id: int) -> list[Campaign]:
    """The follow-ups of a campaign, oldest first."""
    rows = conn.execute(
        select(campaigns).where(campaigns.c.parent_id == campaign_id).order_by(campaigns.c.id)
    )
    return [_to_campaign(row) for row in rows]


MAX_THREAD = 100  # a guard: parents are set once, by us, so there are no cycles


def thread_of(conn: Connection, campaign: Campaign) -> list[SentAs]:
    """The campaigns `campaign` follows up, oldest first (its parent last), as their
    Message-IDs were made."""
    thread: list[SentAs] = []
    parent_id = campaign.parent_id
    while parent_id is not None and len(thread) < MAX_THREAD:
        row = conn.execute(
            select(campaigns.c.parent_id, campaigns.c.message_salt).where(
                campaigns.c.id == parent_id
            )
        ).one_or_none()
        thread.append(SentAs(parent_id, row.message_salt if row else None))
        parent_id = row.parent_id if row else None
    return thread[::-1]


def approve(
    conn: Connection, campaign_id: int, *, approved_by: int, now: datetime, expires_at: datetime
) -> bool:
    """Move an alert from awaiting approval to sending; False if it was not awaiting."""
    result = conn.execute(
        update(campaigns)
        .where(
            campaigns.c.id == campaign_id,
            campaigns.c.status == CampaignStatus.AWAITING_APPROVAL,
        )
        .values(
            status=CampaignStatus.SENDING,
            approved_by=approved_by,
            approved_at=now,
            started_at=now,
            expires_at=expires_at,
        )
    )
    return result.rowcount > 0


def recent(conn: Connection, limit: int = 20) -> list[Campaign]:
    rows = conn.execute(select(campaigns).order_by(campaigns.c.id.desc()).limit(limit))
    return [_to_campaign(row) for row in rows]


def sendable_ids(conn: Connection, *, now: datetime) -> list[int]:
    """Campaigns whose queued rows may be claimed now: sending and not expired."""
    return list(
        conn.execute(
            select(campaigns.c.id)
            .where(
                campaigns.c.status == CampaignStatus.SENDING,
                or_(campaigns.c.expires_at.is_(None), campaigns.c.expires_at > now),
            )
            .order_by(campaigns.c.id)
        ).scalars()
    )


def expired_ids(conn: Connection, *, now: datetime) -> list[int]:
    """Running or paused campaigns whose expiry has passed."""
    return list(
        conn.execute(
            select(campaigns.c.id).where(
                campaigns.c.status.in_([CampaignStatus.SENDING, CampaignStatus.PAUSED]),
                campaigns.c.expires_at <= now,
            )
        ).scalars()
    )


def unfinished_fanouts(conn: Connection) -> list[tuple[int, int, int | None, datetime]]:
    """(id, list id, cursor, send_after) of campaigns whose ledger is still being written."""
    rows = conn.execute(
        select(
            campaigns.c.id,
            campaigns.c.list_id,
            campaigns.c.fanout_cursor,
            campaigns.c.started_at,
        ).where(
            campaigns.c.status.in_([CampaignStatus.SENDING, CampaignStatus.PAUSED]),
            campaigns.c.fanout_done.is_(False),
        )
    )
    return [(r.id, r.list_id, r.fanout_cursor, r.started_at) for r in rows]


def advance_fanout(conn: Connection, campaign_id: int, *, cursor: int | None, done: bool) -> None:
    conn.execute(
        update(campaigns)
        .where(campaigns.c.id == campaign_id)
        .values(fanout_cursor=cursor, fanout_done=done)
    )


def mark_sending(conn: Connection, campaign_id: int, *, now: datetime) -> None:
    conn.execute(
        update(campaigns)
        .where(campaigns.c.id == campaign_id)
        .values(status=CampaignStatus.SENDING, started_at=now)
    )
    campaign_events.started(conn, [campaign_id], now=now)


def change_status(
    conn: Connection,
    campaign_id: int,
    *,
    to: CampaignStatus,
    allowed_from: Sequence[CampaignStatus],
    reason: str | None = None,
    now: datetime | None = None,
) -> bool:
    """Move a campaign between states; False if it was not in one of `allowed_from`."""
    values: dict[str, object] = {"status": to, "status_reason": reason}
    if now is not None:
        values["finished_at"] = now
    result = conn.execute(
        update(campaigns)
        .where(campaigns.c.id == campaign_id, campaigns.c.status.in_(list(allowed_from)))
        .values(**values)
    )
    if result.rowcount > 0:
        campaign_events.status_changed(conn, campaign_id, to, now=now)
    return result.rowcount > 0


def complete_finished(conn: Connection, *, now: datetime) -> list[int]:
    """Mark sending campaigns whose ledger is complete and has nothing open as sent."""
    open_rows = (
        select(deliveries.c.id)
        .where(
            deliveries.c.campaign_id == campaigns.c.id,
            deliveries.c.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]),
        )
        .exists()
    )
    done = list(
        conn.execute(
            select(campaigns.c.id).where(
                campaigns.c.status == CampaignStatus.SENDING,
                campaigns.c.fanout_done.is_(True),
                ~open_rows,
            )
        ).scalars()
    )
    if done:
        conn.execute(
            update(campaigns)
            .where(campaigns.c.id.in_(done))
            .values(status=CampaignStatus.SENT, finished_at=now)
        )
        campaign_events.finished(conn, done, now=now)
    return done


def started_since(conn: Connection, since: datetime) -> list[int]:
    """Campaigns that started sending at or after `since` (the last day's sends)."""
    return list(
        conn.execute(
            select(campaigns.c.id).where(campaigns.c.started_at >= since).order_by(campaigns.c.id)
        ).scalars()
    )
