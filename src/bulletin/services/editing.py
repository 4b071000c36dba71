"""Editors' changes to stored stories: giving a headless scrape its headline."""

from __future__ import annotations

import dataclasses

from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Editor
from bulletin.domain.stories import StoredStory, alert_reason
from bulletin.services.context import Context
from bulletin.services.stories import LIMITS
from bulletin.store import audit, proposals
from bulletin.store import stories as store


def set_headline(
    ctx: Context, story_id: int, headline: str, *, actor: Editor | None
) -> StoredStory:
    """Give a story its headline (a new version; the old one is kept).

    A story that needed one becomes usable for alerts and the briefing; later
    ingests of a source that still has no headline keep the editor's.
    """
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can read stories but not edit them.")
    headline = ensure_header_safe(" ".join(headline.split()), field="headline")
    if not headline:
        raise InvalidInput("A headline cannot be empty.")
    if len(headline) > LIMITS["headline"]:
        raise InvalidInput(f"Keep the headline under {LIMITS['headline']} characters.")
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        stored = store.get(conn, story_id)
        if stored is None:
            raise NotFound(f"There is no story {story_id}.")
        story = dataclasses.replace(stored.story, headline=headline)
        digest, version = story.content_hash(), stored.version + 1
        store.replace(conn, story_id, story, content_hash=digest, version=version, now=now)
        store.record_version(conn, story_id, story, version=version, content_hash=digest, now=now)
        reason = alert_reason(story, now)
        if reason:
            proposals.propose(conn, story_id=story_id, reason=reason, feed_id=None, now=now)
        audit.record(
            conn,
            actor=actor.email if actor else "cli",
            action="story.headline",
            now=now,
            target_type="story",
            target_id=story_id,
            detail={"headline": headline},
        )
    return dataclasses.replace(stored, story=story, version=version, content_hash=digest)
