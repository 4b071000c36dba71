"""RSS 2.0 and Atom entries become stories; broken feeds and entries fail precisely."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bulletin.domain.errors import IngestError
from bulletin.domain.stories import ItemFailure, Story
from bulletin.ingest.feeds import parse_feed
from tests.support.feeds import atom, atom_entry, rss, rss_item


def _stories(items: list[Story | ItemFailure]) -> list[Story]:
    assert all(isinstance(i, Story) for i in items), items
    return [i for i in items if isinstance(i, Story)]


def test_rss_item_gives_headline_byline_body_dateline_and_times() -> None:
    (story,) = _stories(parse_feed(rss(rss_item(1)), source="wire.xml"))
    assert story.headline == "Story number 1 breaks"
    assert (story.byline_people, story.byline_agencies) == (("Ann Lee",), ("Reuters",))
    assert story.dateline == "LONDON"
    assert story.lead == "Paragraph one of story 1, with details."
    assert story.summary == "Summary 1."
    assert story.published_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert story.url == story.source_id == "https://news.example.com/s/1"
    assert story.section == "World"


def test_atom_entry_with_several_authors_and_an_update_time() -> None:
    (story,) = _stories(parse_feed(atom(atom_entry(7)), source="feed.atom"))
    assert story.headline == "Atom story 7"
    assert story.byline_people == ("Bo Chen",)
    assert story.byline_agencies == ("Agence France-Presse",)
    assert story.source_id == "urn:example:atom:7"
    assert story.updated_at == datetime(2024, 1, 3, 7, 0, tzinfo=UTC)
    assert story.dateline == "PARIS"


def test_feed_html_is_sanitised() -> None:
    body = (
        '<p onclick="steal()">LONDON — Hi <a href="javascript:x()">there</a>.</p><script>x</script>'
    )
    (story,) = _stories(parse_feed(rss(rss_item(1, body=body)), source="s"))
    assert "onclick" not in story.body_html
    assert "javascript:" not in story.body_html
    assert "<script" not in story.body_html


def test_breaking_category_or_prefix_marks_the_story_breaking() -> None:
    item = rss_item(1, title="BREAKING: Bridge collapses")
    (story,) = _stories(parse_feed(rss(item), source="s"))
    assert story.breaking is True
    assert story.headline == "Bridge collapses"


def test_a_document_that_is_not_a_feed_is_refused_naming_the_source() -> None:
    with pytest.raises(IngestError, match=r"^junk\.xml: not an RSS or Atom feed \(not well-formed"):
        parse_feed(b"<<<this is not xml", source="junk.xml")


def test_truncated_feed_keeps_good_items_and_fails_the_broken_one_by_position() -> None:
    full = rss(rss_item(1), "<item><guid>urn:x:2</guid>")
    data = full[: full.index(b"</channel>")]
    items = parse_feed(data, source="cut.xml")
    assert isinstance(items[0], Story) and items[0].headline == "Story number 1 breaks"
    failure = items[1]
    assert isinstance(failure, ItemFailure)
    assert failure.source == "cut.xml" and failure.item == "item 2 (urn:x:2)"
    assert failure.error.startswith("is cut short or garbled: the feed is not well-formed XML")


def test_an_item_broken_mid_feed_fails_alone_and_later_items_are_kept() -> None:
    broken = rss_item(2).replace("</title>", "</titel>")
    items = parse_feed(rss(rss_item(1), broken, rss_item(3)), source="mid.xml")
    assert [type(i).__name__ for i in items] == ["Story", "ItemFailure", "Story"]
    failure = items[1]
    assert isinstance(failure, ItemFailure)
    assert failure.source == "mid.xml" and failure.item is not None
    assert failure.item.startswith("item 2")
    assert "mismatched tag" in failure.error


def test_undefined_html_entities_do_not_fail_any_item() -> None:
    items = parse_feed(rss(rss_item(1, title="Bread&nbsp;prices")), source="nbsp.xml")
    (story,) = _stories(items)
    assert story.headline == "Bread prices"


def test_a_feed_mislabelled_as_utf8_but_in_latin1_is_decoded() -> None:
    data = rss(rss_item(1, title="Café reopens")).replace("Café".encode(), "Café".encode("latin-1"))
    (story,) = _stories(parse_feed(data, source="latin.xml"))
    assert story.headline == "Café reopens"


def test_an_empty_feed_has_no_items_and_no_error() -> None:
    assert parse_feed(rss(), source="empty.xml") == []
