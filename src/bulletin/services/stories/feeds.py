"""Feed subscriptions: editors register feeds; the worker polls the due ones.

A poll is a conditional GET (If-None-Match / If-Modified-Since from the last good
poll); 304 costs nothing. A failed poll (timeout, 4xx/5xx, too large, not a feed)
is logged and the feed backs off exponentially, up to MAX_BACKOFF; the first good
poll after that resets it. Several workers may call `poll_due_feeds` at once: each
feed is claimed by a conditional UPDATE, so only one of them polls it.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bulletin.domain.errors import FetchError, InvalidInput
from bulletin.domain.stories import Feed, Format
from bulletin.domain.urls import redact_url
from bulletin.ingest.cluster import ClusterIndex
from bulletin.ingest.parse import MAX_DOCUMENT_BYTES
from bulletin.services.alerts import proposals as proposal_service
from bulletin.services.context import Context
from bulletin.services.stories.fetch import TIMEOUT_S, Fetched, fetch
from bulletin.services.stories.ingest import ItemResult, Summary, cluster_index, ingest_document
from bulletin.services.stories.sources import Document, is_url
from bulletin.store.stories import feeds as feed_store
from bulletin.store.stories.feeds import PollRecord

log = logging.getLogger(__name__)

MIN_INTERVAL_S = 30
MAX_BACKOFF = timedelta(hours=6)
CLAIM_LEASE = timedelta(minutes=10)  # a worker that dies mid-poll frees the feed after this


def register_feed(
    ctx: Context,
    url: str,
    *,
    format: Format = Format.AUTO,
    poll_interval_s: int = 300,
    auto_send: bool = False,
) -> Feed:
    """Add a feed for the worker to poll (first poll: as soon as it runs)."""
    url = url.strip()
    if not is_url(url):
        raise InvalidInput("A feed must be an http:// or https:// address.")
    if poll_interval_s < MIN_INTERVAL_S:
        raise InvalidInput(f"Poll a feed at most every {MIN_INTERVAL_S} seconds.")
    with ctx.db.transaction() as conn:
        if feed_store.by_url(conn, url) is not None:
            raise InvalidInput(f"The feed {redact_url(url)} is already registered.")
        feed_id = feed_store.insert(
            conn,
            url=url,
            format=str(format),
            poll_interval_s=poll_interval_s,
            auto_send=auto_send,
            now=ctx.clock(),
        )
        feed = feed_store.get(conn, feed_id)
    assert feed is not None
    return feed


def list_feeds(ctx: Context) -> list[Feed]:
    with ctx.db.transaction() as conn:
        return feed_store.all_feeds(conn)


def poll_due_feeds(
    ctx: Context,
    *,
    limit: int = 20,
    timeout: float = TIMEOUT_S,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> int:
    """Poll every feed that is due (up to `limit`); returns how many were polled.

    The worker calls this each round. It also proposes urgent stories whose embargo
    has just lifted.
    """
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        due = feed_store.due_ids(conn, now=now, limit=limit)
    polled = 0
    # One cluster index for the round, built only if some feed brings news (not all 304).
    index = functools.cache(lambda: cluster_index(ctx))
    for feed_id in due:
        with ctx.db.transaction() as conn:
            feed = feed_store.claim(conn, feed_id, now=now, until=now + CLAIM_LEASE)
        if feed is not None:
            poll_feed(ctx, feed, timeout=timeout, max_bytes=max_bytes, index=index)
            polled += 1
    proposal_service.propose_lifted_embargoes(ctx)
    return polled


def poll_forever(ctx: Context, stop: threading.Event, *, every_s: float = 15.0) -> None:
    """Poll due feeds until `stop` is set: the loop for a feed-poller thread beside the
    sending worker. A round that fails (database down) is logged and retried."""
    while not stop.is_set():
        try:
            poll_due_feeds(ctx)
        except Exception:  # keep polling; the next round may find the database back
            log.exception("feed polling round failed")
        stop.wait(every_s)


def poll_feed(
    ctx: Context,
    feed: Feed,
    *,
    timeout: float = TIMEOUT_S,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    index: Callable[[], ClusterIndex] | None = None,
) -> PollRecord:
    """One poll of one feed, logged; never raises for anything the feed does."""
    started = ctx.clock()
    try:
        fetched = fetch(
            feed.url,
            etag=feed.etag,
            last_modified=feed.last_modified,
            timeout=timeout,
            max_bytes=max_bytes,
            allow_networks=ctx.settings.fetch_allow_networks,
        )
    except FetchError as exc:
        return _failed_poll(ctx, feed, started=started, error=exc.reason, status=exc.status)
    if fetched.data is None:
        record = PollRecord(feed.id, started, ctx.clock(), "not_modified", http_status=304)
        return _finish(ctx, feed, record, fetched=fetched)
    clusters = index() if index is not None else cluster_index(ctx)
    results = _ingest(ctx, feed, fetched, clusters)
    whole = [r for r in results if r.failure and r.failure.item is None]
    if whole and len(results) == 1:
        error = whole[0].failure.error if whole[0].failure else "unreadable"
        return _failed_poll(ctx, feed, started=started, error=error, status=fetched.status)
    record = _record(feed, started, ctx.clock(), fetched, results)
    if feed.auto_send:
        proposal_service.auto_send(ctx, [r for r in results if r.proposed and r.story])
    if any(r.retry for r in results):
        # Items the database refused must come again: forget the validators so the
        # next poll is a full GET rather than a 304.
        fetched = dataclasses.replace(fetched, etag=None, last_modified=None)
    return _finish(ctx, feed, record, fetched=fetched)


def _record(
    feed: Feed, started: datetime, finished: datetime, fetched: Fetched, results: list[ItemResult]
) -> PollRecord:
    """The log entry of a poll that fetched the feed: `partial` if any item failed."""
    summary = Summary()
    for result in results:
        summary.add(result)
    failures = [r.failure for r in results if r.failure]
    return PollRecord(
        feed.id,
        started,
        finished,
        "partial" if failures else "ok",
        http_status=fetched.status,
        error=str(failures[0]) if failures else None,
        **summary.counts,
    )


def _ingest(ctx: Context, feed: Feed, fetched: Fetched, index: ClusterIndex) -> list[ItemResult]:
    document = Document(
        source=redact_url(feed.url),
        data=fetched.data or b"",
        name=redact_url(feed.url),
        content_type=fetched.content_type,
    )
    fmt = Format(feed.format)
    return list(ingest_document(ctx, document, fmt=fmt, index=index, feed_id=feed.id))


def _finish(ctx: Context, feed: Feed, record: PollRecord, *, fetched: Fetched) -> PollRecord:
    with ctx.db.transaction() as conn:
        feed_store.finish_poll(
            conn,
            record,
            etag=fetched.etag or (feed.etag if fetched.status == 304 else None),
            last_modified=fetched.last_modified
            or (feed.last_modified if fetched.status == 304 else None),
            failures=0,
            next_poll_at=record.finished_at + timedelta(seconds=feed.poll_interval_s),
        )
    return record


def _failed_poll(
    ctx: Context, feed: Feed, *, started: datetime, error: str, status: int | None
) -> PollRecord:
    failures = feed.failures + 1
    record = PollRecord(feed.id, started, ctx.clock(), "error", http_status=status, error=error)
    log.warning("feed %s: %s (failure %d in a row)", redact_url(feed.url), error, failures)
    with ctx.db.transaction() as conn:
        feed_store.finish_poll(
            conn,
            record,
            etag=feed.etag,
            last_modified=feed.last_modified,
            failures=failures,
            next_poll_at=record.finished_at + backoff(feed.poll_interval_s, failures),
        )
    return record


def backoff(interval_s: int, failures: int) -> timedelta:
    """The wait after `failures` failed polls in a row: the interval doubled each time."""
    return min(timedelta(seconds=interval_s * 2 ** min(failures, 20)), MAX_BACKOFF)
