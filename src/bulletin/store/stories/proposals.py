"""Queries over alert proposals: urgent wire stories waiting for an editor's decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, exists, or_, select, update

from bulletin.domain.stories import ALERT_URGENCY, PubStatus
from bulletin.store.tables import alert_proposals, stories
from bulletin.store.upsert import insert_ignoring_conflicts

PROPOSED, SENT, DISMISSED = "proposed", "sent", "dismissed"


@dataclass(frozen=True)
class Proposal:
    id: int
    story_id: int
    reason: str
    status: str
    feed_id: int | None
    campaign_id: int | None
    created_at: datetime


def propose(
    conn: Connection, *, story_id: int, reason: str, feed_id: int | None, now: datetime
) -> bool:
    """Propose a story for an alert; False when it already was (once per story, ever)."""
    statement = insert_ignoring_conflicts(conn, alert_proposals).values(
        story_id=story_id, reason=reason, status=PROPOSED, feed_id=feed_id, created_at=now
    )
    # RETURNING, not rowcount: psycopg reports -1 for a skipped ON CONFLICT insert.
    return conn.execute(statement.returning(alert_proposals.c.id)).first() is not None


def open_proposals(conn: Connection) -> list[Proposal]:
    rows = conn.execute(
        select(alert_proposals)
        .where(alert_proposals.c.status == PROPOSED)
        .order_by(alert_proposals.c.id.desc())
    )
    return [Proposal(**{k: v for k, v in r._mapping.items() if k != "decided_at"}) for r in rows]


def mark_sent(conn: Connection, proposal_story_id: int, *, campaign_id: int, now: datetime) -> None:
    conn.execute(
        update(alert_proposals)
        .where(alert_proposals.c.story_id == proposal_story_id)
        .values(status=SENT, campaign_id=campaign_id, decided_at=now)
    )


def embargo_lifted(conn: Connection, *, now: datetime, limit: int = 100) -> list[int]:
    """Urgent, usable stories whose embargo has passed and that were never proposed."""
    proposed = exists().where(alert_proposals.c.story_id == stories.c.id)
    rows = conn.execute(
        select(stories.c.id)
        .where(
            stories.c.embargoed_until.is_not(None),
            stories.c.embargoed_until <= now,
            stories.c.pubstatus == str(PubStatus.USABLE),
            stories.c.needs_headline.is_(False),
            or_(stories.c.breaking.is_(True), stories.c.urgency <= ALERT_URGENCY),
            and_(~proposed),
        )
        .limit(limit)
    )
    return [row.id for row in rows]
