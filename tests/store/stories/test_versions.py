"""Story queries: which stored story an item is, version history, recent fingerprints."""

from __future__ import annotations

from datetime import timedelta

from bulletin.domain.stories import Image, PubStatus, Story
from bulletin.services.context import Context
from bulletin.store.stories import versions as store

FULL = Story(
    source="wire", source_id="urn:x:1", headline="Quake", summary="Dek",
    byline_people=("Ann Lee",), byline_agencies=("AP",), dateline="TOKYO", lead="Lead.",
    paragraphs=("TOKYO — Lead.", "More."), body_html="<p>TOKYO — Lead.</p><p>More.</p>",
    images=(Image("https://i.example.com/1.jpg", "Cap", "Cred"),), contributors=("Bo Chen",),
    section="World", topics=("Quakes",), urgency=2, pubstatus=PubStatus.WITHHELD, breaking=True,
    url="https://news.example.com/quake", language="en",
)  # fmt: skip


def test_a_story_reads_back_exactly_as_it_was_written(ctx: Context) -> None:
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        story_id = store.insert(conn, FULL, content_hash="h1", fingerprint=b"f", now=now)
        stored = store.get(conn, story_id)
    assert stored is not None and stored.story == FULL
    assert (stored.version, stored.content_hash, stored.created_at) == (1, "h1", now)


def test_existing_story_is_found_by_identity_then_url_then_content_hash(ctx: Context) -> None:
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        story_id = store.insert(conn, FULL, content_hash="h1", fingerprint=b"f", now=now)
        by_identity = store.find_existing(conn, identity="urn:x:1", url=None, content_hash="z")
        by_url = store.find_existing(conn, identity="urn:other", url=FULL.url, content_hash="z")
        by_hash = store.find_existing(conn, identity=None, url=None, content_hash="h1")
        missing = store.find_existing(conn, identity="urn:other", url=None, content_hash="z")
    assert {e.id for e in (by_identity, by_url, by_hash) if e} == {story_id}
    assert by_identity is not None and by_identity.headline == "Quake"
    assert missing is None


def test_versions_come_back_oldest_first(ctx: Context) -> None:
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        story_id = store.insert(conn, FULL, content_hash="h1", fingerprint=b"f", now=now)
        for version, headline in ((2, "Quake kills 3"), (1, "Quake")):
            story = Story(source="wire", source_id="urn:x:1", headline=headline)
            store.record_version(conn, story_id, story, version=version, content_hash="h", now=now)
        history = store.versions(conn, story_id)
    assert [(v, d["headline"]) for v, d in history] == [(1, "Quake"), (2, "Quake kills 3")]


def test_recent_fingerprints_leave_out_older_stories(ctx: Context) -> None:
    now = ctx.clock()
    with ctx.db.transaction() as conn:
        old = store.insert(
            conn, FULL, content_hash="a", fingerprint=b"old", now=now - timedelta(days=9)
        )
        new = store.insert(
            conn, Story(source="s", headline="B"), content_hash="b", fingerprint=b"new", now=now
        )
        store.set_cluster(conn, new, old)
        recent = store.recent_fingerprints(conn, since=now - timedelta(days=3), limit=10)
    assert recent == [(new, old, b"new")]
