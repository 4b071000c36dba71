"""Queries over registered feeds and the log of their polls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, select, update

from bulletin.domain.stories import Feed
from bulletin.store.tables import feed_polls, feeds


@dataclass(frozen=True)
class PollRecord:
    """One poll of a feed: when, what happened, and what it did to the stories."""

    feed_id: int
    started_at: datetime
    finished_at: datetime
    outcome: str
    http_status: int | None = None
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    error: str | None = None


def _to_feed(row: Row) -> Feed:
    return Feed(
        id=row.id,
        url=row.url,
        format=row.format,
        poll_interval_s=row.poll_interval_s,
        auto_send=row.auto_send,
        active=row.active,
        etag=row.etag,
        last_modified=row.last_modified,
        next_poll_at=row.next_poll_at,
        failures=row.failures,
        last_status=row.last_status,
    )


def insert(
    conn: Connection,
    *,
    url: str,
    format: str,
    poll_interval_s: int,
    auto_send: bool,
    now: datetime,
) -> int:
    result = conn.execute(
        feeds.insert()
        .returning(feeds.c.id)
        .values(
            url=url,
            format=format,
            poll_interval_s=poll_interval_s,
            auto_send=auto_send,
            active=True,
            next_poll_at=now,
            failures=0,
            created_at=now,
        )
    )
    return int(result.scalar_one())


def get(conn: Connection, feed_id: int) -> Feed | None:
    row = conn.execute(select(feeds).where(feeds.c.id == feed_id)).one_or_none()
    return _to_feed(row) if row else None


def by_url(conn: Connection, url: str) -> Feed | None:
    row = conn.execute(select(feeds).where(feeds.c.url == url)).one_or_none()
    return _to_feed(row) if row else None


def all_feeds(conn: Connection) -> list[Feed]:
    return [_to_feed(row) for row in conn.execute(select(feeds).order_by(feeds.c.id))]


def due_ids(conn: Connection, *, now: datetime, limit: int) -> list[int]:
    rows = conn.execute(
        select(feeds.c.id)
        .where(feeds.c.active.is_(True), feeds.c.next_poll_at <= now)
        .order_by(feeds.c.next_poll_at)
        .limit(limit)
    )
    return [row.id for row in rows]


def claim(conn: Connection, feed_id: int, *, now: datetime, until: datetime) -> Feed | None:
    """Take a due feed for one poll (pushing its next poll to `until`), or None if another
    worker took it first: the conditional UPDATE lets only one of them win."""
    result = conn.execute(
        update(feeds)
        .where(feeds.c.id == feed_id, feeds.c.next_poll_at <= now, feeds.c.active.is_(True))
        .values(next_poll_at=until)
    )
    return get(conn, feed_id) if result.rowcount == 1 else None


def finish_poll(
    conn: Connection,
    record: PollRecord,
    *,
    etag: str | None,
    last_modified: str | None,
    failures: int,
    next_poll_at: datetime,
) -> None:
    """Log the poll and set when the feed is next due (later after each failure)."""
    conn.execute(feed_polls.insert().values(**record.__dict__))
    conn.execute(
        update(feeds)
        .where(feeds.c.id == record.feed_id)
        .values(
            etag=etag,
            last_modified=last_modified,
            failures=failures,
            next_poll_at=next_poll_at,
            last_status=record.outcome,
            last_polled_at=record.finished_at,
        )
    )


def polls(conn: Connection, feed_id: int, limit: int = 50) -> list[PollRecord]:
    rows = conn.execute(
        select(feed_polls)
        .where(feed_polls.c.feed_id == feed_id)
        .order_by(feed_polls.c.id.desc())
        .limit(limit)
    )
    return [PollRecord(**{k: v for k, v in row._mapping.items() if k != "id"}) for row in rows]
