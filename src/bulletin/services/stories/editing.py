"""Editors' changes to stored stories: a headline for a headless scrape, a better summary."""

from __future__ import annotations

import dataclasses

from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.branding import is_web_url
from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Editor
from bulletin.domain.stories import StoredStory, TextEdits, alert_reason
from bulletin.services.context import Context
from bulletin.services.stories.ingest import LIMITS
from bulletin.store import audit
from bulletin.store.stories import proposals
from bulletin.store.stories import versions as store

MAX_SUMMARY = 2000
MAX_URL = 2000  # the stories.url column


def set_headline(
    ctx: Context, story_id: int, headline: str, *, actor: Editor | None
) -> StoredStory:
    """Give a story its headline (a new version; the old one is kept).

    A story that needed one becomes usable for alerts and the briefing; later
    ingests of a source that still has no headline keep the editor's.
    """
    return edit_story(ctx, story_id, headline=headline, actor=actor)


def edit_story(
    ctx: Context,
    story_id: int,
    *,
    headline: str,
    summary: str | None = None,
    url: str | None = None,
    actor: Editor | None,
) -> StoredStory:
    """Change a story's headline and (unless None) summary and link: a new version, audited.

    The link matters most for pasted text, which arrives without one: a story needs
    it for an alert and for the briefing.

    Nothing is written when nothing changed. A headline is required: a story that
    has one cannot lose it, one that needed one gets it (and may become an alert
    proposal once it has).
    """
    if actor is not None and not actor.role.can_send:
        raise PermissionDenied("Your role can read stories but not edit them.")
    headline = _checked_headline(headline)
    summary = None if summary is None else _checked_summary(summary)
    url = None if url is None else _checked_url(url)
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        stored = store.get(conn, story_id)
        if stored is None:
            raise NotFound(f"There is no story {story_id}.")
        changes: TextEdits = {"headline": headline}
        if summary is not None:
            changes["summary"] = summary or None
        if url:  # a link is never taken away: alerts and briefings already carry it
            changes["url"] = url
        story = dataclasses.replace(stored.story, **changes)
        if story == stored.story:
            return stored
        digest, version = story.content_hash(), stored.version + 1
        store.replace(conn, story_id, story, content_hash=digest, version=version, now=now)
        store.record_version(conn, story_id, story, version=version, content_hash=digest, now=now)
        reason = alert_reason(story, now)
        if reason:
            proposals.propose(conn, story_id=story_id, reason=reason, feed_id=None, now=now)
        changed = {k: v for k, v in changes.items() if getattr(stored.story, k) != v}
        store.mark_edited(conn, story_id, set(changed))
        audit.record(
            conn,
            actor=actor.email if actor else "cli",
            action="story.headline" if set(changed) == {"headline"} else "story.edit",
            now=now,
            target_type="story",
            target_id=story_id,
            detail={**changed, "version": version},
        )
    return dataclasses.replace(stored, story=story, version=version, content_hash=digest)


def _checked_headline(headline: str) -> str:
    headline = ensure_header_safe(" ".join(headline.split()), field="headline")
    if not headline:
        raise InvalidInput("A headline cannot be empty.")
    if len(headline) > LIMITS["headline"]:
        raise InvalidInput(f"Keep the headline under {LIMITS['headline']} characters.")
    return headline


def _checked_url(url: str) -> str:
    url = url.strip()
    if url and not is_web_url(url):
        raise InvalidInput("The link must be a full web address starting with https://.")
    if len(url) > MAX_URL:
        raise InvalidInput(f"Keep the link under {MAX_URL:,} characters.")
    return url


def _checked_summary(summary: str) -> str:
    summary = " ".join(summary.split())
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"Keep the summary under {MAX_SUMMARY:,} characters.")
    return summary
