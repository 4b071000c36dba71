"""Stories written by the newsroom's own systems (the REST API), not parsed from a source."""

from __future__ import annotations

import html
from dataclasses import dataclass

from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.errors import InvalidInput, PermissionDenied
from bulletin.domain.models import Editor
from bulletin.domain.stories import MAX_URGENCY, MIN_URGENCY, Outcome, Story
from bulletin.services.context import Context
from bulletin.services.stories import ingest as stories
from bulletin.store import audit

SOURCE = "api"
MAX_BODY_CHARS = 200_000


@dataclass(frozen=True)
class WrittenStory:
    """What an editor's system sends: plain text, paragraphs separated by blank lines."""

    headline: str
    body: str
    summary: str | None = None
    url: str | None = None
    section: str | None = None
    topics: tuple[str, ...] = ()
    byline: tuple[str, ...] = ()
    urgency: int | None = None
    source_id: str | None = None


def write(ctx: Context, written: WrittenStory, *, actor: Editor) -> stories.ItemResult:
    """Store the story (or update the one with the same `source_id` or URL), audited.

    The text is escaped into the HTML body, never taken as markup: nothing a caller
    sends can put script into an email or a desk page.
    """
    if not actor.role.can_send:
        raise PermissionDenied("Your role can read stories but not write them.")
    story = _story(written)
    (result,) = stories.store_items(ctx, [story], index=stories.cluster_index(ctx))
    if result.outcome is Outcome.FAILED:
        assert result.failure is not None
        raise InvalidInput(result.failure.error)
    assert result.story is not None
    with ctx.db.transaction() as conn:
        audit.record(
            conn,
            actor=actor.email,
            action="story.write",
            now=ctx.clock(),
            target_type="story",
            target_id=result.story.id,
            detail={"outcome": result.outcome.value, "source_id": written.source_id},
        )
    return result


def _story(written: WrittenStory) -> Story:
    headline = ensure_header_safe(written.headline.strip(), field="headline")
    if not headline:
        raise InvalidInput("A story needs a headline.")
    if len(written.body) > MAX_BODY_CHARS:
        raise InvalidInput(f"Keep the body under {MAX_BODY_CHARS:,} characters.")
    paragraphs = tuple(p.strip() for p in written.body.replace("\r\n", "\n").split("\n\n"))
    paragraphs = tuple(" ".join(p.split()) for p in paragraphs if p)
    if not paragraphs:
        raise InvalidInput("A story needs some text in its body.")
    if written.urgency is not None and not MIN_URGENCY <= written.urgency <= MAX_URGENCY:
        raise InvalidInput(f"Urgency runs from {MIN_URGENCY} (flash) to {MAX_URGENCY}.")
    url = written.url.strip() if written.url else None
    if url and not url.startswith(("https://", "http://")):
        raise InvalidInput("A story's link must start with http:// or https://.")
    return Story(
        source=SOURCE,
        source_id=written.source_id or None,
        headline=headline,
        summary=(written.summary or "").strip() or None,
        byline_people=tuple(name.strip() for name in written.byline if name.strip()),
        lead=paragraphs[0],
        paragraphs=paragraphs,
        body_html="".join(f"<p>{html.escape(p)}</p>" for p in paragraphs),
        section=(written.section or "").strip() or None,
        topics=tuple(t.strip().lower() for t in written.topics if t.strip()),
        urgency=written.urgency,
        url=url,
    )
