"""Ingest use case: new, updated (old version kept), unchanged, failed; clusters; proposals."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bulletin.domain.stories import Format, Outcome, Story
from bulletin.ingest.parse import MAX_DOCUMENT_BYTES
from bulletin.services.context import Context
from bulletin.services.stories import ingest as stories
from bulletin.services.stories import views as story_views
from bulletin.store.stories import proposals
from bulletin.store.stories import versions as story_store
from bulletin.store.tables import alert_proposals, story_versions
from bulletin.store.tables import stories as stories_table
from tests.ingest.test_cluster import AGENCY, OTHER, REWRITE
from tests.support.feeds import rss, rss_item
from tests.support.fixtures import NINJS, SEED
from tests.support.poison import POISON, poisoned


def _ingest(ctx: Context, source: str | Path, **kwargs: object) -> list[stories.ItemResult]:
    return list(stories.ingest(ctx, str(source), **kwargs))  # type: ignore[arg-type]


def _count(ctx: Context, table: object) -> int:
    with ctx.db.transaction() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_seed_article_is_stored_with_everything_the_parser_read(ctx: Context) -> None:
    (result,) = _ingest(ctx, SEED)
    assert result.outcome is Outcome.NEW and result.story is not None
    data = story_views.story_json(result.story)
    assert data["headline"] is None and data["needs_headline"] is True
    assert data["byline_people"] == ["Courtney Kube"]
    assert data["byline_agencies"] == ["The Associated Press"]
    assert data["dateline"] == "WASHINGTON"
    assert data["contributors"] == ["Daniella Silva"]
    assert data["images"][0]["credit"] == "Omar Sanadiki / Reuters"
    assert data["cluster_id"] == data["id"]
    with ctx.db.transaction() as conn:
        stored = story_store.get(conn, result.story.id)
    assert stored is not None and stored.story.lead == result.story.story.lead


def test_same_file_twice_is_stored_once_and_reported_unchanged(ctx: Context) -> None:
    first = _ingest(ctx, SEED)
    second = _ingest(ctx, SEED)
    assert [r.outcome for r in first + second] == [Outcome.NEW, Outcome.UNCHANGED]
    assert _count(ctx, stories_table) == 1


def test_changed_item_becomes_a_new_version_and_the_old_one_is_kept(
    ctx: Context, tmp_path: Path
) -> None:
    feed = tmp_path / "wire.xml"
    feed.write_bytes(rss(rss_item(1, title="Bridge closed")))
    (first,) = _ingest(ctx, feed)
    feed.write_bytes(rss(rss_item(1, title="Bridge closed after crash")))
    (second,) = _ingest(ctx, feed)
    assert second.outcome is Outcome.UPDATED and second.story is not None
    assert first.story is not None and second.story.id == first.story.id
    assert second.story.version == 2
    with ctx.db.transaction() as conn:
        history = story_store.versions(conn, first.story.id)
    assert [(v, d["headline"]) for v, d in history] == [
        (1, "Bridge closed"),
        (2, "Bridge closed after crash"),
    ]


def test_directory_ingests_every_file_and_ninjs_versions_share_an_identity(
    ctx: Context, tmp_path: Path
) -> None:
    for version in ("2.1", "3.0"):
        shutil.copytree(NINJS / version, tmp_path / "in" / version)
    results = _ingest(ctx, tmp_path / "in", fmt=Format.AUTO)
    assert len(results) == 6
    outcomes = [r.outcome for r in results]
    # the 3.0 files are the 2.1 items again (same uri, same content): unchanged
    assert outcomes.count(Outcome.NEW) == 3 and outcomes.count(Outcome.UNCHANGED) == 3


def test_duplicate_id_with_different_content_in_one_source_fails_the_second(
    ctx: Context, tmp_path: Path
) -> None:
    items = [{"uri": "urn:x:1", "headline": "First", "body_text": "One."},
             {"uri": "urn:x:1", "headline": "Other", "body_text": "Two."}]  # fmt: skip
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(items))
    new, failed = _ingest(ctx, path)
    assert new.outcome is Outcome.NEW
    assert failed.failure is not None
    assert failed.failure.item == "item 2 (urn:x:1)"
    assert "different content" in failed.failure.error
    assert _count(ctx, stories_table) == 1


def test_a_failed_item_changes_nothing_and_the_others_are_stored(
    ctx: Context, tmp_path: Path
) -> None:
    items = [{"uri": "urn:ok", "headline": "Fine", "body_text": "Body."},
             {"uri": "urn:long", "headline": "x" * 600, "body_text": "Body."},
             {"uri": "urn:ok2", "headline": "Fine too", "body_text": "Body two."}]  # fmt: skip
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(items))
    results = _ingest(ctx, path)
    assert [r.outcome for r in results] == [Outcome.NEW, Outcome.FAILED, Outcome.NEW]
    failure = results[1].failure
    assert failure is not None and failure.source == str(path)
    assert failure.item == "item 2 (urn:long)" and "headline of 600 characters" in failure.error
    assert _count(ctx, stories_table) == 2
    assert _count(ctx, story_versions) == 2


def test_unreadable_document_in_a_directory_fails_alone(ctx: Context, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text("{ not json")
    shutil.copy(SEED, folder / "b.txt")
    results = _ingest(ctx, folder)
    assert [r.outcome for r in results] == [Outcome.FAILED, Outcome.NEW]
    failure = results[0].failure
    assert failure is not None and failure.source.endswith("a.json") and failure.item is None
    assert failure.error.startswith("not valid JSON at line 1")


def test_agency_copy_and_rewrite_share_a_cluster_and_other_news_does_not(
    ctx: Context, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in (("agency", AGENCY), ("rewrite", REWRITE), ("other", OTHER)):
        (folder / f"{name}.txt").write_text(f"By Ann Lee\n\n{text}")
    results = {Path(r.story.story.source).stem: r.story for r in _ingest(ctx, folder) if r.story}
    assert results["rewrite"].cluster_id == results["agency"].cluster_id
    assert results["other"].cluster_id == results["other"].id != results["agency"].cluster_id


def test_flash_wire_story_becomes_an_alert_proposal_once(ctx: Context, tmp_path: Path) -> None:
    item = {"uri": "urn:flash", "headline": "Quake", "body_text": "A quake.", "urgency": 1}
    path = tmp_path / "flash.json"
    path.write_text(json.dumps(item))
    (result,) = _ingest(ctx, path)
    assert result.proposed == "flash"
    path.write_text(json.dumps({**item, "body_text": "A big quake."}))
    (again,) = _ingest(ctx, path)
    assert again.outcome is Outcome.UPDATED and again.proposed is None
    with ctx.db.transaction() as conn:
        (proposal,) = proposals.open_proposals(conn)
    assert result.story is not None and proposal.story_id == result.story.id


def test_embargoed_withheld_or_headless_urgent_stories_are_not_proposed(
    ctx: Context, tmp_path: Path
) -> None:
    base = {"body_text": "Text.", "urgency": 2, "headline": "Urgent"}
    items = [{**base, "uri": "urn:e", "embargoed": "2999-01-01T00:00:00Z"},
             {**base, "uri": "urn:w", "pubstatus": "withheld"},
             {**base, "uri": "urn:h", "headline": ""},
             {**base, "uri": "urn:n", "urgency": 3}]  # fmt: skip
    path = tmp_path / "items.json"
    path.write_text(json.dumps(items))
    results = _ingest(ctx, path)
    assert [r.outcome for r in results] == [Outcome.NEW] * 4
    assert [r.proposed for r in results] == [None] * 4
    assert _count(ctx, alert_proposals) == 0


def test_the_same_url_from_another_source_updates_the_story_it_already_is(
    ctx: Context, tmp_path: Path
) -> None:
    first = tmp_path / "a.xml"
    first.write_bytes(rss(rss_item(1, title="Bridge closed")))
    second = tmp_path / "b.json"
    second.write_text(
        json.dumps(
            {
                "uri": "https://news.example.com/s/1",
                "headline": "Bridge shut",
                "body_text": "LONDON — The bridge is shut.",
            }
        )
    )
    (a,) = _ingest(ctx, first)
    (b,) = _ingest(ctx, second)
    assert a.story is not None and b.story is not None
    assert (b.outcome, b.story.id, b.story.version) == (Outcome.UPDATED, a.story.id, 2)


def test_an_oversize_file_in_a_directory_fails_alone_without_being_read(
    ctx: Context, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    with (folder / "huge.txt").open("wb") as huge:
        huge.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: no 32 MiB written
    shutil.copy(SEED, folder / "seed.txt")
    results = _ingest(ctx, folder)
    assert [r.outcome for r in results] == [Outcome.FAILED, Outcome.NEW]
    failure = results[0].failure
    assert failure is not None and failure.source.endswith("huge.txt")
    assert failure.error == "is 33,554,433 bytes; the limit is 33,554,432 bytes"


def test_an_item_the_database_refuses_rolls_back_alone_within_its_batch(ctx: Context) -> None:
    good = [Story(source="s", source_id=f"urn:g:{n}", headline=f"G{n}", paragraphs=("x",))
            for n in range(3)]  # fmt: skip
    bad = Story(source="s", source_id="urn:bad", headline="Bad", paragraphs=("y",),
                published_at=datetime(2024, 1, 1))  # naive: the UTC column refuses it  # fmt: skip
    index = stories.cluster_index(ctx)
    results = list(stories.store_items(ctx, [good[0], bad, good[1], good[2]], index=index))
    assert [r.outcome for r in results] == [Outcome.NEW, Outcome.FAILED, Outcome.NEW, Outcome.NEW]
    failure = results[1].failure
    assert failure is not None and failure.item == "item 2 (urn:bad)"
    assert failure.error.startswith("could not be stored (naive datetime")
    assert _count(ctx, stories_table) == 3
    assert _count(ctx, story_versions) == 3


def test_a_story_the_database_refuses_fails_alone_and_is_marked_for_retry(ctx: Context) -> None:
    items = [Story(source="s", source_id=f"urn:p:{n}", headline=h, paragraphs=("x",))
             for n, h in enumerate(["One", POISON, "Three"])]  # fmt: skip
    with poisoned(ctx.db):
        results = list(stories.store_items(ctx, items, index=stories.cluster_index(ctx)))
    assert [r.outcome for r in results] == [Outcome.NEW, Outcome.FAILED, Outcome.NEW]
    assert [r.retry for r in results] == [False, True, False]
    failure = results[1].failure
    assert failure is not None and "story refused by trigger" in failure.error
    assert _count(ctx, stories_table) == 2 and _count(ctx, story_versions) == 2


def test_more_items_than_a_batch_are_all_stored_in_order(ctx: Context, tmp_path: Path) -> None:
    count = stories.BATCH * 2 + 5
    path = tmp_path / "many.xml"
    path.write_bytes(rss(*(rss_item(n) for n in range(count))))
    results = _ingest(ctx, path)
    assert [r.outcome for r in results] == [Outcome.NEW] * count
    ids = [r.story.id for r in results if r.story]
    assert ids == sorted(ids) and len(set(ids)) == count
