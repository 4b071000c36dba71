"""Stories as briefing candidates: what was published since the last edition, with its signals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Row, func, or_, select

from bulletin.domain.ranking import Candidate
from bulletin.domain.stories import PubStatus
from bulletin.store.tables import campaigns, stories

MAX_CANDIDATES = 1000

_alerted = select(campaigns.c.id).where(campaigns.c.story_id == stories.c.id).exists()
_COLUMNS = (
    stories.c.id,
    stories.c.cluster_id,
    stories.c.headline,
    stories.c.url,
    stories.c.published_at,
    stories.c.created_at,
    stories.c.source,
    stories.c.summary,
    stories.c.lead,
    stories.c.paragraphs,
    stories.c.section,
    stories.c.topics,
    stories.c.urgency,
    stories.c.breaking,
    stories.c.needs_headline,
    _alerted.label("alerted"),
)


def _to_candidate(row: Row) -> Candidate:
    paragraphs = row.paragraphs or []
    return Candidate(
        story_id=row.id,
        cluster_id=row.cluster_id or row.id,
        headline=row.headline or "",
        url=row.url or "",
        published_at=row.published_at or row.created_at,
        source=row.source or "",
        dek=row.summary or None,
        lead=row.lead,
        first_paragraph=paragraphs[0] if paragraphs else None,
        section=row.section,
        topics=tuple(row.topics or ()),
        urgency=row.urgency,
        alerted=bool(row.alerted),
        breaking=bool(row.breaking),
        needs_headline=bool(row.needs_headline),
    )


def _readable(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return (
        stories.c.pubstatus == PubStatus.USABLE.value,
        or_(stories.c.embargoed_until.is_(None), stories.c.embargoed_until <= now),
    )


def since(conn: Connection, *, since: datetime, now: datetime) -> list[Candidate]:
    """Readable stories first stored or (re)published in [since, now], newest first."""
    published = func.coalesce(stories.c.published_at, stories.c.created_at)
    rows = conn.execute(
        select(*_COLUMNS)
        .where(
            or_(stories.c.created_at >= since, published >= since),
            stories.c.created_at <= now,
            *_readable(now),
        )
        .order_by(stories.c.id.desc())
        .limit(MAX_CANDIDATES)
    )
    return [_to_candidate(r) for r in rows]


def one(conn: Connection, story_id: int, *, now: datetime) -> Candidate | None:
    """A story an editor adds by hand: any readable one, however old."""
    row = conn.execute(
        select(*_COLUMNS).where(stories.c.id == story_id, *_readable(now))
    ).one_or_none()
    return _to_candidate(row) if row else None
