"""The desk's stories: find them, read one with its cluster and history, bring new ones in."""

from __future__ import annotations

from dataclasses import dataclass

from bulletin.domain.addresses import ensure_header_safe
from bulletin.domain.errors import InvalidInput, NotFound, PermissionDenied
from bulletin.domain.models import Editor
from bulletin.domain.stories import Format, Outcome, StoredStory
from bulletin.domain.urls import redact_url
from bulletin.ingest.parse import MAX_DOCUMENT_BYTES
from bulletin.ingest.sanitize import clean_html
from bulletin.services.context import Context
from bulletin.services.stories import ingest as stories
from bulletin.services.stories.sources import Document, is_url
from bulletin.store import audit
from bulletin.store.stories import search as story_search
from bulletin.store.stories import versions as story_store
from bulletin.store.stories.search import StoryFilter, StoryRow, VersionRow

PAGE_SIZE = 25
MAX_PASTE_CHARS = 1_000_000
MAX_URL = 2000
MAX_UPLOAD_BYTES = MAX_DOCUMENT_BYTES
FORMATS = [f.value for f in Format]
# What each format menu choice means, in the menu's own order (auto, the default, first).
FORMAT_CHOICES = [
    (Format.AUTO.value, "auto-detect (default): told from the content itself"),
    (Format.TEXT.value, "text: an article page copied or scraped as plain text"),
    (Format.RSS.value, "rss: an RSS news feed (XML)"),
    (Format.ATOM.value, "atom: an Atom news feed (XML)"),
    (Format.NINJS.value, "ninjs: IPTC's JSON news item, as news agencies send it"),
    (Format.HTML.value, "html: the source of an article web page"),
]


@dataclass(frozen=True)
class StoryPage:
    rows: list[StoryRow]
    next_before: int | None  # the `before` of the next (older) page, if there is one


@dataclass(frozen=True)
class StoryDetail:
    stored: StoredStory
    siblings: list[StoryRow]
    versions: list[VersionRow]
    # Sanitised at ingest and once more here, so the page never trusts what is stored.
    body_html: str


def search(ctx: Context, where: StoryFilter, *, before: int | None = None) -> StoryPage:
    if any("\x00" in value for value in (where.text, where.source, where.section)):
        # No stored story holds a NUL, so nothing matches; and the databases cannot be
        # asked: SQLite's LIKE stops reading at it ("%\0%" is "%", every story) and
        # PostgreSQL refuses a NUL in text outright.
        return StoryPage([], None)
    with ctx.db.transaction() as conn:
        rows = story_search.search(conn, where, before=before, limit=PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return StoryPage(rows, rows[-1].id if more else None)


def filter_choices(ctx: Context) -> tuple[list[str], list[str]]:
    """(sources, sections) stories have, for the list's filters."""
    with ctx.db.transaction() as conn:
        return (
            story_search.distinct_values(conn, "source"),
            story_search.distinct_values(conn, "section"),
        )


def detail(ctx: Context, story_id: int) -> StoryDetail:
    with ctx.db.transaction() as conn:
        stored = story_store.get(conn, story_id)
        if stored is None:
            raise NotFound(f"There is no story {story_id}.")
        return StoryDetail(
            stored,
            story_search.cluster_siblings(conn, story_id, stored.cluster_id),
            story_search.version_history(conn, story_id),
            clean_html(stored.story.body_html),
        )


def ingest_url(ctx: Context, url: str, *, fmt: str, actor: Editor) -> list[stories.ItemResult]:
    """Fetch and store the stories at an http(s) URL; failures come back as results."""
    _may_ingest(actor)
    url = ensure_header_safe(url.strip(), field="URL")
    if not is_url(url):
        raise InvalidInput("Give a web address starting with http:// or https://.")
    if len(url) > MAX_URL:
        raise InvalidInput(f"Keep the address under {MAX_URL} characters.")
    results = list(stories.ingest(ctx, url, fmt=_format(fmt)))
    return _audited(ctx, results, source=redact_url(url), actor=actor)


def ingest_text(ctx: Context, text: str, *, fmt: str, actor: Editor) -> list[stories.ItemResult]:
    """Store pasted text (an article as scraped, or a feed, ninjs or HTML document)."""
    _may_ingest(actor)
    parser = _format(fmt)
    if not text.strip():
        raise InvalidInput("Paste the story's text first.")
    if len(text) > MAX_PASTE_CHARS:
        raise InvalidInput(f"Paste at most {MAX_PASTE_CHARS:,} characters at a time.")
    source = f"pasted on the desk by {actor.email}"
    document = Document(source=source, data=text.encode("utf-8"))
    results = list(
        stories.ingest_document(ctx, document, fmt=parser, index=stories.cluster_index(ctx))
    )
    return _audited(ctx, results, source="pasted text", actor=actor)


def ingest_upload(
    ctx: Context, data: bytes, *, name: str, fmt: str, actor: Editor
) -> list[stories.ItemResult]:
    """Store an uploaded file; its name's extension helps tell its format apart."""
    _may_ingest(actor)
    parser = _format(fmt)
    if not data.strip():
        raise InvalidInput("Choose a file that has a story in it; that one is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"Upload at most {MAX_UPLOAD_BYTES:,} bytes at a time.")
    label = f"{(name or 'a file')[:200]!r} uploaded"
    source = f"{label} on the desk by {actor.email}"
    document = Document(source=source, data=data, name=name)
    results = list(
        stories.ingest_document(ctx, document, fmt=parser, index=stories.cluster_index(ctx))
    )
    return _audited(ctx, results, source=label, actor=actor)


def _format(name: str) -> Format:
    try:
        return Format(name or Format.AUTO.value)
    except ValueError:
        raise InvalidInput(f"Choose one of the formats: {', '.join(FORMATS)}.") from None


def _may_ingest(actor: Editor) -> None:
    if not actor.role.can_send:
        raise PermissionDenied("Your role can read stories but not add them.")


def _audited(
    ctx: Context, results: list[stories.ItemResult], *, source: str, actor: Editor
) -> list[stories.ItemResult]:
    counts = {o.value: sum(1 for r in results if r.outcome is o) for o in Outcome}
    stored = [r.story.id for r in results if r.story is not None]
    if stored:
        with ctx.db.transaction() as conn:
            audit.record(
                conn,
                actor=actor.email,
                action="story.ingest",
                now=ctx.clock(),
                target_type="story",
                target_id=stored[0] if len(stored) == 1 else None,
                detail={"source": source, **counts, "stories": stored[:50]},
            )
    return results
