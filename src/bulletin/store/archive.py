"""The public archive's queries: which sent campaigns it shows, and its withdrawals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, select

from bulletin.domain.models import Campaign, CampaignStatus
from bulletin.store import campaigns as campaign_store
from bulletin.store.tables import archive_withdrawals, campaigns

# A campaign is in the archive once it has gone to readers: sending, sent, or paused
# or cancelled part-way (some readers have it, and its "view in browser" link).
SHOWN = (
    CampaignStatus.SENDING,
    CampaignStatus.SENT,
    CampaignStatus.PAUSED,
    CampaignStatus.CANCELLED,
)


def _shown() -> list[ColumnElement[bool]]:
    withdrawn = select(archive_withdrawals.c.campaign_id)
    return [
        campaigns.c.status.in_([s.value for s in SHOWN]),
        campaigns.c.started_at.is_not(None),
        campaigns.c.id.not_in(withdrawn),
    ]


def shown(conn: Connection, campaign_id: int) -> Campaign | None:
    """The campaign if the archive shows it (sent, not withdrawn), else None."""
    found = conn.execute(
        select(campaigns.c.id).where(campaigns.c.id == campaign_id, *_shown())
    ).first()
    return campaign_store.get(conn, campaign_id) if found else None


def newest(
    conn: Connection, list_id: int, *, limit: int, before: int | None = None
) -> list[Campaign]:
    """The list's archived campaigns, newest first; `before` pages by id (keyset)."""
    query = select(campaigns.c.id).where(campaigns.c.list_id == list_id, *_shown())
    if before is not None:
        query = query.where(campaigns.c.id < before)
    ids = list(conn.execute(query.order_by(campaigns.c.id.desc()).limit(limit)).scalars())
    found = campaign_store.get_many(conn, set(ids))
    return [found[i] for i in ids]


def withdraw(
    conn: Connection, campaign_id: int, *, by: int | None, reason: str, now: datetime
) -> bool:
    """Take a campaign out of the archive; False if it already was."""
    if is_withdrawn(conn, campaign_id):
        return False
    conn.execute(
        archive_withdrawals.insert().values(
            campaign_id=campaign_id, withdrawn_at=now, withdrawn_by=by, reason=reason
        )
    )
    return True


def is_withdrawn(conn: Connection, campaign_id: int) -> bool:
    found = conn.execute(
        select(archive_withdrawals.c.campaign_id).where(
            archive_withdrawals.c.campaign_id == campaign_id
        )
    ).first()
    return found is not None


def withdrawn_since(conn: Connection, since: datetime | None) -> set[int]:
    """Campaigns withdrawn after `since` (all of them for None): what a cache drops."""
    query = select(archive_withdrawals.c.campaign_id)
    if since is not None:
        query = query.where(archive_withdrawals.c.withdrawn_at > since)
    return set(conn.execute(query).scalars())
