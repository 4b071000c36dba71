"""Builders for briefing tests: stored stories and morning-briefing readers in given zones."""

from __future__ import annotations

import itertools
from datetime import datetime

from bulletin.domain.stories import Story
from bulletin.services.context import Context
from bulletin.services.readers import subscriptions
from bulletin.store.readers import preferences
from bulletin.store.stories import versions as story_store
from tests.support.factories import unique_email, web_requester

_ids = itertools.count(1)


def add_story(
    ctx: Context,
    *,
    headline: str | None = None,
    summary: str | None = None,
    section: str | None = "Politics",
    topics: tuple[str, ...] = (),
    urgency: int | None = 4,
    published_at: datetime | None = None,
    cluster_of: int | None = None,
    source: str = "newsroom",
    linked: bool = True,
) -> int:
    """A stored story, as ingest would leave it (cluster: its own, or `cluster_of`'s).

    `linked=False` leaves it without a link, as pasted text arrives.
    """
    n = next(_ids)
    now = ctx.clock()
    story = Story(
        source=source,
        source_id=f"test-{n}",
        headline=headline if headline is not None else f"Story number {n} makes news",
        summary=summary if summary is not None else f"The first sentence of story {n}. More.",
        section=section,
        topics=topics,
        urgency=urgency,
        published_at=published_at or now,
        url=f"https://news.example.com/story/{n}" if linked else None,
    )
    with ctx.db.transaction() as conn:
        story_id = story_store.insert(
            conn, story, content_hash=f"hash-{n}", fingerprint=b"", now=now
        )
        story_store.set_cluster(conn, story_id, cluster_of or story_id)
    return story_id


def briefing_reader(
    ctx: Context,
    *,
    zone: str | None,
    at: str = "06:00",
    topics: list[str] | None = None,
    email: str | None = None,
) -> int:
    """A confirmed morning-briefing reader with this zone, briefing time and topics."""
    address = email or unique_email()
    result = subscriptions.sign_up(
        ctx,
        email=address,
        list_slugs=["morning-briefing"],
        requester=web_requester(),
        time_zone=zone,
        topics=topics,
    )
    subscriptions.confirm(
        ctx, ctx.tokens.confirm(result.subscriber_id, address), requester=web_requester()
    )
    with ctx.db.transaction() as conn:
        preferences.set_schedule(conn, result.subscriber_id, time_zone=zone, briefing_time=at)
    return result.subscriber_id
