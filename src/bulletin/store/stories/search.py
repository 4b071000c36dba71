"""Finding stories for the desk: text search with filters, newest first, page by page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, or_, select

from bulletin.store.tables import stories, story_versions


@dataclass(frozen=True)
class StoryFilter:
    text: str = ""
    source: str = ""
    section: str = ""
    needs_headline: bool | None = None


@dataclass(frozen=True)
class StoryRow:
    """One line of the desk's story list."""

    id: int
    headline: str | None
    summary: str
    source: str | None
    section: str | None
    needs_headline: bool
    version: int
    created_at: datetime
    published_at: datetime | None


@dataclass(frozen=True)
class VersionRow:
    version: int
    recorded_at: datetime
    headline: str | None
    summary: str | None


_ROW = select(
    stories.c.id,
    stories.c.headline,
    stories.c.summary,
    stories.c.source,
    stories.c.section,
    stories.c.needs_headline,
    stories.c.version,
    stories.c.created_at,
    stories.c.published_at,
)


def search(
    conn: Connection, where: StoryFilter, *, before: int | None, limit: int
) -> list[StoryRow]:
    """Up to `limit` stories matching, newest first, older than story `before` (keyset)."""
    query = _ROW.order_by(stories.c.id.desc()).limit(limit)
    if where.text:
        query = query.where(
            or_(
                stories.c.headline.icontains(where.text, autoescape=True),
                stories.c.body_text.icontains(where.text, autoescape=True),
            )
        )
    if where.source:
        query = query.where(stories.c.source == where.source)
    if where.section:
        query = query.where(stories.c.section == where.section)
    if where.needs_headline is not None:
        query = query.where(stories.c.needs_headline == where.needs_headline)
    if before is not None:
        query = query.where(stories.c.id < before)
    return [StoryRow(**row._mapping) for row in conn.execute(query)]


def distinct_values(conn: Connection, column_name: str, *, limit: int = 200) -> list[str]:
    """The sources or sections stories have, for the filter menus."""
    column = stories.c[column_name]
    rows = conn.execute(
        select(column).where(column.is_not(None)).group_by(column).order_by(column).limit(limit)
    )
    return [value for (value,) in rows if value]


def cluster_siblings(
    conn: Connection, story_id: int, cluster_id: int | None, *, limit: int = 50
) -> list[StoryRow]:
    """The other stories of a story's cluster of near-duplicates, newest first."""
    if cluster_id is None:
        return []
    query = (
        _ROW.where(stories.c.cluster_id == cluster_id, stories.c.id != story_id)
        .order_by(stories.c.id.desc())
        .limit(limit)
    )
    return [StoryRow(**row._mapping) for row in conn.execute(query)]


def version_history(conn: Connection, story_id: int) -> list[VersionRow]:
    """Every version of a story, newest first, with when it was recorded."""
    rows = conn.execute(
        select(story_versions.c.version, story_versions.c.recorded_at, story_versions.c.data)
        .where(story_versions.c.story_id == story_id)
        .order_by(story_versions.c.version.desc())
    )
    return [
        VersionRow(r.version, r.recorded_at, r.data.get("headline"), r.data.get("summary"))
        for r in rows
    ]
