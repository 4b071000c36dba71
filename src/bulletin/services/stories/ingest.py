"""Ingesting stories: parse, de-duplicate, version, cluster, propose alerts, store.

Items are written a batch to a short transaction, each in its own savepoint, so an
item that fails (at parse time or in the database) changes nothing and costs no
other item anything. An item
seen before is matched by identity, then canonical URL, then content hash: unchanged
content is skipped, changed content becomes a new version (the old one is kept).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import (
    Format,
    ItemFailure,
    Outcome,
    StoredStory,
    Story,
    TextEdits,
    alert_reason,
)
from bulletin.ingest.cluster import ClusterIndex, signature
from bulletin.ingest.parse import parse_document
from bulletin.services.context import Context
from bulletin.services.stories.sources import Document, read_documents
from bulletin.store.stories import proposals
from bulletin.store.stories import versions as store

CLUSTER_WINDOW = timedelta(days=3)
CLUSTER_LIMIT = 20_000
BATCH = 100  # items per transaction: fewer commits, and still well under a second of locking
LIMITS = {"headline": 500, "url": 2000, "source_id": 1000, "dateline": 200, "section": 200}


@dataclass(frozen=True)
class ItemResult:
    outcome: Outcome
    story: StoredStory | None = None
    failure: ItemFailure | None = None
    proposed: str | None = None  # why it became an alert proposal, if it did
    retry: bool = False  # failed in the database, not in the item: worth trying again


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})

    def add(self, result: ItemResult) -> None:
        self.counts[result.outcome.value] += 1

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {"summary": dict(self.counts)}


def cluster_index(ctx: Context) -> ClusterIndex:
    """Recent stories' fingerprints, so a new story can find its near-duplicates."""
    index = ClusterIndex()
    with ctx.db.transaction() as conn:
        since = ctx.clock() - CLUSTER_WINDOW
        for story_id, cluster_id, fingerprint in store.recent_fingerprints(
            conn, since=since, limit=CLUSTER_LIMIT
        ):
            index.add(story_id, fingerprint, cluster_id)
    return index


def ingest(
    ctx: Context,
    source: str,
    *,
    fmt: Format = Format.AUTO,
    stdin: bytes | None = None,
    on_document: Callable[[], None] | None = None,
) -> Iterator[ItemResult]:
    """Every item of a source, stored. Failures are results too, never exceptions, even
    for a source that cannot be read at all (one failure naming it, item None).
    `on_document` is called after each document (a progress bar's tick)."""
    index = cluster_index(ctx)
    try:
        allow = ctx.settings.fetch_allow_networks
        for document in read_documents(source, stdin=stdin, allow_networks=allow):
            if on_document is not None:
                on_document()
            if isinstance(document, IngestError):
                yield _failed(document.source, None, document.reason)
                continue
            yield from ingest_document(ctx, document, fmt=fmt, index=index)
    except IngestError as exc:  # the source itself: a URL that failed, a missing path
        yield _failed(exc.source, None, exc.reason)


def ingest_document(
    ctx: Context,
    document: Document,
    *,
    fmt: Format = Format.AUTO,
    index: ClusterIndex,
    feed_id: int | None = None,
) -> Iterator[ItemResult]:
    try:
        items = parse_document(
            document.data,
            source=document.source,
            fmt=fmt,
            name=document.name,
            content_type=document.content_type,
            source_id=document.source_id,
        )
    except IngestError as exc:
        yield _failed(exc.source, None, exc.reason)
        return
    yield from store_items(ctx, items, index=index, feed_id=feed_id)


def store_items(
    ctx: Context,
    items: Iterable[Story | ItemFailure],
    *,
    index: ClusterIndex,
    feed_id: int | None = None,
) -> Iterator[ItemResult]:
    """Store parsed items, BATCH to a transaction and each in its own savepoint, so a
    failed item rolls back alone and the others in its batch are still stored. Results
    come out in order, once their batch has committed."""
    batch: list[ItemResult | _Pending] = []
    for entry in _checked(items):
        batch.append(entry)
        if len(batch) >= BATCH:
            yield from _write_batch(ctx, batch, index=index, feed_id=feed_id)
            batch = []
    if batch:
        yield from _write_batch(ctx, batch, index=index, feed_id=feed_id)


@dataclass(frozen=True)
class _Pending:
    story: Story
    digest: str
    where: str


def _checked(items: Iterable[Story | ItemFailure]) -> Iterator[ItemResult | _Pending]:
    """Items ready to write, or failures: too long for the store, or an id repeated in
    the same document with different content (the first one is kept)."""
    seen: dict[str, str] = {}
    for position, item in enumerate(items, start=1):
        if isinstance(item, ItemFailure):
            yield ItemResult(Outcome.FAILED, failure=item)
            continue
        where = f"item {position} ({item.source_id})" if item.source_id else f"item {position}"
        digest = item.content_hash()
        key = item.identity
        problem = _too_long(item)
        if key and seen.setdefault(key, digest) != digest:
            problem = (
                f"repeats id {item.source_id} with different content in the same source; "
                "the first one was kept"
            )
        yield _failed(item.source, where, problem) if problem else _Pending(item, digest, where)


def _write_batch(
    ctx: Context, batch: list[ItemResult | _Pending], *, index: ClusterIndex, feed_id: int | None
) -> list[ItemResult]:
    try:
        with ctx.db.transaction() as conn:
            now = ctx.clock()
            return [
                entry
                if isinstance(entry, ItemResult)
                else _write_one(conn, entry, index=index, feed_id=feed_id, now=now)
                for entry in batch
            ]
    except SQLAlchemyError as exc:  # the commit itself failed: nothing in the batch is stored
        return [
            entry if isinstance(entry, ItemResult) else _not_stored(entry, exc) for entry in batch
        ]


def _write_one(
    conn: Connection, pending: _Pending, *, index: ClusterIndex, feed_id: int | None, now: datetime
) -> ItemResult:
    try:
        with conn.begin_nested():
            result, clustered = _write(conn, pending, feed_id=feed_id, index=index, now=now)
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise  # the database went away: the whole batch fails, and says so
        return _not_stored(pending, exc)
    except SQLAlchemyError as exc:
        return _not_stored(pending, exc)
    if clustered:
        index.add(*clustered)  # only once its savepoint holds: no phantom stories to match
    return result


def _write(
    conn: Connection, pending: _Pending, *, feed_id: int | None, index: ClusterIndex, now: datetime
) -> tuple[ItemResult, tuple[int, bytes, int] | None]:
    """(result, (id, fingerprint, cluster) of a new story) for one new, changed or same item."""
    story, digest = pending.story, pending.digest
    existing = store.find_existing(
        conn, identity=story.identity, url=story.url, content_hash=digest
    )
    if existing and existing.headline and story.needs_headline:
        # the source still has none: keep the one an editor gave it
        story = dataclasses.replace(story, headline=existing.headline)
        digest = story.content_hash()
    if existing and existing.edited_fields:
        story = _keep_edits(story, existing)
        digest = story.content_hash()
    if existing and existing.content_hash == digest:
        return ItemResult(Outcome.UNCHANGED, story=store.get(conn, existing.id)), None
    clustered = None
    if existing:
        stored = _replace(conn, story, existing, digest=digest, now=now)
    else:
        stored, fingerprint = _insert_clustered(conn, story, digest=digest, index=index, now=now)
        clustered = (stored.id, fingerprint, stored.cluster_id or stored.id)
    store.record_version(
        conn, stored.id, story, version=stored.version, content_hash=digest, now=now
    )
    reason = alert_reason(story, now)
    if reason and not proposals.propose(
        conn, story_id=stored.id, reason=reason, feed_id=feed_id, now=now
    ):
        reason = None  # proposed once already, when an earlier version came in
    outcome = Outcome.UPDATED if existing else Outcome.NEW
    return ItemResult(outcome, story=stored, proposed=reason), clustered


def _keep_edits(story: Story, existing: store.Existing) -> Story:
    """An editor's headline, summary and link outlive later versions from the source."""
    kept: TextEdits = {}
    if "headline" in existing.edited_fields:
        kept["headline"] = existing.headline
    if "summary" in existing.edited_fields:
        kept["summary"] = existing.summary or None
    if "url" in existing.edited_fields and existing.url:
        kept["url"] = existing.url
    return dataclasses.replace(story, **kept)


def _replace(
    conn: Connection, story: Story, existing: store.Existing, *, digest: str, now: datetime
) -> StoredStory:
    """Make `story` the next version of an existing one; its cluster stays as it was."""
    version = existing.version + 1
    store.replace(conn, existing.id, story, content_hash=digest, version=version, now=now)
    return StoredStory(
        existing.id, story, version, existing.cluster_id, digest, existing.created_at, now
    )


def _insert_clustered(
    conn: Connection, story: Story, *, digest: str, index: ClusterIndex, now: datetime
) -> tuple[StoredStory, bytes]:
    """Insert a new story into the cluster of its nearest earlier near-duplicate (or its own)."""
    fingerprint = signature(f"{story.headline or ''}\n{story.body_text}")
    story_id = store.insert(conn, story, content_hash=digest, fingerprint=fingerprint, now=now)
    cluster_id = index.match(fingerprint) or story_id
    store.set_cluster(conn, story_id, cluster_id)
    return StoredStory(story_id, story, 1, cluster_id, digest, now, now), fingerprint


def _too_long(story: Story) -> str | None:
    for name, limit in LIMITS.items():
        value = getattr(story, name)
        if value and len(value) > limit:
            return f"has a {name} of {len(value):,} characters; the limit is {limit:,}"
    return None


def _failed(source: str, item: str | None, error: str, *, retry: bool = False) -> ItemResult:
    failure = ItemFailure(source=source, item=item, error=error)
    return ItemResult(Outcome.FAILED, failure=failure, retry=retry)


def _not_stored(pending: _Pending, exc: SQLAlchemyError) -> ItemResult:
    detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    error = f"could not be stored ({detail})"
    return _failed(pending.story.source, pending.where, error, retry=True)
