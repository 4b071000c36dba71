"""Feed polling over real HTTP on loopback: conditional GET, back-off, poll log, auto-send."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bulletin.domain.errors import InvalidInput
from bulletin.domain.stories import Format
from bulletin.services.alerts import proposals
from bulletin.services.context import Context
from bulletin.services.stories import feeds
from bulletin.store.stories import feeds as feed_store
from bulletin.store.tables import campaigns, stories
from tests.ingest.test_cluster import AGENCY, REWRITE
from tests.support.factories import FakeClock, confirmed_reader
from tests.support.feeds import rss, rss_item
from tests.support.http_feeds import FeedServer, Route
from tests.support.poison import POISON, poisoned


def _polls(ctx: Context, feed_id: int) -> list[feed_store.PollRecord]:
    with ctx.db.transaction() as conn:
        return list(reversed(feed_store.polls(conn, feed_id)))


def _feed(ctx: Context, feed_id: int) -> feed_store.Feed:
    with ctx.db.transaction() as conn:
        feed = feed_store.get(conn, feed_id)
    assert feed is not None
    return feed


def _headlines(ctx: Context) -> list[str]:
    with ctx.db.transaction() as conn:
        return list(conn.execute(select(stories.c.headline).order_by(stories.c.id)).scalars())


def test_due_feed_is_polled_and_items_stored_and_logged(
    ctx: Context, feed_server: FeedServer
) -> None:
    feed_server.routes["/wire.xml"] = Route(body=rss(rss_item(1), rss_item(2)), etag='"v1"')
    feed = feeds.register_feed(ctx, feed_server.url("/wire.xml"), poll_interval_s=60)
    assert feeds.poll_due_feeds(ctx) == 1
    assert _headlines(ctx) == ["Story number 1 breaks", "Story number 2 breaks"]
    (poll,) = _polls(ctx, feed.id)
    assert (poll.outcome, poll.http_status, poll.new, poll.failed) == ("ok", 200, 2, 0)
    assert _feed(ctx, feed.id).etag == '"v1"'


def test_feed_is_not_polled_again_before_its_interval(
    ctx: Context, feed_server: FeedServer, clock: FakeClock
) -> None:
    route = feed_server.routes["/wire.xml"] = Route(body=rss(rss_item(1)))
    feeds.register_feed(ctx, feed_server.url("/wire.xml"), poll_interval_s=60)
    assert feeds.poll_due_feeds(ctx) == 1
    clock.advance(seconds=30)
    assert feeds.poll_due_feeds(ctx) == 0
    clock.advance(seconds=31)
    assert feeds.poll_due_feeds(ctx) == 1
    assert len(route.requests) == 2


def test_unchanged_feed_answers_304_to_the_etag_and_costs_nothing(
    ctx: Context, feed_server: FeedServer, clock: FakeClock
) -> None:
    route = feed_server.routes["/wire.xml"] = Route(body=rss(rss_item(1)), etag='"v1"')
    feed = feeds.register_feed(ctx, feed_server.url("/wire.xml"), poll_interval_s=60)
    feeds.poll_due_feeds(ctx)
    clock.advance(seconds=61)
    feeds.poll_due_feeds(ctx)
    assert route.requests[1]["if-none-match"] == '"v1"'
    assert [p.outcome for p in _polls(ctx, feed.id)] == ["ok", "not_modified"]
    assert _feed(ctx, feed.id).etag == '"v1"'


def test_last_modified_is_sent_back_as_if_modified_since(
    ctx: Context, feed_server: FeedServer, clock: FakeClock
) -> None:
    stamp = "Tue, 02 Jan 2024 03:04:05 GMT"
    route = feed_server.routes["/wire.xml"] = Route(body=rss(rss_item(1)), last_modified=stamp)
    feed = feeds.register_feed(ctx, feed_server.url("/wire.xml"), poll_interval_s=60)
    feeds.poll_due_feeds(ctx)
    clock.advance(seconds=61)
    feeds.poll_due_feeds(ctx)
    assert route.requests[1]["if-modified-since"] == stamp
    assert _polls(ctx, feed.id)[-1].http_status == 304


@pytest.mark.parametrize(
    ("route", "error"),
    [
        (None, "answered HTTP 404 Not Found"),
        (Route(status=500, body=b"oops"), "answered HTTP 500 Internal Server Error"),
        (Route(body=b"<<<not xml at all"), "not an RSS or Atom feed (not well-formed XML"),
        (Route(body=b""), "is empty"),
        (Route(body=rss(*(rss_item(n) for n in range(50)))), "the limit is 4,000 bytes"),
    ],
    ids=["404", "500", "malformed-xml", "empty", "oversize"],
)
def test_failed_poll_is_logged_and_the_feed_backs_off(
    ctx: Context, feed_server: FeedServer, clock: FakeClock, route: Route | None, error: str
) -> None:
    if route is not None:
        feed_server.routes["/wire.xml"] = route
    feed = feeds.register_feed(ctx, feed_server.url("/wire.xml"), poll_interval_s=60)
    feeds.poll_due_feeds(ctx, max_bytes=4000)
    (poll,) = _polls(ctx, feed.id)
    assert poll.outcome == "error" and poll.error is not None and error in poll.error
    after = _feed(ctx, feed.id)
    assert after.failures == 1
    assert after.next_poll_at == clock.now + timedelta(seconds=120)
    assert _headlines(ctx) == []


def test_truncated_feed_stores_the_whole_items_and_logs_the_cut_one(
    ctx: Context, feed_server: FeedServer
) -> None:
    full = rss(rss_item(1), rss_item(2), rss_item(3))
    feed_server.routes["/wire.xml"] = Route(body=full[: full.index(b"<description>Summary 3")])
    feed = feeds.register_feed(ctx, feed_server.url("/wire.xml"))
    feeds.poll_due_feeds(ctx)
    assert _headlines(ctx) == ["Story number 1 breaks", "Story number 2 breaks"]
    (poll,) = _polls(ctx, feed.id)
    assert (poll.outcome, poll.new, poll.failed) == ("partial", 2, 1)
    assert poll.error is not None
    assert poll.error.startswith(f"{feed.url}, item 3 (https://news.example.com/s/3): is cut short")
    assert "not well-formed XML at line" in poll.error
    assert _feed(ctx, feed.id).failures == 0


def test_items_the_database_refused_are_fetched_in_full_next_time(
    ctx: Context, feed_server: FeedServer, clock: FakeClock
) -> None:
    body = rss(rss_item(1), rss_item(2, title=POISON))
    route = feed_server.routes["/wire.xml"] = Route(body=body, etag='"v1"')
    feed = feeds.register_feed(ctx, feed_server.url("/wire.xml"), poll_interval_s=60)
    with poisoned(ctx.db):
        feeds.poll_due_feeds(ctx)
    assert _feed(ctx, feed.id).etag is None
    clock.advance(seconds=61)
    feeds.poll_due_feeds(ctx)
    assert "if-none-match" not in route.requests[1]
    assert _headlines(ctx) == ["Story number 1 breaks", POISON]
    assert [(p.outcome, p.new, p.failed) for p in _polls(ctx, feed.id)] == [
        ("partial", 1, 1),
        ("ok", 1, 0),
    ]


def test_timeout_is_an_error_naming_the_wait(ctx: Context, feed_server: FeedServer) -> None:
    feed_server.routes["/slow.xml"] = Route(body=rss(rss_item(1)), delay_s=1.5)
    feed = feeds.register_feed(ctx, feed_server.url("/slow.xml"), poll_interval_s=60)
    feeds.poll_due_feeds(ctx, timeout=0.3)
    (poll,) = _polls(ctx, feed.id)
    assert poll.outcome == "error" and poll.error == "did not answer within 0.3 seconds"


def test_back_off_doubles_and_a_good_poll_resets_it(
    ctx: Context, feed_server: FeedServer, clock: FakeClock
) -> None:
    route = feed_server.routes["/wire.xml"] = Route(status=503, body=b"busy")
    feed = feeds.register_feed(ctx, feed_server.url("/wire.xml"), poll_interval_s=60)
    for _ in range(3):
        clock.advance(days=1)
        feeds.poll_due_feeds(ctx)
    assert _feed(ctx, feed.id).failures == 3
    assert _feed(ctx, feed.id).next_poll_at == clock.now + timedelta(seconds=60 * 8)
    route.status, route.body = 200, rss(rss_item(1))
    clock.advance(days=1)
    feeds.poll_due_feeds(ctx)
    assert _feed(ctx, feed.id).failures == 0
    assert [p.outcome for p in _polls(ctx, feed.id)] == ["error"] * 3 + ["ok"]


def test_feed_in_latin1_labelled_utf8_by_the_server_is_decoded(
    ctx: Context, feed_server: FeedServer
) -> None:
    body = rss(rss_item(1, title="Café reopens")).replace("é".encode(), "é".encode("latin-1"))
    feed_server.routes["/wire.xml"] = Route(body=body)
    feeds.register_feed(ctx, feed_server.url("/wire.xml"))
    feeds.poll_due_feeds(ctx)
    assert _headlines(ctx) == ["Café reopens"]


def test_a_claimed_feed_cannot_be_claimed_by_a_second_worker(
    ctx: Context, feed_server: FeedServer
) -> None:
    feed = feeds.register_feed(ctx, feed_server.url("/wire.xml"))
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        first = feed_store.claim(conn, feed.id, now=now, until=now + timedelta(minutes=10))
        second = feed_store.claim(conn, feed.id, now=now, until=now + timedelta(minutes=10))
    assert first is not None and second is None


def test_poll_forever_polls_until_stopped(ctx: Context, feed_server: FeedServer) -> None:
    route = feed_server.routes["/wire.xml"] = Route(body=rss(rss_item(1)))
    feeds.register_feed(ctx, feed_server.url("/wire.xml"))
    stop = threading.Event()
    thread = threading.Thread(target=feeds.poll_forever, args=(ctx, stop), kwargs={"every_s": 0.05})
    thread.start()
    deadline = time.monotonic() + 10
    while not _headlines(ctx) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert _headlines(ctx) == ["Story number 1 breaks"] and len(route.requests) == 1


def test_agency_feed_and_newsroom_rewrite_land_in_one_cluster(
    ctx: Context, feed_server: FeedServer
) -> None:
    for path, n, text in (("/agency.xml", 1, AGENCY), ("/newsroom.xml", 2, REWRITE)):
        body = rss(rss_item(n, body=f"<p>{text}</p>"))
        feed_server.routes[path] = Route(body=body)
        feeds.register_feed(ctx, feed_server.url(path))
    assert feeds.poll_due_feeds(ctx) == 2
    with ctx.db.transaction() as conn:
        rows = conn.execute(select(stories.c.id, stories.c.cluster_id).order_by(stories.c.id))
        (agency_id, agency_cluster), (_rewrite_id, rewrite_cluster) = rows.all()
    assert agency_cluster == rewrite_cluster == agency_id


def test_register_refuses_duplicates_non_http_and_too_frequent(ctx: Context) -> None:
    feeds.register_feed(ctx, "https://wire.example.com/feed.xml")
    with pytest.raises(InvalidInput, match="already registered"):
        feeds.register_feed(ctx, "https://wire.example.com/feed.xml")
    with pytest.raises(InvalidInput, match="http"):
        feeds.register_feed(ctx, "ftp://wire.example.com/feed.xml")
    with pytest.raises(InvalidInput, match="at most every 30 seconds"):
        feeds.register_feed(ctx, "https://wire.example.com/other.xml", poll_interval_s=5)


def _breaking_feed(feed_server: FeedServer) -> str:
    item = rss_item(1, title="BREAKING: Bridge collapses")
    feed_server.routes["/wire.xml"] = Route(body=rss(item))
    return feed_server.url("/wire.xml")


def test_breaking_item_is_proposed_and_not_sent_without_an_editor(
    ctx: Context, feed_server: FeedServer
) -> None:
    confirmed_reader(ctx)
    feeds.register_feed(ctx, _breaking_feed(feed_server))
    feeds.poll_due_feeds(ctx)
    (proposal,) = proposals.open_proposals(ctx)
    assert proposal.reason == "breaking"
    with ctx.db.transaction() as conn:
        assert conn.execute(select(campaigns.c.id)).all() == []


def test_auto_send_feed_fires_the_alert_itself(ctx: Context, feed_server: FeedServer) -> None:
    confirmed_reader(ctx)
    feeds.register_feed(ctx, _breaking_feed(feed_server), auto_send=True)
    feeds.poll_due_feeds(ctx)
    assert proposals.open_proposals(ctx) == []
    with ctx.db.transaction() as conn:
        (campaign,) = conn.execute(select(campaigns)).all()
    assert campaign.headline == "Bridge collapses"
    assert campaign.url == "https://news.example.com/s/1"


def test_urgent_story_is_proposed_once_its_embargo_lifts(
    ctx: Context, feed_server: FeedServer, clock: FakeClock
) -> None:
    lifts = (clock.now + timedelta(hours=1)).isoformat()
    item = {"uri": "urn:x:e", "headline": "Verdict", "body_text": "Guilty.", "urgency": 1,
            "embargoed": lifts}  # fmt: skip
    feed_server.routes["/wire.json"] = Route(
        body=json.dumps(item).encode(), content_type="application/json"
    )
    feeds.register_feed(ctx, feed_server.url("/wire.json"), format=Format.NINJS)
    feeds.poll_due_feeds(ctx)
    assert proposals.open_proposals(ctx) == []
    clock.advance(hours=2)
    feeds.poll_due_feeds(ctx)
    (proposal,) = proposals.open_proposals(ctx)
    assert proposal.reason == "flash"
