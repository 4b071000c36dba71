"""Queries over stories and their version history."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select, update

from bulletin.domain.stories import Image, PubStatus, StoredStory, Story
from bulletin.store.tables import stories, story_versions


@dataclass(frozen=True)
class Existing:
    """Just enough of a stored story to decide whether an incoming item changes it."""

    id: int
    version: int
    content_hash: str | None
    cluster_id: int | None
    created_at: datetime
    headline: str | None
    summary: str = ""
    edited_fields: tuple[str, ...] = ()
    url: str | None = None


def story_data(story: Story) -> dict[str, Any]:
    """The story as JSON-ready data (times as ISO 8601), as kept in the version history."""
    data = dataclasses.asdict(story)
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = value.isoformat()
        elif isinstance(value, tuple):
            data[key] = list(value)
    data["pubstatus"] = str(story.pubstatus)
    return data


def _values(story: Story, content_hash: str) -> dict[str, Any]:
    return {
        "headline": story.headline,
        "summary": story.summary or "",
        "url": story.url,
        "source": story.source,
        "source_id": story.source_id,
        "identity": story.identity,
        "content_hash": content_hash,
        "needs_headline": story.needs_headline,
        "byline_people": list(story.byline_people),
        "byline_agencies": list(story.byline_agencies),
        "dateline": story.dateline,
        "lead": story.lead,
        "body_html": story.body_html,
        "body_text": story.body_text,
        "paragraphs": list(story.paragraphs),
        "images": [dataclasses.asdict(i) for i in story.images],
        "contributors": list(story.contributors),
        "section": story.section,
        "topics": list(story.topics),
        "urgency": story.urgency,
        "pubstatus": str(story.pubstatus),
        "embargoed_until": story.embargoed_until,
        "breaking": story.breaking,
        "published_at": story.published_at,
        "source_updated_at": story.updated_at,
        "language": story.language,
    }


def _to_story(row: Row) -> Story:
    return Story(
        source=row.source or "",
        source_id=row.source_id,
        headline=row.headline,
        summary=row.summary or None,
        byline_people=tuple(row.byline_people or ()),
        byline_agencies=tuple(row.byline_agencies or ()),
        dateline=row.dateline,
        lead=row.lead,
        paragraphs=tuple(row.paragraphs or ()),
        body_html=row.body_html or "",
        images=tuple(Image(**i) for i in row.images or ()),
        contributors=tuple(row.contributors or ()),
        published_at=row.published_at,
        updated_at=row.source_updated_at,
        section=row.section,
        topics=tuple(row.topics or ()),
        urgency=row.urgency,
        pubstatus=PubStatus(row.pubstatus),
        embargoed_until=row.embargoed_until,
        breaking=row.breaking,
        url=row.url,
        language=row.language,
    )


def _to_stored(row: Row) -> StoredStory:
    return StoredStory(
        id=row.id,
        story=_to_story(row),
        version=row.version,
        cluster_id=row.cluster_id,
        content_hash=row.content_hash or "",
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


_EXISTING = select(
    stories.c.id,
    stories.c.version,
    stories.c.content_hash,
    stories.c.cluster_id,
    stories.c.created_at,
    stories.c.headline,
    stories.c.summary,
    stories.c.edited_fields,
    stories.c.url,
)


def find_existing(
    conn: Connection, *, identity: str | None, url: str | None, content_hash: str
) -> Existing | None:
    """The stored story this item is, by identity, then canonical URL, then content hash."""
    for column, value in (
        (stories.c.identity, identity),
        (stories.c.url, url),
        (stories.c.content_hash, content_hash),
    ):
        if value:
            row = conn.execute(_EXISTING.where(column == value).limit(1)).first()
            if row:
                values = dict(row._mapping)
                values["summary"] = values["summary"] or ""
                values["edited_fields"] = tuple(values["edited_fields"] or ())
                return Existing(**values)
    return None


def insert(
    conn: Connection, story: Story, *, content_hash: str, fingerprint: bytes, now: datetime
) -> int:
    values = _values(story, content_hash)
    result = conn.execute(
        stories.insert()
        .returning(stories.c.id)
        .values(**values, fingerprint=fingerprint, version=1, created_at=now, updated_at=now)
    )
    return int(result.scalar_one())


def replace(
    conn: Connection, story_id: int, story: Story, *, content_hash: str, version: int, now: datetime
) -> None:
    """Make `story` the current version; the identity the story was first stored under stays."""
    values = _values(story, content_hash)
    values.pop("identity")
    conn.execute(
        update(stories)
        .where(stories.c.id == story_id)
        .values(**values, version=version, updated_at=now)
    )


def mark_edited(conn: Connection, story_id: int, fields: set[str]) -> None:
    """Note that an editor changed these fields, on top of any noted before."""
    row = conn.execute(select(stories.c.edited_fields).where(stories.c.id == story_id)).first()
    known = set(row.edited_fields or ()) if row else set()
    conn.execute(
        update(stories).where(stories.c.id == story_id).values(edited_fields=sorted(known | fields))
    )


def set_cluster(conn: Connection, story_id: int, cluster_id: int) -> None:
    conn.execute(update(stories).where(stories.c.id == story_id).values(cluster_id=cluster_id))


def record_version(
    conn: Connection, story_id: int, story: Story, *, version: int, content_hash: str, now: datetime
) -> None:
    conn.execute(
        story_versions.insert().values(
            story_id=story_id,
            version=version,
            content_hash=content_hash,
            data=story_data(story),
            recorded_at=now,
        )
    )


def versions(conn: Connection, story_id: int) -> list[tuple[int, dict[str, Any]]]:
    """(version, story data) for every version of a story, oldest first."""
    rows = conn.execute(
        select(story_versions.c.version, story_versions.c.data)
        .where(story_versions.c.story_id == story_id)
        .order_by(story_versions.c.version)
    )
    return [(row.version, row.data) for row in rows]


def get(conn: Connection, story_id: int) -> StoredStory | None:
    row = conn.execute(select(stories).where(stories.c.id == story_id)).one_or_none()
    return _to_stored(row) if row else None


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(stories)).scalar_one())


def recent_fingerprints(
    conn: Connection, *, since: datetime, limit: int
) -> list[tuple[int, int, bytes]]:
    """(id, cluster id, fingerprint) of stories created since `since`, newest first."""
    rows = conn.execute(
        select(stories.c.id, stories.c.cluster_id, stories.c.fingerprint)
        .where(stories.c.created_at >= since, stories.c.fingerprint.is_not(None))
        .order_by(stories.c.id.desc())
        .limit(limit)
    )
    return [(r.id, r.cluster_id or r.id, r.fingerprint) for r in rows]
